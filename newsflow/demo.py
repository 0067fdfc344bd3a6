"""`newsflow demo`: the whole flow on the embedded broker with the project's own samples.

Starts what is not running (broker, one worker), publishes the sample items shipped with the package (`demo_items.jsonl`),
prints every enriched article and dead letter that comes back, then the articles grouped by
story (the stories stage runs: the two seed items report one event), then stops what it started.
"""
from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from newsflow import broker
from newsflow.inputs import iter_items
from newsflow.publish import publish
from newsflow.render import pretty
from newsflow.tail import TopicReader
from newsflow.streams.admin import ensure_topics
from newsflow.schemas import item_id_of
from newsflow.streams.config import Settings

FIXTURES = Path(__file__).with_name("demo_items.jsonl")


def start_worker(settings: Settings, log_path: Path) -> subprocess.Popen:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "NEWSFLOW_BROKER": settings.broker, "NEWSFLOW_METRICS_PORT": str(settings.metrics_port),
           "NEWSFLOW_OPTIONAL_STAGES": settings.optional_stages}
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "newsflow.cli", "worker", "--log-level", "info"],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 300) -> bool:
    """True once the worker's /readyz answers 200; False if it exits or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


def stop_worker(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _items(articles: list[dict]) -> int:
    """Raw items accounted for: an item split into stories comes back as <id>#1, <id>#2..."""
    return len({item_id_of(a["id"]) for a in articles})


async def _collect(settings: Settings, payloads: list[bytes]) -> tuple[list[dict], list[dict]]:
    enriched = await TopicReader(settings, settings.topic_enriched).start()
    dead = await TopicReader(settings, settings.topic_dead).start()
    try:
        sent, failed = await publish(settings, payloads, progress=False)
        print(f"published {sent} raw items (failed {failed}); waiting for the worker…", flush=True)
        articles: list[dict] = []
        letters: list[dict] = []
        deadline = time.monotonic() + settings.demo_timeout
        while _items(articles) + len(letters) < sent and time.monotonic() < deadline:
            async for r in enriched.records(timeout=0.5):
                articles.append(r)
            async for r in dead.records(timeout=0.5):
                letters.append(r)
        return articles, letters
    finally:
        await enriched.stop()
        await dead.stop()


def with_stories(settings: Settings) -> Settings:
    wanted = {n.strip() for n in settings.optional_stages.split(",") if n.strip()} | {"stories"}
    return dataclasses.replace(settings, optional_stages=",".join(sorted(wanted)))


def story_lines(articles: list[dict]) -> list[str]:
    """One line per story, those with several articles first: its id, then each article, with
    how strongly and on what a later one joined."""
    stories: dict[str, list[dict]] = {}
    for a in articles:
        if a.get("story_id"):
            stories.setdefault(a["story_id"], []).append(a)
    lines = []
    for sid, members in sorted(stories.items(), key=lambda kv: -len(kv[1])):
        first, *rest = sorted(members, key=lambda a: bool(a["story_reason"]))  # the first has no reason
        joined = [f"{a['id']} ({a['story_score']:.2f}: {', '.join(a['story_reason'][:3])})" for a in rest]
        lines.append(f"  {sid}: {', '.join([first['id'], *joined])}")
    return lines


def run_demo(settings: Settings) -> int:
    settings = with_stories(settings)
    started_broker = not broker.is_reachable(settings)
    if started_broker and broker.run("start", settings) != 0:
        print("could not start the embedded broker", file=sys.stderr)
        return 1
    log_path = Path(settings.state_dir) / "demo-worker.log"
    worker = None
    try:
        asyncio.run(ensure_topics(settings))
        worker = start_worker(settings, log_path)
        print(f"worker started (pid {worker.pid}, log {log_path}, metrics http://{settings.metrics_host}:"
              f"{settings.metrics_port}/metrics)", flush=True)
        payloads = [i.payload for i in iter_items([str(FIXTURES)])]
        articles, letters = asyncio.run(_collect(settings, payloads))
        for record in [*articles, *letters]:
            print(pretty(record), end="\n\n")
        print("stories (articles about one event share one):", *story_lines(articles), sep="\n", end="\n\n")
        done = _items(articles) + len(letters)
        print(f"in {len(payloads)} items = {_items(articles)} enriched (as {len(articles)} articles) "
              f"+ {len(letters)} dead-lettered" + ("" if done == len(payloads)
              else f"  (missing {len(payloads) - done}: see {log_path})"))
        return 0 if done == len(payloads) else 1
    finally:
        if worker is not None:
            stop_worker(worker)
        if started_broker:
            broker.run("stop", settings)
