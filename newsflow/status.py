"""`newsflow status`: is the broker up, do the topics exist, and how far behind is each stage.

Lag is read from the broker (each stage's committed offsets against its input's end
offsets), so it works without any worker running and answers "where do items pile up?".
Transactions leave a commit marker after each batch, which takes an offset but is no
record: where the gap is small the records in it are counted by reading them, so a drained
stage shows 0; a gap over `COUNTED` is reported as is (markers included, a slight overcount).
"""
from __future__ import annotations

from typing import NamedTuple

from aiokafka import TopicPartition

from newsflow.streams.admin import admin_client, connect, consumer
from newsflow.streams.config import Settings
from newsflow.streams.topics import hops, topic_names

COUNTED = 2000


class StageLag(NamedTuple):
    stage: str
    source: str
    group: str
    lag: int  # records in the input not yet committed by the stage's group
    end: int  # the input's end offsets, summed (records and transaction markers)


class Status(NamedTuple):
    topics: dict[str, int]  # newsflow's topics that exist -> partitions
    missing: list[str]
    stages: list[StageLag]
    dead_letters: int  # records the topic holds (counted exactly up to COUNTED a partition)


async def read_status(s: Settings) -> Status:
    admin = admin_client(s)
    reader = consumer(s)
    await connect(admin, s)
    await connect(reader, s)
    try:
        wanted = topic_names(s)
        described = await admin.describe_topics([t for t in wanted if t in set(await admin.list_topics())])
        topics = {d["topic"]: len(d["partitions"]) for d in described if not d.get("error_code")}
        ends: dict[TopicPartition, int] = {}
        parts = [TopicPartition(t, p) for t, n in topics.items() for p in range(n)]
        if parts:
            ends = await reader.end_offsets(parts)
        stages = []
        for hop in hops(s):
            if hop.source not in topics:
                continue
            committed = await admin.list_consumer_group_offsets(hop.group)
            source_parts = [tp for tp in ends if tp.topic == hop.source]
            lag = 0
            for tp in source_parts:
                start = committed[tp].offset if tp in committed and committed[tp].offset >= 0 else 0
                lag += await _records_between(reader, tp, start, ends[tp])
            stages.append(StageLag(hop.stage, hop.source, hop.group, lag, sum(ends[tp] for tp in source_parts)))
        starts = await reader.beginning_offsets([tp for tp in ends if tp.topic == s.topic_dead]) if ends else {}
        dead = 0
        for tp, start in starts.items():
            dead += await _records_between(reader, tp, start, ends[tp])
        return Status(topics, [t for t in wanted if t not in topics], stages, dead)
    finally:
        await reader.stop()
        await admin.close()


async def _records_between(reader, tp: TopicPartition, start: int, end: int) -> int:
    if end - start <= 0 or end - start > COUNTED:
        return max(end - start, 0)
    reader.assign([tp])
    reader.seek(tp, start)
    count = 0
    while await reader.position(tp) < end:
        batch = await reader.getmany(tp, timeout_ms=1000)
        if not batch.get(tp) and await reader.position(tp) < end:
            break  # nothing more readable (an open transaction): what is left is not yet committed
        count += sum(1 for m in batch.get(tp, []) if m.offset < end)
    return count


def render(s: Settings, status: Status) -> str:
    lines = [f"broker {s.broker_shown}: reachable"]
    for name, partitions in status.topics.items():
        lines.append(f"  topic {name}: {partitions} partitions")
    for name in status.missing:
        lines.append(f"  topic {name}: missing (created by `newsflow worker` or `publish`)")
    lines.append(f"{'stage':<10} {'group':<30} {'input':<30} {'lag':>8} {'end offset':>11}")
    for st in status.stages:
        lines.append(f"{st.stage:<10} {st.group:<30} {st.source:<30} {st.lag:>8} {st.end:>11}")
    lines.append(f"dead letters: {status.dead_letters}")
    return "\n".join(lines)
