"""The whole flow, top to bottom:

    raw-items -> extract -> language -> segment -> entities -> enriched-articles
                    \\__________\\___________\\__________\\______-> dead-letters

One Faust agent per stage, joined by internal topics, so each stage scales on its own
(`newsflow worker --stages entities` on more machines where NER is the bottleneck).
"""
from __future__ import annotations

from typing import Optional, Sequence

import faust
from prometheus_client import CollectorRegistry

from agents import STAGE_ORDER, build_stages
from agents.stage import warm_up
from streams.app import create_app
from streams.config import Settings
from streams.metrics import PipelineMetrics
from streams.stage_agent import StageAgent
from streams.topics import Topics


def flow(topics: Topics) -> list[tuple[str, faust.TopicT, faust.TopicT]]:
    return [
        ("extract", topics.raw, topics.extracted),
        ("language", topics.extracted, topics.languaged),
        ("segment", topics.languaged, topics.segmented),
        ("entities", topics.segmented, topics.enriched),
    ]


def build(
    settings: Settings, stages: Optional[Sequence[str]] = None, registry: Optional[CollectorRegistry] = None
) -> faust.App:
    stages = list(stages or STAGE_ORDER)
    registry = registry or CollectorRegistry()
    app = create_app(settings, registry)
    topics = Topics.declare(app, settings)
    metrics = PipelineMetrics.create(registry, stages)
    built = build_stages(
        stages, ner_model=settings.ner_model or None, ner_models=settings.ner_models, tokens=settings.tokens
    )
    # Models load before the worker joins its consumer group: loading holds the GIL for
    # seconds, and an event loop starved that long misses heartbeats.
    warm_up(built.values())
    agents = [
        StageAgent(
            built[name], source=source, sink=sink, dead=topics.dead, settings=settings, metrics=metrics,
            reads_raw=(source is topics.raw), final=(sink is topics.enriched),
        )
        for name, source, sink in flow(topics)
        if name in built
    ]
    for agent in agents:
        agent.register(app)
    return app
