"""End-to-end throughput through the real broker, next to the same stages in-process.

    .venv/bin/python bench/pipeline.py [--items 400]

Starts the embedded broker if none answers, runs one worker (all stages) on fresh uuid
topics, publishes N raw items (the demo's good items, cycled, with unique ids), and times
from the first publish to the last enriched article. The same items then go through
`newsflow enrich`'s code in this process (no Kafka), so the ratio shows what the streaming
path costs on this machine, in the same run.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsflow.agents import STAGE_ORDER, build_stages  # noqa: E402
from newsflow.agents.pipeline import Envelope, enrich_batch  # noqa: E402
from newsflow.agents.stage import warm_up  # noqa: E402
from newsflow import broker  # noqa: E402
from newsflow.demo import start_worker, stop_worker, wait_ready  # noqa: E402
from newsflow.publish import publish  # noqa: E402
from newsflow.tail import TopicReader  # noqa: E402
from newsflow.schemas import item_id_of  # noqa: E402
from newsflow.streams.config import Settings  # noqa: E402


def items(n: int) -> list[bytes]:
    good = [orjson.loads(l) for l in (ROOT / "newsflow/demo_items.jsonl").read_bytes().splitlines()
            if l.strip().startswith(b"{") and l.strip().endswith(b"}")]
    return [orjson.dumps({**good[i % len(good)], "id": f"bench-{i}"}) for i in range(n)]


def ready_or_exit(settings: Settings, worker, timeout: float = 300) -> None:
    if not wait_ready(f"http://{settings.metrics_host}:{settings.metrics_port}/readyz", worker, timeout):
        raise SystemExit("worker did not become ready")


async def through_kafka(settings: Settings, payloads: list[bytes]) -> tuple[float, int]:
    reader = await TopicReader(settings, settings.topic_enriched).start()
    try:
        started = time.perf_counter()
        await publish(settings, payloads, progress=False)
        seen: set[str] = set()
        articles = 0
        while len(seen) < len(payloads):
            async for record in reader.records(timeout=120):
                articles += 1
                seen.add(item_id_of(record["id"]))
                if len(seen) == len(payloads):
                    break
            else:
                raise SystemExit(f"timed out with {len(seen)}/{len(payloads)} items")
        return time.perf_counter() - started, articles
    finally:
        await reader.stop()


def in_process(payloads: list[bytes], batch: int = 32) -> float:
    stages = list(build_stages(STAGE_ORDER).values())
    warm_up(stages)
    started = time.perf_counter()
    for i in range(0, len(payloads), batch):
        enrich_batch(stages, [Envelope(p) for p in payloads[i : i + batch]])
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=400)
    args = parser.parse_args()
    run = uuid.uuid4().hex[:8]
    os.environ.update({
        "NEWSFLOW_APP_ID": f"newsflow-bench-{run}", "NEWSFLOW_TOPIC_RAW": f"raw-items-{run}",
        "NEWSFLOW_TOPIC_ENRICHED": f"enriched-articles-{run}", "NEWSFLOW_TOPIC_DEAD": f"dead-letters-{run}",
        "NEWSFLOW_TOPIC_PREFIX": f"newsflow-{run}.", "NEWSFLOW_METRICS_PORT": "9118",
    })
    settings = Settings.from_env()
    started_broker = not broker.is_reachable(settings)
    if started_broker:
        broker.run("start", settings)
    worker = start_worker(settings, Path(settings.state_dir) / f"bench-worker-{run}.log")
    try:
        ready_or_exit(settings, worker)
        payloads = items(args.items)
        kafka_s, articles = asyncio.run(through_kafka(settings, payloads))
    finally:
        stop_worker(worker)
        if started_broker:
            broker.run("stop", settings)
    local_s = in_process(payloads)
    n = len(payloads)
    print(f"items={n} articles={articles}")
    print(f"through Kafka (1 worker, all stages): {n / kafka_s:8.1f} items/s  ({kafka_s:.1f} s)")
    print(f"in-process enrich_batch (same stages): {n / local_s:8.1f} items/s  ({local_s:.1f} s)")
    print(f"streaming / in-process = {local_s / kafka_s:.2f}")


if __name__ == "__main__":
    main()
