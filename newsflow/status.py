"""`newsflow status`: is the broker up, do the topics exist with newsflow's configs, how far
behind is each stage, who works in each stage's group, and what failed lately.

Lag is read from the broker (each stage's committed offsets against its input's end
offsets), so it works without any worker running and answers "where do items pile up?".
Transactions leave a commit marker after each batch, which takes an offset but is no
record: where the gap is small the records in it are counted by reading them, so a drained
stage shows 0; a gap over `COUNTED` is reported as is (markers included, a slight overcount).
"""
from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timezone
from typing import Any, NamedTuple

from aiokafka import TopicPartition

from newsflow.dead_letters import Letter, committed_records, read_letters
from newsflow.streams.admin import TopicDetail, admin_client, connect, consumer, describe_topics
from newsflow.streams.config import Settings
from newsflow.streams.topics import hops
from newsflow.topics_cmd import missing, render_topics

COUNTED = 2000
RECENT_MS = 3600 * 1000  # "dead letters by reason" covers the last hour
TAIL = 200  # the newest letters of each partition read for "last error per stage"


class Member(NamedTuple):
    client_id: str
    host: str


class StageLag(NamedTuple):
    stage: str
    source: str
    group: str
    lag: int  # records in the input not yet committed by the stage's group
    end: int  # the input's end offsets, summed (records and transaction markers)
    workers: list[Member]  # the group's members now


class LastError(NamedTuple):
    at: str  # ISO time it was dead-lettered
    reason: str
    error: str
    id: str | None


class Status(NamedTuple):
    topics: list[TopicDetail]  # newsflow's topics that exist
    missing: list[str]
    stages: list[StageLag]
    dead_letters: int  # records the topic holds (counted exactly up to COUNTED a partition)
    recent_reasons: dict[str, int]  # dead letters of the last hour by reason
    last_errors: dict[str, LastError]  # stage -> its newest dead letter


async def read_status(s: Settings) -> Status:
    admin = admin_client(s)
    reader = consumer(s)
    await connect(admin, s)
    await connect(reader, s)
    try:
        topics = await describe_topics(admin, s)
        ends: dict[TopicPartition, int] = {}
        parts = [TopicPartition(t.name, p) for t in topics for p in range(t.partitions)]
        if parts:
            ends = await reader.end_offsets(parts)
        present = {t.name for t in topics}
        live = [hop for hop in hops(s) if hop.source in present]
        members = await _members(admin, [hop.group for hop in live])
        stages = []
        for hop in live:
            committed = await admin.list_consumer_group_offsets(hop.group)
            source_parts = [tp for tp in ends if tp.topic == hop.source]
            lag = 0
            for tp in source_parts:
                start = committed[tp].offset if tp in committed and committed[tp].offset >= 0 else 0
                lag += await _records_between(reader, tp, start, ends[tp])
            stages.append(StageLag(hop.stage, hop.source, hop.group, lag, sum(ends[tp] for tp in source_parts),
                                   members.get(hop.group, [])))
        starts = await reader.beginning_offsets([tp for tp in ends if tp.topic == s.topic_dead]) if ends else {}
        dead = 0
        for tp, start in starts.items():
            dead += await _records_between(reader, tp, start, ends[tp])
    finally:
        await reader.stop()
        await admin.close()
    since = int(time.time() * 1000) - RECENT_MS
    letters = await read_letters(s, since=since, last=TAIL) if s.topic_dead in present else []
    return Status(topics, missing(s, topics), stages, dead, *recent(letters, since))


def recent(letters: list[Letter], since: int) -> tuple[dict[str, int], dict[str, LastError]]:
    """Letters since `since` by reason, and each stage's newest letter (letters oldest first)."""
    reasons = Counter(l.body.get("reason", "?") for l in letters if l.timestamp_ms >= since)
    last = {l.body.get("stage", "?"): LastError(_iso(l.timestamp_ms), l.body.get("reason", "?"),
                                                l.body.get("error", ""), l.body.get("id"))
            for l in letters}
    return dict(reasons.most_common()), last


async def _members(admin, groups: list[str]) -> dict[str, list[Member]]:
    """One request a group: aiokafka 0.14 decodes a DescribeGroups v3 answer with the v2 schema,
    which misreads every group after the first (each answer for one group reads right)."""
    members = {}
    for group in groups:
        for response in await admin.describe_consumer_groups([group]):
            for g in response.to_object()["groups"]:
                members[g["group"]] = [Member(m["client_id"], m["client_host"].lstrip("/")) for m in g["members"]]
    return members


async def _records_between(reader, tp: TopicPartition, start: int, end: int) -> int:
    if end - start > COUNTED:
        return end - start
    return len(await committed_records(reader, tp, start, end))


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def as_json(s: Settings, status: Status) -> dict[str, Any]:
    """One object for scripts: the same facts as the table, nothing rounded."""
    return {
        "broker": s.broker_shown, "reachable": True,
        "topics": [t._asdict() for t in status.topics], "missing_topics": status.missing,
        "stages": [{**st._asdict(), "workers": [m._asdict() for m in st.workers]} for st in status.stages],
        "dead_letters": status.dead_letters,
        "dead_letters_last_hour": status.recent_reasons,
        "last_error": {stage: e._asdict() for stage, e in status.last_errors.items()},
    }


def render(s: Settings, status: Status) -> str:
    lines = [f"broker {s.broker_shown}: reachable", "", *render_topics(status.topics, status.missing), ""]
    g = max([len(st.group) for st in status.stages] + [5])
    i = max([len(st.source) for st in status.stages] + [5])
    lines.append(f"{'stage':<10} {'group':<{g}} {'input':<{i}} {'lag':>8} {'end offset':>11} {'workers':>7}")
    for st in status.stages:
        lines.append(f"{st.stage:<10} {st.group:<{g}} {st.source:<{i}} {st.lag:>8} {st.end:>11} {len(st.workers):>7}")
    for st in status.stages:
        for m in st.workers:
            lines.append(f"  {st.stage} worker: {m.client_id} on {m.host}")
    lines += ["", f"dead letters: {status.dead_letters}"]
    hour = ", ".join(f"{reason} {n}" for reason, n in status.recent_reasons.items()) or "none"
    lines.append(f"  last hour by reason: {hour}")
    for stage, e in status.last_errors.items():
        lines.append(f"  last error in {stage}: {e.at} {e.reason} (item {e.id}): {_one_line(e.error)}")
    return "\n".join(lines)


def _one_line(text: str, width: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."
