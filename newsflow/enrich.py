"""`newsflow enrich`: the stage code in-process, no Kafka. One line in, one line out."""
from __future__ import annotations

import sys
import time
from itertools import islice
from typing import BinaryIO, Iterable, Iterator, Optional

from agents import build_stages, parse_stage_list
from agents.pipeline import Envelope, enrich_batch
from agents.stage import warm_up
from schemas import Article
from schemas.codec import encode


def _lines(stream: BinaryIO) -> Iterator[tuple[int, bytes]]:
    for number, line in enumerate(stream, start=1):
        line = line.rstrip(b"\r\n")
        if line.strip():
            yield number, line


def _batches(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def run(
    source: BinaryIO,
    out: BinaryIO,
    dead: BinaryIO,
    *,
    stages: Optional[str] = None,
    batch_size: int = 64,
    ner_model: Optional[str] = None,
    ner_models: Optional[str] = None,
    tokens: bool = True,
    max_item_bytes: int = 8 * 1024 * 1024,
) -> tuple[int, int]:
    """Returns (enriched, dead-lettered); output lines keep input order."""
    built = build_stages(parse_stage_list(stages), ner_model=ner_model, ner_models=ner_models, tokens=tokens)
    warm_up(built.values())
    ok = failed = 0
    name = "-" if source is sys.stdin.buffer else str(getattr(source, "name", "-"))
    for chunk in _batches(_lines(source), batch_size):
        now = time.time()
        # A dead letter points at its input as file name + line number (topic + offset).
        envelopes = [Envelope(payload, topic=name, offset=number, timestamp=now) for number, payload in chunk]
        for outcome in enrich_batch(list(built.values()), envelopes, max_bytes=max_item_bytes):
            if isinstance(outcome, Article):
                out.write(encode(outcome) + b"\n")
                ok += 1
            else:
                dead.write(encode(outcome) + b"\n")
                failed += 1
        out.flush()
    return ok, failed
