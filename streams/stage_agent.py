"""The one thin async wrapper every stage agent is made of.

It batches events, runs the synchronous stage in the stage's own worker thread (so the event
loop keeps heart-beating while a model works), sends results on and dead letters aside,
waits for the broker to take them, and only then lets Faust commit the input offsets:
at-least-once, and nothing dropped.
"""
from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Optional, Sequence

import faust

from newsflow.agents.pipeline import Envelope, Outcome, apply, decode_article, decode_raw, stamp_received
from newsflow.agents.stage import Stage
from newsflow.schemas import Article
from newsflow.streams.config import Settings
from newsflow.streams.metrics import PipelineMetrics
from newsflow.streams.outputs import OutRecord, Outputs

log = logging.getLogger("newsflow.agent")


def _seconds_since_iso(stamp: Optional[str], now: float) -> Optional[float]:
    if not stamp:
        return None
    try:
        return now - datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


class StageAgent:
    def __init__(
        self,
        stage: Stage,
        *,
        source: faust.TopicT,
        sink: faust.TopicT,
        dead: faust.TopicT,
        settings: Settings,
        metrics: PipelineMetrics,
        reads_raw: bool,
        final: bool,
    ):
        self.stage, self.source, self.sink, self.dead = stage, source, sink, dead
        self.settings, self.metrics = settings, metrics
        self.reads_raw, self.final = reads_raw, final
        self.executor = ThreadPoolExecutor(1, thread_name_prefix=f"stage-{stage.name}")
        self.topics = {t.get_topic_name(): t for t in (sink, dead)}
        self.outputs = Outputs(stage.name, sink=sink.get_topic_name(), dead=dead.get_topic_name(),
                               limit=settings.max_record_bytes, dead_limit=settings.max_dead_letter_bytes)

    def process(self, envelopes: Sequence[Envelope]) -> tuple[list[Outcome], list[Envelope]]:
        """Synchronous: runs in the stage's thread. Outcomes come paired with their inputs."""
        if self.reads_raw:
            records = [decode_raw(e, max_bytes=self.settings.max_item_bytes) for e in envelopes]
        else:
            records = [decode_article(e) for e in envelopes]
        outcomes, envs = apply(self.stage, records, envelopes)
        if self.reads_raw:
            stamp_received(outcomes, envs)
        return outcomes, envs

    async def handle(self, events: Sequence[faust.EventT]) -> None:
        name, m = self.stage.name, self.metrics
        envelopes = [
            Envelope(bytes(e.value or b""), e.message.topic, e.message.partition, e.message.offset, e.message.timestamp)
            for e in events
        ]
        m.items_in.labels(name).inc(len(envelopes))
        m.batch_size.labels(name).observe(len(envelopes))
        started = time.perf_counter()
        outcomes, envs = await asyncio.get_running_loop().run_in_executor(self.executor, self.process, envelopes)
        m.stage_seconds.labels(name).observe(time.perf_counter() - started)
        records = [self.outputs.record(o, e) for o, e in zip(outcomes, envs)]
        errors = await self._send(records)
        refused = [self.outputs.failed(r.outcome.id, r.envelope, "output-rejected", f"{type(exc).__name__}: {exc}")
                   for r, exc in zip(records, errors) if exc is not None]
        for exc in await self._send(refused):
            if exc is not None:  # not even its dead letter could be written: do not ack the input
                raise exc
        written = [r for r, exc in zip(records, errors) if exc is None] + refused
        self._count(written, time.time())

    async def _send(self, records: Sequence[OutRecord]) -> list[Optional[BaseException]]:
        """Sends every record and waits for every acknowledgement; one failure never stops the others."""
        pending = []
        for r in records:
            pending.append(await self.topics[r.topic].send(key=r.key, value=r.value, headers=r.headers))
        return [None if not isinstance(x, BaseException) else x
                for x in await asyncio.gather(*pending, return_exceptions=True)]

    def _count(self, written: Sequence[OutRecord], now: float) -> None:
        name, m = self.stage.name, self.metrics
        for r in written:
            outcome = r.outcome
            m.observe(name, outcome)
            if isinstance(outcome, Article):
                m.items_out.labels(name).inc()
                if self.final:
                    self._observe_latency(outcome, now)
                continue
            m.dead_letters.labels(outcome.stage, outcome.reason).inc()
            log.warning("dead-lettered", extra={"id": outcome.id, "stage": outcome.stage, "reason": outcome.reason,
                                                "topic": outcome.topic, "partition": outcome.partition,
                                                "offset": outcome.offset})

    def _observe_latency(self, article: Article, now: float) -> None:
        if article.processing.received_at is not None:
            self.metrics.end_to_end_seconds.observe(max(0.0, now - article.processing.received_at))
        since_fetch = _seconds_since_iso(article.fetched_at, now)
        if since_fetch is not None and since_fetch >= 0:
            self.metrics.fetch_to_enriched_seconds.observe(since_fetch)

    def register(self, app: faust.App) -> None:
        async def run(stream: faust.StreamT) -> None:
            async for events in stream.take_events(self.settings.batch_size, within=self.settings.batch_within):
                await self.handle(events)

        run.__name__ = f"newsflow_{self.stage.name}"
        run.__qualname__ = run.__name__
        app.agent(self.source, name=f"newsflow.{self.stage.name}")(run)
