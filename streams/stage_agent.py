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
from newsflow.schemas.codec import encode
from newsflow.streams.config import Settings
from newsflow.streams.metrics import PipelineMetrics

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

    def process(self, envelopes: Sequence[Envelope]) -> list[Outcome]:
        """Synchronous: runs in the stage's thread."""
        if self.reads_raw:
            records = [decode_raw(e, max_bytes=self.settings.max_item_bytes) for e in envelopes]
        else:
            records = [decode_article(e) for e in envelopes]
        outcomes, envs = apply(self.stage, records, envelopes)
        if self.reads_raw:
            stamp_received(outcomes, envs)
        return outcomes

    async def handle(self, events: Sequence[faust.EventT]) -> None:
        name, m = self.stage.name, self.metrics
        envelopes = [
            Envelope(bytes(e.value or b""), e.message.topic, e.message.partition, e.message.offset, e.message.timestamp)
            for e in events
        ]
        m.items_in.labels(name).inc(len(envelopes))
        m.batch_size.labels(name).observe(len(envelopes))
        started = time.perf_counter()
        outcomes = await asyncio.get_running_loop().run_in_executor(self.executor, self.process, envelopes)
        m.stage_seconds.labels(name).observe(time.perf_counter() - started)
        pending = []
        now = time.time()
        for outcome in outcomes:
            m.observe(name, outcome)
            key = (outcome.id or "").encode("utf-8") or None
            if isinstance(outcome, Article):
                pending.append(await self.sink.send(key=key, value=encode(outcome)))
                m.items_out.labels(name).inc()
                if self.final:
                    self._observe_latency(outcome, now)
            else:
                pending.append(await self.dead.send(key=key, value=encode(outcome)))
                m.dead_letters.labels(outcome.stage, outcome.reason).inc()
                log.warning(
                    "dead-lettered", extra={"id": outcome.id, "stage": outcome.stage, "reason": outcome.reason,
                                            "topic": outcome.topic, "partition": outcome.partition,
                                            "offset": outcome.offset},
                )
        await asyncio.gather(*pending)  # delivered before Faust acks the inputs

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
