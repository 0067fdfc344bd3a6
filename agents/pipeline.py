"""Bytes in, Articles or DeadLetters out: the one code path behind agents and `enrich`.

Every input yields a DeadLetter that says why, or one Article (several when the item held
several stories, ids `<item id>#k`), so every item is accounted for: in = items out + dead.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence, Union

import msgspec
import orjson

from newsflow.agents.ingest import DEFAULT_MAX_ITEM_BYTES, parse_raw, peek_id, to_article
from newsflow.agents.stage import DEFAULT_ITEM_TIMEOUT, Failure, Stage, StageError, dead_letter, run_stage
from newsflow.schemas import Article, DeadLetter, RawItem
from newsflow.schemas.codec import decode

Outcome = Union[Article, DeadLetter]


@dataclass(slots=True)
class Envelope:
    """A payload and where it came from, so a dead letter can point back at it."""

    payload: bytes
    topic: Optional[str] = None
    partition: Optional[int] = None
    offset: Optional[int] = None
    timestamp: Optional[float] = None  # unix seconds the broker (or reader) received it


def _where(env: Envelope) -> dict[str, Any]:
    return {"topic": env.topic, "partition": env.partition, "offset": env.offset}


def decode_raw(env: Envelope, *, max_bytes: int = DEFAULT_MAX_ITEM_BYTES) -> Union[RawItem, DeadLetter]:
    try:
        return parse_raw(env.payload, max_bytes=max_bytes)
    except StageError as exc:
        return dead_letter(
            "ingest", exc.reason, exc.message, item_id=peek_id(env.payload), payload=env.payload, **_where(env)
        )


def decode_article(env: Envelope) -> Union[Article, DeadLetter]:
    """Records between stages are our own; a bad one means a bug or a foreign producer."""
    try:
        return decode(env.payload, Article)
    except (orjson.JSONDecodeError, msgspec.ValidationError) as exc:
        return dead_letter(
            "decode", "invalid-internal-record", str(exc), item_id=peek_id(env.payload), payload=env.payload,
            **_where(env),
        )


def apply(
    stage: Stage, records: Sequence[Any], envelopes: Sequence[Envelope], *, timeout: float = DEFAULT_ITEM_TIMEOUT
) -> tuple[list[Outcome], list[Envelope]]:
    """Runs `stage` on the live records of a batch, each within `timeout` seconds; dead letters
    pass through untouched. An item the stage splits in several comes back as several
    outcomes in its place, each paired with the item's envelope, so the two lists stay aligned."""
    live = [i for i, r in enumerate(records) if not isinstance(r, DeadLetter)]
    results = dict(zip(live, run_stage(stage, [records[i] for i in live], timeout=timeout)))
    out: list[Outcome] = []
    envs: list[Envelope] = []
    for i, (record, env) in enumerate(zip(records, envelopes)):
        result = results.get(i, record)
        if isinstance(result, Failure):  # with the bytes read, so `replay` can send them again after a fix
            result = dead_letter(
                stage.name, result.reason, result.error, item_id=getattr(record, "id", None),
                payload=env.payload, record=result.record, **_where(env),
            )
        pieces = result if isinstance(result, list) else [result]
        out.extend(pieces)
        envs.extend([env] * len(pieces))
    return out, envs


def _text_only(item: RawItem) -> Article:
    if item.text is None:
        raise StageError("needs-extract", "item has only `html` and the extract stage is not selected")
    return to_article(item)


# Stands in for `extract` when it is not selected: the body is the normalised input text.
NO_EXTRACT = Stage("normalise", _text_only)


def stamp_received(outcomes: Sequence[Outcome], envelopes: Sequence[Envelope]) -> None:
    """The pipeline clock starts when the broker took the raw item, not when we got to it."""
    for outcome, env in zip(outcomes, envelopes):
        if isinstance(outcome, Article) and env.timestamp is not None:
            outcome.processing.received_at = env.timestamp


def run_stages(
    stages: Sequence[Stage], records: list[Any], envs: list[Envelope], *, timeout: float = DEFAULT_ITEM_TIMEOUT
) -> tuple[list[Outcome], list[Envelope]]:
    for stage in stages:
        records, envs = apply(stage, records, envs, timeout=timeout)
    return records, envs


def start_batch(
    stages: Sequence[Stage], envelopes: Sequence[Envelope], *, max_bytes: int = DEFAULT_MAX_ITEM_BYTES,
    timeout: float = DEFAULT_ITEM_TIMEOUT,
) -> tuple[list[Outcome], list[Envelope]]:
    """Raw payloads through `stages` (extract, or the body as given, first); outputs in input
    order, each beside the envelope of the item it came from. `timeout`: seconds per item and stage."""
    records: list[Any] = [decode_raw(e, max_bytes=max_bytes) for e in envelopes]
    if not stages or stages[0].name != "extract":
        stages = [NO_EXTRACT, *stages]
    return run_stages(stages, records, list(envelopes), timeout=timeout)


def enrich_batch(
    stages: Sequence[Stage], envelopes: Sequence[Envelope], *, max_bytes: int = DEFAULT_MAX_ITEM_BYTES,
    timeout: float = DEFAULT_ITEM_TIMEOUT,
) -> list[Outcome]:
    """All selected stages in-process (offline CLI, benchmarks); outputs in input order."""
    records, envs = start_batch(stages, envelopes, max_bytes=max_bytes, timeout=timeout)
    stamp_received(records, envs)
    return records
