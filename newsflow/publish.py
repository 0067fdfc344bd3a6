"""`newsflow publish`: raw items from files (`newsflow.inputs`) to `raw-items`.

Each item's size is checked before it is sent, so an item over the limit is named and
skipped instead of failing on the broker and taking the items behind it on the same
partition down with it (an idempotent producer's batches fail in sequence).
"""
from __future__ import annotations

import hashlib
import sys
from typing import Optional

from tqdm import tqdm

from newsflow.agents.ingest import peek_id
from newsflow.schemas.models import RAW_ITEM_SCHEMA
from newsflow.streams.admin import connect, ensure_topics, producer
from newsflow.streams.config import Settings

MIB = 1024 * 1024


def readable_size(n: int) -> str:
    if n >= MIB and n % MIB == 0:
        return f"{n // MIB} MiB"
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.1f} kB"


def too_large(payload: bytes, limit: int) -> Optional[str]:
    """The plain reason an item is refused before sending, or None."""
    if len(payload) <= limit:
        return None
    return f"too large: {readable_size(len(payload))} > {readable_size(limit)} limit"


def raw_headers(item_id: Optional[str], payload: bytes) -> list[tuple[str, bytes]]:
    name = (item_id or "").encode("utf-8")
    return [
        ("newsflow-id", name),
        ("parent-id", name),
        ("schema-version", RAW_ITEM_SCHEMA.encode()),
        ("content-hash", hashlib.blake2b(payload, digest_size=16).hexdigest().encode()),
    ]


async def publish(settings: Settings, payloads: list[bytes], *, progress: bool = True) -> tuple[int, int]:
    """Returns (sent, failed), naming each failed item on stderr. Waits for every acknowledgement."""
    await ensure_topics(settings)
    p = producer(settings)
    await connect(p, settings)
    sent = failed = 0

    def fail(number: int, item_id: Optional[str], reason: str) -> None:
        nonlocal failed
        failed += 1
        tqdm.write(f"failed: {item_id or f'item {number}'}: {reason}", file=sys.stderr)

    try:
        bar = tqdm(total=len(payloads), unit="item", disable=not progress, file=sys.stderr)
        futures = []
        for number, payload in enumerate(payloads, start=1):
            item_id = peek_id(payload)
            reason = too_large(payload, settings.max_item_bytes)
            if reason:
                fail(number, item_id, reason)
                bar.update(1)
                continue
            key = item_id.encode("utf-8") if item_id else None
            fut = await p.send(settings.topic_raw, payload, key=key, headers=raw_headers(item_id, payload))
            futures.append((number, item_id, fut))
        for number, item_id, fut in futures:
            try:
                await fut
                sent += 1
            except Exception as exc:  # reported per item, not fatal
                fail(number, item_id, f"{type(exc).__name__}: {exc}")
            bar.update(1)
        bar.close()
    finally:
        await p.stop()
    return sent, failed
