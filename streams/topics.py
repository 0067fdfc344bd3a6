"""Every topic newsflow reads or writes, derived from the stage declarations.

Stage N reads what stage N-1 wrote: `raw-items` feeds the first stage, the internal topic
`<prefix><stage>` carries a stage's output to the next one, and the last stage writes
`enriched-articles`. A stage that keeps state (stories) also writes its changelog and its
events topic.
"""
from __future__ import annotations

from typing import NamedTuple, Optional, Sequence

import faust

from newsflow.agents import STAGES, StageSpec
from newsflow.streams.config import Settings


class Hop(NamedTuple):
    stage: str  # the agent's name: one stage's, or FUSED for the stages it runs together
    source: str
    sink: str
    group: str  # the agent's consumer group: its committed offsets are its progress
    stages: tuple[str, ...]  # what the agent runs, in order


FUSED = "enrich"  # the one agent that runs the stateless stages together (`fused`), as `newsflow enrich` does


def flow(s: Settings) -> list[StageSpec]:
    """The stages items go through: every declared stage but the optional ones not switched on
    by NEWSFLOW_OPTIONAL_STAGES (all workers of one app must agree on it)."""
    wanted = {n.strip() for n in s.optional_stages.split(",") if n.strip()}
    unknown = wanted - {spec.name for spec in STAGES if spec.optional}
    if unknown:
        raise ValueError(f"NEWSFLOW_OPTIONAL_STAGES: no optional stage {', '.join(sorted(unknown))}")
    return [spec for spec in STAGES if not spec.optional or spec.name in wanted]


def _runs(s: Settings) -> list[list[StageSpec]]:
    """The stages each agent runs: one each, or with `fused` the stateless ones in a row
    together (a stage that keeps state reads a partition of its own)."""
    runs: list[list[StageSpec]] = []
    for spec in flow(s):
        if s.fused and runs and not spec.ordered and not runs[-1][-1].ordered:
            runs[-1].append(spec)
        else:
            runs.append([spec])
    return runs


def hops(s: Settings) -> list[Hop]:
    """The agents' inputs and outputs. Between two agents, the topic is named after the last
    stage of the first (`<prefix>entities` feeds `stories`, fused or not)."""
    runs = _runs(s)
    chain = [s.topic_raw, *(f"{s.topic_prefix}{run[-1].name}" for run in runs[:-1]), s.topic_enriched]
    names = [run[0].name if len(run) == 1 else FUSED for run in runs]
    return [Hop(name, chain[i], chain[i + 1], f"{s.app_id}.{name}", tuple(spec.name for spec in run))
            for i, (name, run) in enumerate(zip(names, runs))]


def hops_to_run(s: Settings, stages: Sequence[str]) -> list[Hop]:
    """The agents a worker runs for its selected stages (`--stages`). A selection must take a
    fused agent whole: its stages share one transaction per batch."""
    chosen = set(stages)
    out = []
    for hop in hops(s):
        taken = chosen.intersection(hop.stages)
        if taken and len(taken) < len(hop.stages):
            raise ValueError(f"--stages {','.join(sorted(taken))}: with NEWSFLOW_FUSED on, "
                             f"{', '.join(hop.stages)} run together; select them all, or set "
                             "NEWSFLOW_FUSED=false to run one stage alone")
        if taken:
            out.append(hop)
    return out


class StateTopics(NamedTuple):
    changelog: str  # compacted: the stage's state as key -> value entries
    events: Optional[str]  # what the stage tells consumers, if it tells them anything


def state_topics(s: Settings, stage: str) -> Optional[StateTopics]:
    """The topics of a stage that keeps state across items (an `ordered` one), else None. Its
    changelog is named after the internal topics (`<prefix><stage>-changelog`), its events
    topic is a setting of its own."""
    if not any(spec.name == stage and spec.ordered for spec in STAGES):
        return None
    events = getattr(s, _EVENTS[stage]) if stage in _EVENTS else None
    return StateTopics(f"{s.topic_prefix}{stage}-changelog", events)


_EVENTS = {"stories": "topic_stories"}  # stage -> the setting that names its events topic


def _stateful(s: Settings) -> list[tuple[Hop, StateTopics]]:
    return [(h, t) for h in hops(s) if (t := state_topics(s, h.stage)) is not None]


def partitions_of(s: Settings, topic: str) -> int:
    """A stage that keeps state across items (stories) reads one partition: one worker holds
    the whole state and sees the items in one order; its changelog has as many partitions
    (the state of input partition i is in changelog partition i)."""
    if any(topic in (h.source, t.changelog) for h, t in _stateful(s)):
        return 1
    return s.partitions


def topic_names(s: Settings) -> list[str]:
    state = [n for _, t in _stateful(s) for n in t if n is not None]
    return [s.topic_raw, *(h.sink for h in hops(s)), *state, s.topic_dead]


def topic_config(s: Settings, topic: str) -> dict[str, str]:
    """`Settings.topic_config`, and compaction for changelogs: they keep each key's last value
    for as long as the state holds it (an expired entry's tombstone removes it)."""
    config = s.topic_config(topic)
    if any(topic == t.changelog for _, t in _stateful(s)):
        config.update({"cleanup.policy": "compact", "retention.ms": "-1"})
    return config


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
