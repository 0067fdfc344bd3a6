"""`newsflow publish`: raw items from files to `raw-items`.

JSONL lines are sent byte for byte (a malformed line is the worker's to dead-letter, with
its reason, not ours to hide); .txt/.html files become one item each, id from the path.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator, Optional

import orjson
from aiokafka import AIOKafkaProducer
from tqdm import tqdm

from agents.ingest import peek_id
from streams.admin import ensure_topics
from streams.config import Settings

TEXT_SUFFIXES = {".txt": "text", ".text": "text", ".html": "html", ".htm": "html"}


def _file_item(path: Path) -> bytes:
    field = TEXT_SUFFIXES[path.suffix.lower()]
    content = path.read_bytes().decode("utf-8", errors="replace")
    return orjson.dumps({"id": path.as_posix(), "source": "file", field: content})


def iter_items(paths: list[str]) -> Iterator[bytes]:
    """Payloads in order; '-' reads JSONL from stdin."""
    for name in paths:
        if name == "-":
            yield from (line.rstrip(b"\r\n") for line in sys.stdin.buffer if line.strip())
            continue
        path = Path(name)
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            suffix = f.suffix.lower()
            if suffix == ".jsonl":
                with f.open("rb") as fh:
                    yield from (line.rstrip(b"\r\n") for line in fh if line.strip())
            elif suffix in TEXT_SUFFIXES:
                yield _file_item(f)
            elif not path.is_dir():
                raise ValueError(f"{f}: expected .jsonl, .txt or .html")


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
