"""A stage's outcomes as Kafka records: topic, key, headers, and a size check before sending.

An output that cannot be written (too large, not encodable, refused by the broker) becomes a
dead letter carrying the bytes the stage received, so every input is still accounted for.
Split stories are keyed by their parent item's id, so they stay in order on one partition.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Optional

import orjson
from aiokafka.record.default_records import DefaultRecordBatchBuilder

from newsflow.agents.pipeline import Envelope, Outcome
from newsflow.agents.stage import dead_letter
from newsflow.schemas import Article, DeadLetter, item_id_of
from newsflow.schemas.codec import encode

Headers = list[tuple[str, bytes]]


@dataclass(slots=True)
class OutRecord:
    topic: str
    key: Optional[bytes]
    value: bytes
    headers: Headers
    outcome: Outcome
    envelope: Envelope  # the input it came from, for the dead letter if the send fails


def content_hash(outcome: Outcome) -> str:
    """Stable across re-processing (unlike the record, whose timings change): with `id` it
    tells a consumer whether a second copy says anything new."""
    if isinstance(outcome, Article):
        basis = outcome.body.encode("utf-8")
    else:
        basis = f"{outcome.stage}\0{outcome.reason}\0{outcome.payload_b64 or outcome.id or ''}".encode("utf-8")
    return hashlib.blake2b(basis, digest_size=16).hexdigest()


def record_size(record: OutRecord) -> int:
    """The size the producer checks against `max_request_size` (aiokafka's own estimate)."""
    return DefaultRecordBatchBuilder.estimate_size_in_bytes(record.key, record.value, record.headers)


def _build(outcome: Outcome, env: Envelope, topic: str) -> OutRecord:
    item_id = outcome.id or ""
    parent = item_id_of(item_id)
    headers = [
        ("newsflow-id", item_id.encode("utf-8")),
        ("parent-id", parent.encode("utf-8")),
        ("schema-version", outcome.schema.encode("utf-8")),
        ("content-hash", content_hash(outcome).encode("ascii")),
    ]
    return OutRecord(topic, parent.encode("utf-8") or None, encode(outcome), headers, outcome, env)


def _where(env: Envelope) -> dict:
    return {"topic": env.topic, "partition": env.partition, "offset": env.offset}


class Outputs:
    """Builds the records of one stage: articles to `sink` up to `limit` bytes, dead letters
    to `dead` up to `dead_limit`."""

    def __init__(self, stage: str, *, sink: str, dead: str, limit: int, dead_limit: int):
        self.stage, self.sink, self.dead = stage, sink, dead
        self.limit, self.dead_limit = limit, dead_limit

    def record(self, outcome: Outcome, env: Envelope) -> OutRecord:
        if isinstance(outcome, DeadLetter):
            return self._dead(outcome, env)
        try:
            rec = _build(outcome, env, self.sink)
        except (orjson.JSONEncodeError, TypeError) as exc:
            return self.failed(outcome.id, env, "output-unencodable", f"cannot encode the output: {exc}")
        size = record_size(rec)
        if size > self.limit:
            return self.failed(
                outcome.id, env, "output-too-large",
                f"the {self.stage} output is {size} bytes; the limit is {self.limit} (max_item_bytes x max_output_ratio)",
            )
        return rec

    def failed(self, item_id: Optional[str], env: Envelope, reason: str, error: str) -> OutRecord:
        """The dead letter of an output that cannot be written, with the bytes the stage received."""
        letter = dead_letter(self.stage, reason, error, item_id=item_id, payload=env.payload, **_where(env))
        return self._dead(letter, env)

    def _dead(self, letter: DeadLetter, env: Envelope) -> OutRecord:
        """A dead letter always fits: the decoded record goes first, then the payload (only a
        raw item over `max_item_bytes` can be that large; it stays readable at its offset for
        the source topic's retention)."""
        rec = _build(letter, env, self.dead)
        for drop in ("record", "payload_b64"):
            size = record_size(rec)
            if size <= self.dead_limit:
                break
            setattr(letter, drop, None)
            letter.error += f" [{drop} left out: the dead letter was {size} bytes, over {self.dead_limit}]"
            rec = _build(letter, env, self.dead)
        return rec
