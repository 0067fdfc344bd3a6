"""Delivery under faults, through the real broker: is every item enriched once or dead-lettered?

    .venv/bin/python bench/faults.py [--items 1500] [--json]

Each scenario runs workers on fresh uuid topics, publishes N real BBC articles
(`../shared/data/news_corpus`) mixed with items whose enriched record outgrows the limit
and pathological ones (malformed JSON, deep HTML, a page with no spaces), injects its fault
mid-run, and counts with a `read_committed` reader: enriched, dead by reason, missing,
duplicated ids, seconds from the fault until articles flow again, the workers' peak RSS.
`clean` and `at-least-once` (transactions off) give the guarantee's throughput cost.
"""
from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Callable, Optional

import orjson

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "data" / "news_corpus" / "bbc_news.jsonl.gz"
sys.path.insert(0, str(ROOT))

from newsflow import broker  # noqa: E402
from newsflow.demo import wait_ready  # noqa: E402
from newsflow.deploy.kafka.nodes import OwnBroker, free_port  # noqa: E402
from newsflow.agents.ingest import peek_id  # noqa: E402
from newsflow.publish import publish  # noqa: E402
from newsflow.schemas import item_id_of  # noqa: E402
from aiokafka import TopicPartition  # noqa: E402

from newsflow.streams.admin import consumer, delete_topics  # noqa: E402
from newsflow.streams.config import Settings  # noqa: E402
from newsflow.streams.topics import topic_names  # noqa: E402

# Small limits so an ordinary long article outgrows them once enriched (records up to 400 kB).
LIMITS = {"NEWSFLOW_MAX_ITEM_BYTES": "200000", "NEWSFLOW_MAX_OUTPUT_RATIO": "2"}


def items(n: int, every: int) -> list[bytes]:
    """n items: BBC articles (cycled with fresh ids) and, every `every`th, a hostile one."""
    with gzip.open(CORPUS, "rb") as f:
        news = [orjson.loads(line) for line in f if line.strip()]
    long_text = "\n\n".join(a["text"] for a in news[:60])[:120_000]
    hostile = [
        lambda i: orjson.dumps({"id": f"long-{i}", "text": long_text}),  # output-too-large
        lambda i: f'{{"id": "cut-{i}", "text": "cut off mid-wr'.encode(),  # invalid-json
        lambda i: orjson.dumps({"id": f"deep-{i}", "html": "<div>" * 5000 + "deep" + "</div>" * 5000}),
        lambda i: orjson.dumps({"id": f"nospace-{i}", "text": "x" * 150_000}),
    ]
    out = []
    for i in range(n):
        if i % every == every // 2:
            out.append(hostile[(i // every) % len(hostile)](i))
        else:
            a = news[i % len(news)]
            out.append(orjson.dumps({"id": f"{a['id']}-{i}", "title": a["title"], "text": a["text"],
                                     "source": "bbc"}))
    return out



class Worker:
    def __init__(self, env: dict, log: Path):
        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, "-m", "newsflow.cli", "worker"], cwd=ROOT,
                                     env={**env, "NEWSFLOW_METRICS_PORT": str(self.port)},
                                     stdout=log.open("ab"), stderr=subprocess.STDOUT)
        self.peak_rss_mb = 0.0

    def sample_rss(self) -> None:
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    self.peak_rss_mb = max(self.peak_rss_mb, int(line.split()[1]) / 1024)
        except OSError:
            pass

    def wait_ready(self, timeout: float = 300) -> None:
        if not wait_ready(f"http://127.0.0.1:{self.port}/readyz", self.proc, timeout):
            raise SystemExit("worker did not become ready")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        self.sample_rss()
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Run:
    """One scenario: its topics, its workers, and the fault's clock."""

    def __init__(self, name: str, extra_env: dict):
        run = uuid.uuid4().hex[:8]
        self.name = name
        self.env = {**os.environ, **LIMITS, **extra_env, "NEWSFLOW_APP_ID": f"faults-{run}",
                    "NEWSFLOW_TOPIC_RAW": f"raw-items-{run}", "NEWSFLOW_TOPIC_ENRICHED": f"enriched-articles-{run}",
                    "NEWSFLOW_TOPIC_DEAD": f"dead-letters-{run}", "NEWSFLOW_TOPIC_PREFIX": f"faults-{run}.",
                    "NEWSFLOW_SESSION_TIMEOUT": "10", "NEWSFLOW_LOG_FORMAT": "json",
                    "NEWSFLOW_PROCESSES": "1"}  # one process per Worker: the scenarios start and stop them
        self.settings = Settings.from_env(self.env)
        self.log = Path(self.settings.state_dir) / f"faults-{name}-{run}.log"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.workers: list[Worker] = []
        self.fault_wall: Optional[float] = None
        self.recovery_s: Optional[float] = None
        self.restarted = False
        self.own: Optional[OwnBroker] = None
        if name in OWN_NODES:
            self.own = OwnBroker(Path(tempfile.mkdtemp(prefix="faults-kafka-")), nodes=OWN_NODES[name])
            self.env["NEWSFLOW_BROKER"] = self.own.bootstrap
            self.settings = Settings.from_env(self.env)

    def start_worker(self) -> Worker:
        w = Worker(self.env, self.log)
        self.workers.append(w)
        return w

    def fault(self) -> None:
        self.fault_wall = time.time()


def kill_and_restart(run: Run, done: int, total: int) -> None:
    if done >= total // 4 and run.fault_wall is None:
        run.workers[0].stop(signal.SIGKILL)
        run.fault()
        run.start_worker()


def broker_restart(run: Run, done: int, total: int) -> None:
    """The (single) broker stopped for 10 s, then started again."""
    if done >= total // 4 and run.fault_wall is None:
        run.own("stop")
        run.fault()
        time.sleep(10)
        run.own("start")


def broker_loss(run: Run, done: int, total: int) -> None:
    """One broker of three killed with -9, started again when half the items are through."""
    if done >= total // 4 and run.fault_wall is None:
        run.own("kill", "1")
        run.fault()
    elif done >= total // 2 and run.fault_wall is not None and not run.restarted:
        run.own("start")
        run.restarted = True


def join_and_leave(run: Run, done: int, total: int) -> None:
    if done >= total // 8 and len(run.workers) == 1:
        run.start_worker().wait_ready()
    elif done >= total // 2 and run.fault_wall is None:
        run.workers[1].stop()
        run.fault()


# name: (environment, fault, one hostile item in how many)
SCENARIOS: dict[str, tuple[dict, Optional[Callable[[Run, int, int], None]], int]] = {
    "clean": ({}, None, 250),
    "at-least-once": ({"NEWSFLOW_TRANSACTIONS": "0"}, None, 250),
    "kill -9 + restart": ({}, kill_and_restart, 250),
    "join + leave": ({}, join_and_leave, 250),
    "oversized outputs": ({}, None, 12),
    "broker restart": ({}, broker_restart, 250),
    "broker loss (3 nodes)": ({"NEWSFLOW_REPLICATION_FACTOR": "3"}, broker_loss, 250),
    "broker loss (2 workers)": ({"NEWSFLOW_REPLICATION_FACTOR": "3"}, broker_loss, 250),
}
# Scenarios that stop or kill brokers run on Kafka nodes of their own (never the shared broker).
OWN_NODES = {"broker restart": 1, "broker loss (3 nodes)": 3, "broker loss (2 workers)": 3}
# Workers from the start (one process each), where not one: partitions move between them on a fault.
WORKERS = {"broker loss (2 workers)": 2}


async def _reader(s: Settings, topic: str):
    c = consumer(s, group_id=None)
    await c.start()
    tps = [TopicPartition(topic, p) for p in range(s.partitions)]
    c.assign(tps)
    await c.seek_to_beginning(*tps)
    return c


async def _account(run: Run, payloads: list[bytes], fault) -> dict:
    """Counts until every item is accounted for or nothing has come for two minutes.
    Recovery: from the fault to the first article written after it (its Kafka timestamp)."""
    s = run.settings
    readers = [await _reader(s, s.topic_enriched), await _reader(s, s.topic_dead)]
    ids: Counter = Counter()
    dead: dict[str, str] = {}
    started = last = time.monotonic()
    sent, _ = await publish(s, payloads, progress=False)
    want = {peek_id(p) for p in payloads}
    try:
        while time.monotonic() - last < 120 and not want <= {item_id_of(i) for i in ids} | set(dead):
            for tp, messages in (await readers[0].getmany(timeout_ms=500)).items():
                for m in messages:
                    ids[orjson.loads(m.value)["id"]] += 1
                    last = time.monotonic()
                    if run.fault_wall is not None and run.recovery_s is None and m.timestamp / 1000 > run.fault_wall:
                        run.recovery_s = round(m.timestamp / 1000 - run.fault_wall, 1)
                    if fault is not None:
                        fault(run, len(ids), len(payloads))
            for tp, messages in (await readers[1].getmany(timeout_ms=100)).items():
                for m in messages:
                    letter = orjson.loads(m.value)
                    dead[letter["id"] or "?"] = letter["reason"]
            for w in run.workers:
                w.sample_rss()
        elapsed = last - started
    finally:
        for r in readers:
            await r.stop()
    enriched = {item_id_of(i) for i in ids}
    return {
        "scenario": run.name, "sent": sent, "enriched": len(enriched),
        "dead": len(dead), "dead_by_reason": dict(Counter(dead.values())),
        "missing": len(want - enriched - set(dead)), "duplicated": sum(1 for c in ids.values() if c > 1),
        "recovery_s": run.recovery_s, "peak_rss_mb": round(max(w.peak_rss_mb for w in run.workers)),
        "articles_per_s": round(sum(ids.values()) / elapsed, 1),
    }


def scenario(name: str, n: int) -> dict:
    extra_env, fault, every = SCENARIOS[name]
    payloads = items(n, every)
    run = Run(name, extra_env)
    if run.own:
        run.own("start")
    try:
        for w in [run.start_worker() for _ in range(WORKERS.get(name, 1))]:
            w.wait_ready()
        return asyncio.run(_account(run, payloads, fault))
    finally:
        for w in run.workers:
            w.stop()
        if run.own:
            run.own("stop")
        else:
            asyncio.run(delete_topics(run.settings, topic_names(run.settings)))


def table(rows: list[dict]) -> str:
    head = ["scenario", "sent", "enriched", "dead (by reason)", "missing", "duplicated", "recovery s",
            "peak RSS MB", "articles/s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(r["dead_by_reason"].items()))
        lines.append("| " + " | ".join(str(x) for x in [
            r["scenario"], r["sent"], r["enriched"], f"{r['dead']} ({reasons})", r["missing"], r["duplicated"],
            r["recovery_s"] if r["recovery_s"] is not None else "-", r["peak_rss_mb"], r["articles_per_s"],
        ]) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1500)
    parser.add_argument("--json", action="store_true", help="one JSON object per scenario per line")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated subset")
    args = parser.parse_args()
    settings = Settings.from_env()
    if not broker.is_reachable(settings) and broker.run("start", settings) != 0:
        raise SystemExit("no broker")
    rows = []
    for name in args.scenarios.split(","):
        rows.append(scenario(name, args.items))
        if args.json:
            print(orjson.dumps(rows[-1]).decode(), flush=True)
    if not args.json:
        print(table(rows))


if __name__ == "__main__":
    main()
