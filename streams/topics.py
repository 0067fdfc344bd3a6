"""Every topic newsflow reads or writes, derived from the stage declarations.

Stage N reads what stage N-1 wrote: `raw-items` feeds the first stage, the internal topic
`<prefix><stage>` carries a stage's output to the next one, and the last stage writes
`enriched-articles`.
"""
from __future__ import annotations

from typing import NamedTuple

import faust

from newsflow.agents import STAGES, StageSpec
from newsflow.streams.config import Settings


class Hop(NamedTuple):
    stage: str
    source: str
    sink: str
    group: str  # the stage's consumer group: its committed offsets are its progress


def flow(s: Settings) -> list[StageSpec]:
    """The stages items go through: every declared stage but the optional ones not switched on
    by NEWSFLOW_OPTIONAL_STAGES (all workers of one app must agree on it)."""
    wanted = {n.strip() for n in s.optional_stages.split(",") if n.strip()}
    unknown = wanted - {spec.name for spec in STAGES if spec.optional}
    if unknown:
        raise ValueError(f"NEWSFLOW_OPTIONAL_STAGES: no optional stage {', '.join(sorted(unknown))}")
    return [spec for spec in STAGES if not spec.optional or spec.name in wanted]


def hops(s: Settings) -> list[Hop]:
    stages = flow(s)
    chain = [s.topic_raw, *(f"{s.topic_prefix}{spec.name}" for spec in stages[:-1]), s.topic_enriched]
    return [Hop(spec.name, chain[i], chain[i + 1], f"{s.app_id}.{spec.name}") for i, spec in enumerate(stages)]


def partitions_of(s: Settings, topic: str) -> int:
    """A stage that keeps state across items (stories) reads one partition: one worker holds
    the whole state and sees the items in one order."""
    ordered = {spec.name for spec in STAGES if spec.ordered}
    if any(h.source == topic and h.stage in ordered for h in hops(s)):
        return 1
    return s.partitions


def topic_names(s: Settings) -> list[str]:
    return [s.topic_raw, *(h.sink for h in hops(s)), s.topic_dead]


class Topics(NamedTuple):
    by_name: dict[str, faust.TopicT]
    raw: faust.TopicT
    enriched: faust.TopicT
    dead: faust.TopicT

    @classmethod
    def declare(cls, app: faust.App, s: Settings) -> "Topics":
        by_name = {
            n: app.topic(n, key_type=bytes, value_type=bytes, partitions=partitions_of(s, n)) for n in topic_names(s)
        }
        return cls(by_name, by_name[s.topic_raw], by_name[s.topic_enriched], by_name[s.topic_dead])
