"""The whole flow, top to bottom:

    raw-items -> extract -> language -> segment -> entities -> enriched-articles
                    \\__________\\___________\\__________\\______-> dead-letters

By default (`fused`) one agent runs the four stateless stages together, as `newsflow enrich`
does: one read, one write and one transaction per batch instead of four (`topics.hops`). With
`NEWSFLOW_FUSED=false` each stage (declared in `newsflow.agents.STAGES`) is an agent of its own,
joined by internal topics, so each stage scales on its own (`newsflow worker --stages entities`
on more machines where NER is the bottleneck). With the optional `stories` stage on, it follows `entities` and also
writes its state's changelog and its events topic (`topics.state_topics`).
"""
from __future__ import annotations

from typing import Mapping, Optional, Sequence

import faust
from prometheus_client import CollectorRegistry

from newsflow.agents import build_stages
from newsflow.agents.stage import Stage
from newsflow.streams.app import create_app
from newsflow.streams.config import Settings
from newsflow.streams.metrics import PipelineMetrics
from newsflow.streams.stage_agent import StageAgent
from newsflow.streams.topics import Topics, flow, hops_to_run


def build(
    settings: Settings, stages: Optional[Sequence[str]] = None, registry: Optional[CollectorRegistry] = None,
    built: Optional[Mapping[str, Stage]] = None,
) -> faust.App:
    stages = list(stages or [spec.name for spec in flow(settings)])
    registry = registry or CollectorRegistry()
    app = create_app(settings, registry)
    topics = Topics.declare(app, settings)
    metrics = PipelineMetrics.create(registry, [h.stage for h in hops_to_run(settings, stages)])
    built = built if built is not None else build_stages(stages, settings)
    # Models load before the worker joins its consumer group: loading holds the GIL for
    # seconds, and an event loop starved that long misses heartbeats.
    metrics.warm_up(built)
    for hop in hops_to_run(settings, stages):
        StageAgent(
            [built[name] for name in hop.stages], name=hop.stage,
            source=topics.by_name[hop.source], sink=topics.by_name[hop.sink], dead=topics.dead,
            settings=settings, metrics=metrics,
            reads_raw=(hop.source == settings.topic_raw), final=(hop.sink == settings.topic_enriched),
        ).register(app)
    return app
