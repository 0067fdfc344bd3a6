"""What every stage shares: the error type, the batch runner and dead-letter building.

Stages are synchronous `Article -> Article` callables with no Kafka in them. The same
`run_stage` backs the Faust agents (in a worker thread) and the offline `newsflow enrich`,
so an item fails or succeeds identically in both.

Synchronous code cannot be stopped from outside, so the per-item time limit is cooperative:
`run_stage` sets a deadline for the item (for a `batch` call, the limit times its size, capped), stage code
calls `check_deadline()` between units of work it keeps small (a capped NER chunk, a parse
step), and a result that comes back late is dead-lettered too (`timeout`).
"""
from __future__ import annotations

import base64
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Optional, Protocol, Sequence, Union

from newsflow.schemas import Article, DeadLetter
from newsflow.schemas.codec import to_dict

log = logging.getLogger("newsflow.stage")

DEFAULT_ITEM_TIMEOUT = 10.0  # seconds one item may spend in one stage (the `item_timeout` setting)
# A batch call may take the per-item limit times its size, but never more than this: the four
# fused stages of one batch must stay well inside the consumer's poll interval (300 s).
BATCH_LIMIT_CAP = 60.0


def batch_limit(timeout: float, size: int) -> float:
    """Seconds a batch call of `size` items gets: a batch of ordinary items on a loaded machine
    may take longer than one item's limit, and a batch that overruns is run again item by item
    (each item its own limit), so a late batch costs its work twice."""
    return max(timeout, min(timeout * size, BATCH_LIMIT_CAP))


class StageError(Exception):
    """Bad input: the item goes to `dead-letters` with this reason code; the worker goes on."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(slots=True)
class Failure:
    reason: str
    error: str
    record: Any = None  # the stage's input (a RawItem for extract, else an Article)


# A stage returns one Article, or several when it splits an item (e.g. stories run together).
Result = Union[Article, list[Article], Failure]
BatchFn = Callable[[list[Any]], list[Article]]


Entry = tuple[bytes, Optional[bytes]]  # a changelog entry: key, value (None: a tombstone)


@dataclass(slots=True)
class Drained:
    """What a stateful stage's batch changed: its changelog entries and its events for
    consumers, in the order they happened."""

    changelog: list[Entry]
    events: list[tuple[bytes, bytes]]

    def __bool__(self) -> bool:
        return bool(self.changelog or self.events)


class StageState(Protocol):
    """State a stage keeps across items, kept the way a Faust table keeps it: as a compacted
    changelog of key -> value entries. The worker writes a batch's entries in the transaction
    of its outputs and offsets, so the changelog always says what the committed batches did;
    offline (`enrich`) nobody restores or drains, and nothing is recorded."""

    def restore(self, entries: Iterable[Entry]) -> None:
        """Replaces the state by the changelog's (entries in log order, later ones winning)
        and records every change from then on, for `drain`."""

    def drain(self) -> Drained:
        """The entries and events recorded since the last call; they are forgotten here."""

    def forget(self) -> None:
        """Throws the state away: another worker may have moved it on, so only a `restore`
        may bring it back."""


@dataclass(frozen=True)
class Stage:
    """A named step from its input record to an enriched Article. `batch`, when given,
    processes many records in one call (e.g. nlp.pipe)
    and must return them in order; a batch that raises is retried item by item so one bad
    item cannot sink its neighbours. `state`, when given, is what the stage keeps across
    items (its input is then one partition, read in order by one worker)."""

    name: str
    process: Callable[[Any], Article]
    batch: Optional[BatchFn] = None
    warm_up: Optional[Callable[[], None]] = None
    state: Optional[StageState] = None

    def __call__(self, record: Any) -> Article:
        return self.process(record)


_load_seconds: dict[str, float] = {}  # each stage's first warm-up, here or in the parent this process forked from


def warm_up(stages: Iterable[Stage]) -> dict[str, float]:
    """Loads every stage's models now, so a broken install fails before any input is read
    (and, in a worker, before it joins its consumer group). Returns the seconds each stage's
    first load took: a forked process reports its parent's, not its own instant re-check."""
    for stage in stages:
        started = time.perf_counter()
        if stage.warm_up is not None:
            stage.warm_up()
        _load_seconds.setdefault(stage.name, time.perf_counter() - started)
    return dict(_load_seconds)


_clock = threading.local()  # the deadline of the item (or batch) this thread is running


def check_deadline() -> None:
    """Raises StageError `timeout` once the running item is past its limit; stage code calls it
    between units of work, each bounded well under a second."""
    deadline = getattr(_clock, "deadline", None)
    if deadline is not None and time.perf_counter() > deadline[0]:
        raise StageError("timeout", f"over the per-item limit of {deadline[1]:g} s")


def _timed(fn: Callable[[Any], Any], arg: Any, timeout: float) -> Any:
    """`fn(arg)` under a deadline; a result that comes back past it is a `timeout` too."""
    _clock.deadline = (time.perf_counter() + timeout, timeout)
    try:
        result = fn(arg)
        check_deadline()
        return result
    finally:
        _clock.deadline = None


def _one(stage: Stage, record: Any, timeout: float) -> Result:
    try:
        return _timed(stage.process, record, timeout)
    except StageError as exc:
        return Failure(exc.reason, exc.message, record)
    except Exception as exc:  # a bug or a hostile input we did not foresee: never lose the item
        log.exception("stage %s crashed on item id=%s", stage.name, getattr(record, "id", None))
        return Failure("internal-error", f"{type(exc).__name__}: {exc}", record)


def _notes_held(records: Sequence[Any]) -> list[Optional[int]]:
    return [len(r.processing.notes) if isinstance(r, Article) else None for r in records]


def _take_back_notes(records: Sequence[Any], held: list[Optional[int]]) -> None:
    """Drops the notes a failed batch wrote, so the item-by-item run writes each once. Notes are
    the one thing stages append to; the rest of a stage's output is set anew on every run."""
    for r, n in zip(records, held):
        if n is not None:
            del r.processing.notes[n:]


def run_stage(stage: Stage, articles: Sequence[Any], *, timeout: float = DEFAULT_ITEM_TIMEOUT) -> list[Result]:
    """Apply a stage to a batch, in order, recording per-item milliseconds on each article.
    Each item gets `timeout` seconds; a batch call gets `batch_limit` in all, and one that fails
    (a late batch included) is run again item by item, so only the slow item is dead-lettered."""
    if not articles:
        return []
    started = time.perf_counter()
    results: list[Result]
    if stage.batch is not None:
        notes = _notes_held(articles)
        try:
            results = list(_timed(stage.batch, list(articles), batch_limit(timeout, len(articles))))
        except Exception:
            log.warning("stage %s batch of %d failed; retrying item by item", stage.name, len(articles))
            _take_back_notes(articles, notes)
            results = [_one(stage, a, timeout) for a in articles]
    else:
        results = [_one(stage, a, timeout) for a in articles]
    per_item_ms = round((time.perf_counter() - started) * 1000.0 / len(articles), 3)
    for r in results:
        for article in r if isinstance(r, list) else [r]:
            if isinstance(article, Article):
                article.processing.stage_ms[stage.name] = per_item_ms
    return results


def utc_now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def dead_letter(
    stage: str,
    reason: str,
    error: str,
    *,
    item_id: Optional[str] = None,
    payload: Optional[bytes] = None,
    record: Any = None,
    topic: Optional[str] = None,
    partition: Optional[int] = None,
    offset: Optional[int] = None,
) -> DeadLetter:
    return DeadLetter(
        stage=stage,
        reason=reason,
        error=error,
        id=item_id,
        payload_b64=base64.b64encode(payload).decode("ascii") if payload is not None else None,
        record=to_dict(record) if record is not None else None,
        topic=topic,
        partition=partition,
        offset=offset,
        failed_at=utc_now_iso(),
    )
