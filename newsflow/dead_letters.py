"""Reading the dead-letters topic with each letter's coordinates and time, for `status` (what
failed lately) and `replay` (which letters, and whether one was already replayed).

A letter is identified by where it sits in the dead-letters topic (partition, offset): the
same bytes dead-lettered twice are two letters. Reads stop at the end offsets taken when the
read starts, so a worker writing new letters meanwhile cannot keep a command running.
"""
from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from typing import NamedTuple, Optional

import orjson
from aiokafka import TopicPartition

from newsflow.streams.admin import connect, consumer
from newsflow.streams.config import Settings

_SPAN = re.compile(r"^(\d+)([smhd])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class Letter(NamedTuple):
    partition: int
    offset: int
    timestamp_ms: int  # when it was dead-lettered (the record's Kafka timestamp)
    body: dict
    key: Optional[bytes] = None


def since_ms(text: str, now: Optional[float] = None) -> int:
    """`1h`, `30m`, `2d`, `90s` ago, or an ISO time (UTC unless it names its zone), in epoch ms."""
    span = _SPAN.match(text.strip())
    if span:
        now = time.time() if now is None else now
        return int((now - int(span[1]) * _SECONDS[span[2]]) * 1000)
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"--since {text!r}: give an ISO time (2024-05-01T12:00) or a span (90s, 30m, 1h, 2d)") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return int(when.timestamp() * 1000)


async def read_letters(s: Settings, *, since: Optional[int] = None, last: Optional[int] = None,
                       topic: Optional[str] = None) -> list[Letter]:
    """Letters from `since` (epoch ms) on, and at least the `last` ones of each partition when
    given; all of them when neither is. `topic` defaults to the dead-letters topic."""
    reader = consumer(s, group_id=None)
    await connect(reader, s)
    try:
        return await _read(reader, topic or s.topic_dead, since, last)
    finally:
        await reader.stop()


async def _read(reader, topic: str, since: Optional[int], last: Optional[int]) -> list[Letter]:
    parts = [TopicPartition(topic, p) for p in sorted(await _partitions(reader, topic))]
    if not parts:
        return []
    ends = await reader.end_offsets(parts)
    starts = await reader.beginning_offsets(parts)
    by_time = await reader.offsets_for_times({tp: since for tp in parts}) if since is not None else {}
    for tp in parts:
        candidates = [by_time[tp].offset if by_time.get(tp) else ends[tp]] if since is not None else []
        candidates += [ends[tp] - last] if last is not None else []
        if candidates:
            starts[tp] = max(starts[tp], min(candidates))
    letters = [Letter(m.partition, m.offset, m.timestamp, orjson.loads(m.value), m.key)
               for tp in parts for m in await committed_records(reader, tp, starts[tp], ends[tp])]
    return sorted(letters, key=lambda l: (l.timestamp_ms, l.partition, l.offset))


async def committed_records(reader, tp: TopicPartition, start: int, end: int) -> list:
    """The committed records of `tp` in [start, end): transaction markers take offsets but are
    no records, and what follows an open transaction is not readable yet."""
    if start >= end:
        return []
    reader.assign([tp])
    reader.seek(tp, start)
    records = []
    while await reader.position(tp) < end:
        batch = (await reader.getmany(tp, timeout_ms=1000)).get(tp, [])
        if not batch:
            break  # the rest is an open transaction: not committed yet
        records += [m for m in batch if m.offset < end]
    return records


async def _partitions(reader, topic: str) -> set[int]:
    await reader._client.force_metadata_update()
    return reader.partitions_for_topic(topic) or set()
