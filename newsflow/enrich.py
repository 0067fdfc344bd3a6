"""`newsflow enrich`: the stage code in-process, no Kafka. One item in, one line out."""
from __future__ import annotations

import time
from itertools import islice
from typing import BinaryIO, Iterable, Iterator, Optional

from newsflow.agents import build_stages, parse_stage_list
from newsflow.agents.pipeline import Envelope, enrich_batch
from newsflow.agents.stage import warm_up
from newsflow.inputs import Input
from newsflow.schemas import Article
from newsflow.schemas.codec import encode
from newsflow.streams.config import Settings


def _batches(items: Iterable[Input], size: int) -> Iterator[list[Input]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def run(
    items: Iterable[Input],
    out: BinaryIO,
    dead: BinaryIO,
    *,
    settings: Settings,
    stages: Optional[str] = None,
    batch_size: int = 64,
) -> tuple[int, int]:
    """Returns (enriched, dead-lettered); output lines keep input order."""
    built = build_stages(parse_stage_list(stages), settings)
    warm_up(built.values())
    ok = failed = 0
    for chunk in _batches(items, batch_size):
        now = time.time()
        # A dead letter points at its input as file name + line number (topic + offset).
        envelopes = [Envelope(i.payload, topic=i.source, offset=i.position, timestamp=now) for i in chunk]
        for outcome in enrich_batch(list(built.values()), envelopes, max_bytes=settings.max_item_bytes):
            if isinstance(outcome, Article):
                out.write(encode(outcome) + b"\n")
                ok += 1
            else:
                dead.write(encode(outcome) + b"\n")
                failed += 1
        out.flush()
    return ok, failed
