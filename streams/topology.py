"""The whole flow, top to bottom:

    raw-items -> extract -> language -> segment -> entities -> enriched-articles
                    \\__________\\___________\\__________\\______-> dead-letters

One Faust agent per stage (declared in `newsflow.agents.STAGES`), joined by internal topics,
so each stage scales on its own (`newsflow worker --stages entities` on more machines where
NER is the bottleneck). With the optional `stories` stage on, it follows `entities` and also
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
from newsflow.streams.topics import Topics, flow, hops


def build(
    settings: Settings, stages: Optional[Sequence[str]] = None, registry: Optional[CollectorRegistry] = None,
    built: Optional[Mapping[str, Stage]] = None,
) -> faust.App:
    stages = list(stages or [spec.name for spec in flow(settings)])
    registry = registry or CollectorRegistry()
    app = create_app(settings, registry)
    topics = Topics.declare(app, settings)
    metrics = PipelineMetrics.create(registry, stages)
    built = built if built is not None else build_stages(stages, settings)
    # Models load before the worker joins its consumer group: loading holds the GIL for
    # seconds, and an event loop starved that long misses heartbeats.
    metrics.warm_up(built)
    for hop in hops(settings):
        if hop.stage in built:
            StageAgent(
                built[hop.stage], source=topics.by_name[hop.source], sink=topics.by_name[hop.sink],
                dead=topics.dead, settings=settings, metrics=metrics,
                reads_raw=(hop.source == settings.topic_raw), final=(hop.sink == settings.topic_enriched),
            ).register(app)
    return app
