"""A stateful stage's state on the wire: its changelog read back, and a batch's changes as records.

A Faust table restores itself from its changelog topic before its agent sees a record; our
agents write their own transactions (stage_agent.py), so the changelog is written in the
batch's transaction and read back here, to its end, with `read_committed`: an aborted batch's
entries are never part of a restored state, a committed one's always are.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Optional, Sequence

from aiokafka import TopicPartition

from newsflow.agents.stage import Drained, Entry
from newsflow.streams.admin import consumer
from newsflow.streams.config import Settings
from newsflow.streams.topics import StateTopics

log = logging.getLogger("newsflow.changelog")

FETCH_MS = 500


@dataclass(frozen=True, slots=True)
class StateRecord:
    topic: str
    key: bytes
    value: Optional[bytes]  # None: a tombstone
    partition: Optional[int]  # a changelog entry goes to its input partition's number; events by key


def records(drained: Drained, topics: StateTopics, partition: int) -> list[StateRecord]:
    """The records of one batch's changes: changelog entries, then events."""
    out = [StateRecord(topics.changelog, k, v, partition) for k, v in drained.changelog]
    if topics.events is not None:
        out += [StateRecord(topics.events, k, v, None) for k, v in drained.events]
    return out


async def read(settings: Settings, partitions: Sequence[TopicPartition]) -> list[Entry]:
    """Every committed entry of the changelog partitions, in log order, up to their end as of
    now (the caller has fenced off whoever wrote them last, so nothing is still open)."""
    started = time.perf_counter()
    reader = consumer(settings)  # no group: reads from the beginning, commits nothing
    await reader.start()
    entries: list[Entry] = []
    try:
        reader.assign(list(partitions))
        await reader.seek_to_beginning(*partitions)
        ends = await reader.end_offsets(list(partitions))
        for tp in partitions:
            while await reader.position(tp) < ends[tp]:
                fetched = await reader.getmany(tp, timeout_ms=FETCH_MS)
                entries += [(m.key, m.value) for m in fetched.get(tp, ())]
    finally:
        await reader.stop()
    log.info("changelog read", extra={"partitions": [str(tp) for tp in partitions], "entries": len(entries),
                                      "seconds": round(time.perf_counter() - started, 3)})
    return entries
