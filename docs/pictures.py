"""Pictures of what operators see, from a real run: python docs/pictures.py

A worker on the running embedded broker (topics of its own, deleted afterwards) processes a few
hundred articles of ../shared/data/news_corpus while a real Prometheus scrapes it every second.
The dashboard's key panels are drawn from Prometheus's answers (matplotlib: no Grafana server
here); where Debian's `chromium` is installed, it screenshots Prometheus's graph page and, after
the worker is stopped, its alerts page with NewsflowWorkerDown firing. Writes docs/pictures/*.png.
"""
from __future__ import annotations

import asyncio
import gzip
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import yaml

from newsflow.streams.admin import admin_client
from newsflow.streams.config import Settings

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "pictures"
CORPUS = ROOT.parent / "shared" / "data" / "news_corpus"
BURSTS, PER_BURST = 3, 100
# The dashboard's key panels: title, PromQL, label naming each line.
PANELS = [
    ("Items in per second", "sum by (stage) (rate(newsflow_stage_items_in_total[30s]))", "stage"),
    ("Items out per second", "sum by (stage) (rate(newsflow_stage_items_out_total[30s]))", "stage"),
    ("Consumer lag (records)", "sum by (stage) (newsflow_consumer_lag)", "stage"),
    ("Seconds per batch (p95)",
     "histogram_quantile(0.95, sum by (stage, le) (rate(newsflow_stage_batch_seconds_bucket[1m])))", "stage"),
    ("Dead letters (total), by reason", "sum by (reason) (newsflow_dead_letters_total)", "reason"),
    ("Articles (total), by language", "sum by (language) (newsflow_articles_by_language_total)", "language"),
]
GRAPH_EXPR = "sum by (stage) (rate(newsflow_stage_items_out_total[30s]))"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(1)
    raise SystemExit(f"pictures: not within {timeout:.0f}s: {what}")


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read()


def corpus_items(n: int) -> list[bytes]:
    """English and French/Swahili articles interleaved, stamped as fetched now, plus a few that
    the worker must dead-letter (no text, not JSON) so the dead-letter panel has something."""
    files = [gzip.open(p, "rt") for p in sorted(CORPUS.glob("*.jsonl.gz"))]
    now = datetime.now(timezone.utc).isoformat()
    items = []
    for line in itertools.islice(itertools.chain.from_iterable(zip(*files)), n):
        article = json.loads(line)
        items.append(json.dumps({"id": f"{article['id']}-{uuid.uuid4().hex[:6]}", "source": article["category"],
                                 "fetched_at": now, "text": article["text"]}).encode())
    items += [json.dumps({"id": f"empty-{i}", "text": ""}).encode() for i in range(3)] + [b"{not json"]
    return items


def prometheus(tmp: Path, target: int) -> tuple[subprocess.Popen, int]:
    """A Prometheus scraping the worker every second, with the repo's rules but a 5 s `for:` on
    NewsflowWorkerDown so the alerts picture needs no two-minute wait."""
    rules = yaml.safe_load((ROOT / "deploy" / "prometheus" / "alerts.yml").read_text())
    for rule in (r for g in rules["groups"] for r in g["rules"]):
        if rule["alert"] == "NewsflowWorkerDown":
            rule["for"] = "5s"
    (tmp / "alerts.yml").write_text(yaml.safe_dump(rules))
    (tmp / "prometheus.yml").write_text(yaml.safe_dump({
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(tmp / "alerts.yml")],
        "scrape_configs": [{"job_name": "newsflow", "static_configs": [{"targets": [f"127.0.0.1:{target}"]}]}],
    }))
    web = free_port()
    proc = subprocess.Popen([shutil.which("prometheus"), f"--config.file={tmp / 'prometheus.yml'}",
                             f"--storage.tsdb.path={tmp / 'tsdb'}", f"--web.listen-address=127.0.0.1:{web}"],
                            stdout=(tmp / "prometheus.log").open("wb"), stderr=subprocess.STDOUT)
    wait_for(lambda: get(f"http://127.0.0.1:{web}/-/ready") is not None, 60, "Prometheus ready")
    return proc, web


def query_range(web: int, expr: str, start: float, end: float) -> list[dict]:
    params = urllib.parse.urlencode({"query": expr, "start": start, "end": end, "step": 2})
    answer = json.loads(get(f"http://127.0.0.1:{web}/api/v1/query_range?{params}"))
    return answer["data"]["result"]


def query_value(web: int, expr: str) -> float:
    answer = json.loads(get(f"http://127.0.0.1:{web}/api/v1/query?" + urllib.parse.urlencode({"query": expr})))
    return float(answer["data"]["result"][0]["value"][1]) if answer["data"]["result"] else 0.0


def draw_dashboard(web: int, start: float, end: float, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(13, 6.5))
    for ax, (title, expr, label) in zip(axes.flat, PANELS):
        series = query_range(web, expr, start, end)
        if "(total)" in title:  # a bar per label: the count at the end of the run
            names = [s["metric"].get(label, "?") for s in series]
            ax.barh(names, [float(s["values"][-1][1]) for s in series], color="tab:blue")
        for s in series if "(total)" not in title else []:
            ax.plot([float(t) - start for t, _ in s["values"]], [float(v) for _, v in s["values"]],
                    label=s["metric"].get(label, "?"))
        if series and "(total)" not in title:
            ax.set_xlabel("seconds into the run")
            ax.legend(fontsize=7)
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
    fig.suptitle(f"newsflow dashboard panels, from Prometheus (one worker, {BURSTS} bursts of {PER_BURST} articles)")
    fig.tight_layout()
    fig.savefig(path, dpi=70)
    plt.close(fig)


def screenshot(url: str, path: Path) -> None:
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--window-size=1200,750", "--virtual-time-budget=8000", f"--screenshot={path}", url],
                   check=True, capture_output=True, timeout=120)
    from PIL import Image  # matplotlib's dependency: a palette keeps the PNG small

    Image.open(path).convert("RGB").quantize(64).save(path, optimize=True)


async def delete_topics_of(broker: str, run: str) -> None:
    admin = admin_client(Settings(broker=broker), request_timeout_ms=30000)
    await admin.start()
    try:
        mine = [t for t in await admin.list_topics() if run in t]
        if mine:
            await admin.delete_topics(mine)
    finally:
        await admin.close()


def main() -> int:
    try:
        import matplotlib  # noqa: F401  (the docs extra, not a runtime dependency)
    except ImportError:
        print("pictures: matplotlib is not installed (pip install matplotlib); nothing drawn", file=sys.stderr)
        return 0
    if shutil.which("prometheus") is None:
        print("pictures: no prometheus binary (apt-get install prometheus); nothing drawn", file=sys.stderr)
        return 0
    settings = Settings.from_env()
    run = uuid.uuid4().hex[:10]
    port = free_port()
    env = {**os.environ, "NEWSFLOW_BROKER": settings.broker, "NEWSFLOW_APP_ID": f"newsflow-pictures-{run}",
           "NEWSFLOW_TOPIC_RAW": f"raw-items-{run}", "NEWSFLOW_TOPIC_ENRICHED": f"enriched-articles-{run}",
           "NEWSFLOW_TOPIC_DEAD": f"dead-letters-{run}", "NEWSFLOW_TOPIC_PREFIX": f"newsflow-{run}.",
           "NEWSFLOW_PARTITIONS": "2", "NEWSFLOW_PROCESSES": "1", "NEWSFLOW_METRICS_PORT": str(port)}
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        env["NEWSFLOW_STATE_DIR"] = str(tmp / "state")
        worker = subprocess.Popen([sys.executable, "-m", "newsflow.cli", "worker"], env=env, cwd=ROOT,
                                  stdout=(tmp / "worker.log").open("wb"), stderr=subprocess.STDOUT)
        prom, web = prometheus(tmp, port)
        try:
            wait_for(lambda: get(f"http://127.0.0.1:{port}/readyz") is not None, 300, "worker ready")
            start = time.time()
            items = corpus_items(BURSTS * PER_BURST)
            for burst in range(BURSTS):
                batch = tmp / f"burst-{burst}.jsonl"
                batch.write_bytes(b"\n".join(items[burst::BURSTS]) + b"\n")
                subprocess.run([sys.executable, "-m", "newsflow.cli", "publish", "--quiet", str(batch)],
                               env=env, cwd=ROOT, check=False, timeout=120)
                time.sleep(20)
            count = "sum(newsflow_stage_items_out_total{stage='entities'}) + sum(newsflow_dead_letters_total)"
            wait_for(lambda: query_value(web, count) >= BURSTS * PER_BURST, 600, "the articles enriched")
            time.sleep(10)
            draw_dashboard(web, start, time.time(), OUT / "dashboard.png")
            if shutil.which("chromium"):
                graph = urllib.parse.urlencode({"g0.expr": GRAPH_EXPR, "g0.tab": 0, "g0.range_input": "5m"})
                screenshot(f"http://127.0.0.1:{web}/graph?{graph}", OUT / "prometheus-graph.png")
                worker.terminate()
                worker.wait(timeout=60)
                alerts = lambda: b'"state":"firing"' in get(f"http://127.0.0.1:{web}/api/v1/alerts")  # noqa: E731
                wait_for(alerts, 60, "NewsflowWorkerDown firing")
                screenshot(f"http://127.0.0.1:{web}/classic/alerts", OUT / "prometheus-alerts.png")
            else:
                print("pictures: no chromium (apt-get install chromium): no screenshots", file=sys.stderr)
        finally:
            for proc in (worker, prom):
                if proc.poll() is None:
                    proc.terminate()
                    proc.wait(timeout=60)
            asyncio.run(delete_topics_of(settings.broker, run))
    for png in sorted(OUT.glob("*.png")):
        print(f"{png.relative_to(ROOT)}: {png.stat().st_size // 1024} kB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
