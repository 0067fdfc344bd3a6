"""Every topic newsflow reads or writes, derived from the stage declarations.

Stage N reads what stage N-1 wrote: `raw-items` feeds the first stage, the internal topic
`<prefix><stage>` carries a stage's output to the next one, and the last stage writes
`enriched-articles`.
"""
from __future__ import annotations

from typing import NamedTuple

import faust

from newsflow.agents import STAGES
from newsflow.streams.config import Settings


class Hop(NamedTuple):
    stage: str
    source: str
    sink: str
    group: str  # the stage's consumer group: its committed offsets are its progress


def hops(s: Settings) -> list[Hop]:
    chain = [s.topic_raw, *(f"{s.topic_prefix}{spec.name}" for spec in STAGES[:-1]), s.topic_enriched]
    return [Hop(spec.name, chain[i], chain[i + 1], f"{s.app_id}.{spec.name}") for i, spec in enumerate(STAGES)]


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
            n: app.topic(n, key_type=bytes, value_type=bytes, partitions=s.partitions) for n in topic_names(s)
        }
        return cls(by_name, by_name[s.topic_raw], by_name[s.topic_enriched], by_name[s.topic_dead])
