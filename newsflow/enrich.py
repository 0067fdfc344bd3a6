"""`newsflow enrich`: the stage code in-process, no Kafka. One item in, one line out.

With `jobs` > 1 the models load once in this process and the pool's workers are forked
from it, so they share the loaded models' memory and start at once; batches come back in
input order. A stage that keeps state across items (`StageSpec.ordered`: stories) runs here,
in the parent, on the pool's results in input order.
"""
from __future__ import annotations

import gc
import multiprocessing
import time
from itertools import islice
from typing import BinaryIO, Iterable, Iterator, Optional, Sequence

from newsflow.agents import STAGES, Stage, build_stages, parse_stage_list
from newsflow.agents.pipeline import Envelope, Outcome, run_stages, stamp_received, start_batch
from newsflow.agents.stage import warm_up
from newsflow.inputs import Input
from newsflow.schemas import Article
from newsflow.schemas.codec import encode
from newsflow.streams.config import Settings

# The stages a forked pool worker inherits from the parent (set before the pool starts).
_stages: Sequence[Stage] = ()
_max_bytes = 0
_timeout = 0.0


def _batches(items: Iterable[Input], size: int) -> Iterator[list[Envelope]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        now = time.time()
        # A dead letter points at its input as file name + line number (topic + offset).
        yield [Envelope(i.payload, topic=i.source, offset=i.position, timestamp=now) for i in chunk]


def _start(envelopes: list[Envelope]) -> tuple[list[Outcome], list[Envelope]]:
    return start_batch(_stages, envelopes, max_bytes=_max_bytes, timeout=_timeout)


def run(
    items: Iterable[Input],
    out: BinaryIO,
    dead: BinaryIO,
    *,
    settings: Settings,
    stages: Optional[str] = None,
    batch_size: int = 64,
    jobs: int = 1,
) -> tuple[int, int]:
    """Returns (enriched, dead-lettered); output lines keep input order."""
    global _stages, _max_bytes, _timeout
    built = build_stages(parse_stage_list(stages), settings)
    warm_up(built.values())
    ordered = {spec.name for spec in STAGES if spec.ordered}
    names = list(built)
    first = next((i for i, name in enumerate(names) if name in ordered), len(names))
    _stages, after = [built[n] for n in names[:first]], [built[n] for n in names[first:]]
    _max_bytes, _timeout = settings.max_item_bytes, settings.item_timeout
    batches = _batches(items, batch_size)
    ok = failed = 0
    pool = None
    if jobs > 1:
        gc.freeze()  # the models' objects: a child's full collections would touch, so copy, their pages
        pool = multiprocessing.get_context("fork").Pool(jobs)
    try:
        for records, envs in pool.imap(_start, batches) if pool else map(_start, batches):
            records, envs = run_stages(after, records, envs, timeout=settings.item_timeout)
            stamp_received(records, envs)
            for outcome in records:
                is_article = isinstance(outcome, Article)
                (out if is_article else dead).write(encode(outcome) + b"\n")
                ok += is_article
                failed += not is_article
            out.flush()
    finally:
        if pool:
            pool.terminate()
    return ok, failed
