"""Prometheus metrics of the pipeline, declared once on an injected registry."""
from __future__ import annotations

from typing import Iterable, NamedTuple

from prometheus_client import CollectorRegistry, Counter, Histogram

# Stage batches run from sub-millisecond (segment) to seconds (NER on long pages).
_STAGE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_E2E_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)


class PipelineMetrics(NamedTuple):
    items_in: Counter
    items_out: Counter
    dead_letters: Counter
    stage_seconds: Histogram
    batch_size: Histogram
    end_to_end_seconds: Histogram
    fetch_to_enriched_seconds: Histogram

    @classmethod
    def create(cls, registry: CollectorRegistry, stages: Iterable[str]) -> "PipelineMetrics":
        kw = {"namespace": "newsflow", "registry": registry}
        metrics = cls(
            items_in=Counter("stage_items_in", "Records a stage received.", ["stage"], **kw),
            items_out=Counter("stage_items_out", "Records a stage passed on enriched.", ["stage"], **kw),
            dead_letters=Counter(
                "dead_letters", "Records sent to dead-letters, by stage and reason code.", ["stage", "reason"], **kw
            ),
            stage_seconds=Histogram(
                "stage_batch_seconds", "Wall time of one stage call on a batch.", ["stage"],
                buckets=_STAGE_BUCKETS, **kw,
            ),
            batch_size=Histogram(
                "stage_batch_size", "Records per stage call.", ["stage"], buckets=_BATCH_BUCKETS, **kw
            ),
            end_to_end_seconds=Histogram(
                "end_to_end_seconds", "From the broker taking the raw item to its enriched article.",
                buckets=_E2E_BUCKETS, **kw,
            ),
            fetch_to_enriched_seconds=Histogram(
                "fetch_to_enriched_seconds", "From the crawler's fetched_at to the enriched article.",
                buckets=_E2E_BUCKETS, **kw,
            ),
        )
        for stage in stages:  # pre-create label values so dashboards show zeros, not gaps
            for family in (metrics.items_in, metrics.items_out, metrics.stage_seconds, metrics.batch_size):
                family.labels(stage)
        return metrics
