"""`newsflow publish`: raw items from files (`newsflow.inputs`) to `raw-items`."""
from __future__ import annotations

import sys
from typing import Optional

from aiokafka import AIOKafkaProducer
from tqdm import tqdm

from newsflow.agents.ingest import peek_id
from newsflow.streams.admin import ensure_topics
from newsflow.streams.config import Settings


async def publish(settings: Settings, payloads: list[bytes], *, progress: bool = True) -> tuple[int, int]:
    """Returns (sent, failed). Waits for every acknowledgement (acks=all)."""
    await ensure_topics(settings)
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap, acks="all", enable_idempotence=True,
        max_request_size=max(settings.max_item_bytes * 2, 1048576),
    )
    await producer.start()
    sent = failed = 0
    try:
        bar = tqdm(total=len(payloads), unit="item", disable=not progress, file=sys.stderr)
        futures = []
        for payload in payloads:
            key: Optional[str] = peek_id(payload)
            futures.append(await producer.send(settings.topic_raw, payload, key=key.encode() if key else None))
        for fut in futures:
            try:
                await fut
                sent += 1
            except Exception as exc:  # e.g. MessageSizeTooLarge: reported, not fatal
                failed += 1
                tqdm.write(f"failed: {exc}", file=sys.stderr)
            bar.update(1)
        bar.close()
    finally:
        await producer.stop()
    return sent, failed
