"""Prometheus metrics of a worker, declared once on an injected registry: the pipeline's
(`PipelineMetrics`, recorded by the stage agents) and the process's (`register_process_metrics`)."""
from __future__ import annotations

import importlib.metadata
import json
import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping, NamedTuple, Optional

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector

from newsflow.agents.language import hint_agrees
from newsflow.agents.stage import warm_up
from newsflow.schemas import ARTICLE_SCHEMA, PIPELINE_VERSION, Article, DeadLetter

if TYPE_CHECKING:
    from newsflow.agents.stage import Stage
    from newsflow.streams.config import Settings

# Stage batches run from sub-millisecond (segment) to seconds (NER on long pages).
_STAGE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_E2E_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
_RATIO_BUCKETS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.99, 1.0)
_ENTITY_BUCKETS = (0, 1, 2, 5, 10, 20, 50, 100, 200, 500)
# A healthy loop wakes within a millisecond; a model holding the GIL shows as seconds.
_LOOP_LAG_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
# Dead-letter reasons that mean "the page had no article in it": watched per source.
_EMPTY_REASONS = frozenset({"empty-extraction", "empty-body"})
# Crawler sources are open-ended: this many keep a label of their own, the rest count as `other`.
TOP_SOURCES = 20
OTHER = "other"


class TopLabels:
    """Label values for an open-ended set (crawler sources) with bounded cardinality: the first
    `n` values seen are named, and later a value that outgrows the least frequent named one is
    named too, up to `2 n`; everything else is `other`. A named value keeps its label, so its
    counter never moves between series."""

    def __init__(self, n: int = TOP_SOURCES, tracked: int = 10_000):
        self.n, self.tracked = n, tracked
        self.counts: dict[str, int] = {}
        self.named: set[str] = set()

    def __call__(self, value: str) -> str:
        if value in self.counts or len(self.counts) < self.tracked:
            self.counts[value] = self.counts.get(value, 0) + 1
        if value in self.named:
            return value
        if len(self.named) < self.n or (
            len(self.named) < 2 * self.n
            and self.counts.get(value, 0) > min(self.counts[v] for v in self.named)
        ):
            self.named.add(value)
            return value
        return OTHER


class PipelineMetrics(NamedTuple):
    items_in: Counter
    items_out: Counter
    dead_letters: Counter
    stage_seconds: Histogram
    busy_seconds: Counter
    batch_size: Histogram
    in_flight: Gauge
    send_errors: Counter
    agent_crashes: Counter
    consumer_lag: Gauge
    model_load_seconds: Gauge
    end_to_end_seconds: Histogram
    fetch_to_enriched_seconds: Histogram
    kept_ratio: Histogram
    empty_extractions: Counter
    language_hints: Counter
    articles_by_language: Counter
    articles_by_source: Counter
    entities_per_article: Histogram
    sources: TopLabels

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
            busy_seconds=Counter(
                "stage_busy_seconds", "Seconds a stage agent spent on batches (processing and writing); "
                "its rate is the busy ratio.", ["stage"], **kw,
            ),
            batch_size=Histogram(
                "stage_batch_size", "Records per stage call.", ["stage"], buckets=_BATCH_BUCKETS, **kw
            ),
            in_flight=Gauge("stage_in_flight_items", "Records read and not yet written.", ["stage"], **kw),
            send_errors=Counter(
                "send_errors", "Failed sends and transactions, by stage and error type (each is retried).",
                ["stage", "error"], **kw,
            ),
            agent_crashes=Counter(
                "agent_crashes", "Stage agents that stopped on an unexpected error.", ["stage"], **kw
            ),
            consumer_lag=Gauge(
                "consumer_lag", "Records in a stage's input partition this worker has not read yet.",
                ["stage", "topic", "partition"], **kw,
            ),
            model_load_seconds=Gauge(
                "model_load_seconds", "Seconds a stage took to load its models at start-up.", ["stage"], **kw
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
                "extract_empty", f"Items with no article text in them, by source (top {TOP_SOURCES}, "
                f"then '{OTHER}').", ["source"], **kw
            ),
            language_hints=Counter(
                "language_hint", "Items with a crawler lang_hint, by whether detection agreed with it.",
                ["outcome"], **kw,
            ),
            articles_by_language=Counter(
                "articles_by_language", "Enriched articles written, by detected language.", ["language"], **kw
            ),
            articles_by_source=Counter(
                "articles_by_source", f"Enriched articles written, by crawler source (top {TOP_SOURCES}, "
                f"then '{OTHER}').", ["source"], **kw,
            ),
            entities_per_article=Histogram(
                "article_entities", "Entities found per enriched article.", buckets=_ENTITY_BUCKETS, **kw
            ),
            sources=TopLabels(),
        )
        for outcome in ("agree", "disagree"):
            metrics.language_hints.labels(outcome)
        for stage in stages:  # pre-create label values so dashboards show zeros, not gaps
            for family in (metrics.items_in, metrics.items_out, metrics.stage_seconds, metrics.busy_seconds,
                           metrics.batch_size, metrics.in_flight, metrics.agent_crashes):
                family.labels(stage)
        return metrics

    def warm_up(self, stages: Mapping[str, "Stage"]) -> None:
        """Loads every stage's models now (a broken install fails before any input is read),
        timing each: a slow start shows which model to blame."""
        for name, seconds in warm_up(stages.values()).items():
            if name in stages:
                self.model_load_seconds.labels(name).set(seconds)

    def observe(self, stage: str, outcome: "Article | DeadLetter", final: bool) -> None:
        """Stage-specific health signals, beyond the counts every stage has; `final`: the
        outcome is an article leaving the pipeline."""
        if stage == "extract":
            self._observe_extraction(outcome)
        elif stage == "language" and isinstance(outcome, Article):
            agrees = hint_agrees(outcome.lang_hint, outcome.language)
            if agrees is not None:
                self.language_hints.labels("agree" if agrees else "disagree").inc()
        if final and isinstance(outcome, Article):
            self.articles_by_language.labels(outcome.language.code if outcome.language else "und").inc()
            self.articles_by_source.labels(self.sources(outcome.source or "unknown")).inc()
            self.entities_per_article.observe(len(outcome.entities))

    def _observe_extraction(self, outcome: "Article | DeadLetter") -> None:
        """Extraction going wrong shows as a falling kept ratio or empty items per source."""
        if isinstance(outcome, Article) and outcome.processing.extract is not None:
            info = outcome.processing.extract
            self.kept_ratio.labels(info.method).observe(info.kept_ratio)
        elif isinstance(outcome, DeadLetter) and outcome.reason in _EMPTY_REASONS:
            source = (outcome.record or {}).get("source") or "unknown"
            self.empty_extractions.labels(self.sources(str(source))).inc()


def model_versions(settings: Optional["Settings"]) -> str:
    """The NER models the entities stage loads, `lang=name-version` comma-separated, read from
    their metadata without loading them."""
    from newsflow.agents.entities.ner_models import model_path, parse_ner_models

    models = {"en": model_path(settings.ner_model if settings else None),
              **parse_ner_models(settings.ner_models if settings else None)}
    return ",".join(f"{lang}={_model_version(name)}" for lang, name in sorted(models.items()))


def _model_version(name: str) -> str:
    meta = Path(name, "meta.json")
    if meta.is_file():
        info = json.loads(meta.read_text())
        return f"{info.get('name', Path(name).name)}-{info.get('version', 'unknown')}"
    try:
        return f"{name}-{importlib.metadata.version(name)}"
    except importlib.metadata.PackageNotFoundError:
        return f"{name}-missing"


def register_process_metrics(registry: CollectorRegistry, settings: Optional["Settings"]) -> Histogram:
    """Memory, file descriptors, CPU and start time (ProcessCollector: `process_*`), what is
    running (`newsflow_build_info`); returns the event-loop lag histogram the app feeds."""
    ProcessCollector(registry=registry)
    build = Gauge("build_info", "Always 1; the labels say what runs.", ["version", "schema_version", "models"],
                  namespace="newsflow", registry=registry)
    build.labels(PIPELINE_VERSION, ARTICLE_SCHEMA, model_versions(settings)).set(1)
    return Histogram("event_loop_lag_seconds", "How late the event loop ran a task scheduled to wake up "
                     "(heartbeats and /metrics wait this long).", buckets=_LOOP_LAG_BUCKETS,
                     namespace="newsflow", registry=registry)


class RepeatedErrors(logging.Filter):
    """Counts every warning and error (`newsflow_errors_total{stage,error}`) and lets one of
    each kind through per `interval`, carrying how many were held back: a broker outage makes
    the Kafka clients repeat the same line many times a second. A kind is the logger and
    message template; `stage` and `error_type` come from the record's extras when it has them,
    else the logger's name."""

    def __init__(self, registry: CollectorRegistry, interval: float, clock=time.monotonic):
        super().__init__()
        self.interval, self.clock = interval, clock
        self.errors = Counter("errors", "Warnings and errors logged, by stage and error (repeats included).",
                              ["stage", "error"], namespace="newsflow", registry=registry)
        self.lock = threading.Lock()  # stage threads log too
        self.seen: dict[tuple, list] = {}  # kind -> [last shown at, held back since]

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        error = getattr(record, "error_type", None) or record.name
        self.errors.labels(getattr(record, "stage", None) or "worker", error).inc()
        kind = (record.name, record.levelno, str(record.msg))
        now = self.clock()
        with self.lock:
            last = self.seen.get(kind)
            if last is not None and now - last[0] < self.interval:
                last[1] += 1
                return False
            if last is not None and last[1]:
                record.repeated = last[1]  # held back since this kind was last shown
            self.seen[kind] = [now, 0]
        return True
