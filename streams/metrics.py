"""Prometheus metrics of the pipeline, declared once on an injected registry."""
from __future__ import annotations

from typing import Iterable, NamedTuple

from prometheus_client import CollectorRegistry, Counter, Histogram

from newsflow.agents.language import hint_agrees
from newsflow.schemas import Article, DeadLetter

# Stage batches run from sub-millisecond (segment) to seconds (NER on long pages).
_STAGE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_E2E_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
_RATIO_BUCKETS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.99, 1.0)
# Dead-letter reasons that mean "the page had no article in it": watched per source.
_EMPTY_REASONS = frozenset({"empty-extraction", "empty-body"})


class PipelineMetrics(NamedTuple):
    items_in: Counter
    items_out: Counter
    dead_letters: Counter
    stage_seconds: Histogram
    batch_size: Histogram
    end_to_end_seconds: Histogram
    fetch_to_enriched_seconds: Histogram
    kept_ratio: Histogram
    empty_extractions: Counter
    language_hints: Counter

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
            kept_ratio=Histogram(
                "extract_kept_ratio", "Share of input characters kept in the body, by extraction method.",
                ["method"], buckets=_RATIO_BUCKETS, **kw,
            ),
            empty_extractions=Counter(
                "extract_empty", "Items with no article text in them, by source.", ["source"], **kw
            ),
            language_hints=Counter(
                "language_hint", "Items with a crawler lang_hint, by whether detection agreed with it.",
                ["outcome"], **kw,
            ),
        )
        for outcome in ("agree", "disagree"):
            metrics.language_hints.labels(outcome)
        for stage in stages:  # pre-create label values so dashboards show zeros, not gaps
            for family in (metrics.items_in, metrics.items_out, metrics.stage_seconds, metrics.batch_size):
                family.labels(stage)
        return metrics

    def observe(self, stage: str, outcome: "Article | DeadLetter") -> None:
        """Stage-specific health signals, beyond the counts every stage has."""
        if stage == "extract":
            self._observe_extraction(outcome)
        elif stage == "language" and isinstance(outcome, Article):
            agrees = hint_agrees(outcome.lang_hint, outcome.language)
            if agrees is not None:
                self.language_hints.labels("agree" if agrees else "disagree").inc()

    def _observe_extraction(self, outcome: "Article | DeadLetter") -> None:
        """Extraction going wrong shows as a falling kept ratio or empty items per source."""
        if isinstance(outcome, Article) and outcome.processing.extract is not None:
            info = outcome.processing.extract
            self.kept_ratio.labels(info.method).observe(info.kept_ratio)
        elif isinstance(outcome, DeadLetter) and outcome.reason in _EMPTY_REASONS:
            source = (outcome.record or {}).get("source") or "unknown"
            self.empty_extractions.labels(str(source)).inc()
