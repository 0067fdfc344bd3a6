"""Fused or one agent per stage: the worker's CPU per article and its rate, in alternating pairs.

    .venv/bin/python bench/fused.py [--items 600] [--pairs 2]

Each run starts `newsflow worker` (one process per core) on fresh topics with
NEWSFLOW_FUSED=true or false, publishes the same items of bench/throughput.py's mix at once
and reads `enriched-articles` until nothing more comes; it reports the worker's process tree's
CPU time from the publish to the last article, per article, and articles per second from the
first article out to the last. Modes alternate (split, fused, fused, split, ...) so a load
that drifts weighs on both.
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
sys.path.insert(0, str(ROOT / "bench"))

from pipeline import cpu_seconds, process_tree  # noqa: E402
from throughput import mix  # noqa: E402

from newsflow.demo import start_worker, stop_worker, wait_ready  # noqa: E402
from newsflow.publish import publish  # noqa: E402
from newsflow.schemas import item_id_of  # noqa: E402
from newsflow.streams.admin import delete_topics  # noqa: E402
from newsflow.streams.config import Settings  # noqa: E402
from newsflow.streams.topics import topic_names  # noqa: E402
from newsflow.tail import TopicReader  # noqa: E402


def tree_cpu_seconds(pid: int) -> float:
    """User + system seconds of the worker and its children (bench/pipeline.py's readers)."""
    return sum(cpu_seconds(p) for p in process_tree(pid))


async def run(fused: bool, payloads: list[bytes], port: int, logs: Path) -> tuple[float, float, int]:
    """(worker CPU ms per article, articles/s from the first out to the last, articles)."""
    tag = uuid.uuid4().hex[:8]
    os.environ.update({
        "NEWSFLOW_APP_ID": f"bench-fused-{tag}", "NEWSFLOW_TOPIC_PREFIX": f"bench-fused-{tag}.",
        "NEWSFLOW_TOPIC_RAW": f"bench-fused-{tag}.raw", "NEWSFLOW_TOPIC_ENRICHED": f"bench-fused-{tag}.enriched",
        "NEWSFLOW_TOPIC_DEAD": f"bench-fused-{tag}.dead", "NEWSFLOW_METRICS_PORT": str(port),
        "NEWSFLOW_FUSED": "true" if fused else "false",
    })
    s = Settings.from_env()
    worker = start_worker(s, logs / f"worker-{tag}.log")
    readers = []
    try:
        if not wait_ready(f"http://127.0.0.1:{port}/readyz", worker, 300):
            raise SystemExit(f"worker did not become ready (logs in {logs})")
        readers = [await TopicReader(s, t).start() for t in (s.topic_enriched, s.topic_dead)]
        wanted = {item_id_of(orjson.loads(p)["id"]) for p in payloads}
        cpu0 = tree_cpu_seconds(worker.pid)
        await publish(s, payloads, progress=False)
        articles, dead, times = set(), set(), []
        deadline = time.monotonic() + 900
        while not wanted <= articles | dead and time.monotonic() < deadline:
            async for record in readers[0].records(timeout=0.5):
                times.append(time.perf_counter())
                articles.add(item_id_of(record["id"]))
            async for record in readers[1].records(timeout=0.5):
                dead.add(record.get("id") and item_id_of(record["id"]))
        cpu = tree_cpu_seconds(worker.pid) - cpu0
        n = len(articles & wanted)
        return cpu * 1000 / n, n / max(times[-1] - times[0], 1e-9), n
    finally:
        for r in readers:
            await r.stop()
        stop_worker(worker)
        await delete_topics(s, topic_names(s))


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=600)
    parser.add_argument("--pairs", type=int, default=2, help="pairs of runs: split+fused, then fused+split, ...")
    args = parser.parse_args()
    payloads = mix(args.items * 2)[: args.items]
    logs = Path(os.environ.get("TMPDIR", "/tmp")) / f"newsflow-bench-fused-{uuid.uuid4().hex[:6]}"
    modes = [m for i in range(args.pairs) for m in ((False, True) if i % 2 == 0 else (True, False))]
    print(f"{len(payloads)} items, worker logs in {logs}; load average {os.getloadavg()[0]:.1f}")
    print(f"{'mode':<6} {'CPU ms/article':>15} {'articles/s':>11} {'articles':>9}")
    results: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
    for i, fused in enumerate(modes):
        cpu_ms, rate, n = await run(fused, payloads, 9400 + 10 * i, logs)
        results[fused].append((cpu_ms, rate))
        print(f"{'fused' if fused else 'split':<6} {cpu_ms:>15.1f} {rate:>11.2f} {n:>9}", flush=True)
    for fused, rows in results.items():
        print(f"{'fused' if fused else 'split'} mean: {sum(r[0] for r in rows) / len(rows):.1f} CPU ms/article, "
              f"{sum(r[1] for r in rows) / len(rows):.2f} articles/s")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
