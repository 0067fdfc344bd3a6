"""Every record accounted for, through the real broker: enriched once, or dead-lettered with a reason."""
from __future__ import annotations

import asyncio
import base64
import json
import signal
import time
from collections import Counter

import pytest

from newsflow.streams.config import Settings
from newsflow.tail import TopicReader
from tests.e2e.test_pipeline import _publish
from newsflow.deploy.kafka.nodes import free_port

pytestmark = pytest.mark.broker

SENTENCE = "Serbian President Boris Tadic said in Belgrade on Tuesday that his country would not be rushed. "


@pytest.fixture
def env(pipeline_env):
    """Small limits, so an ordinary long article outgrows them once enriched."""
    return {**pipeline_env, "NEWSFLOW_MAX_ITEM_BYTES": "100000", "NEWSFLOW_MAX_OUTPUT_RATIO": "2"}


async def _account(env: dict, want: set[str], timeout: float, on_progress=None) -> tuple[list[dict], list[dict]]:
    """Reads enriched-articles and dead-letters (committed records only) until every wanted
    item id shows in one of them or `timeout` passes; `on_progress(enriched so far)` is
    called between reads (the faults are injected there)."""
    s = Settings.from_env(env)
    readers = [await TopicReader(s.bootstrap, t, from_beginning=True).start() for t in (s.topic_enriched, s.topic_dead)]
    enriched: list[dict] = []
    dead: list[dict] = []
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            async for r in readers[0].records(timeout=0.5):
                enriched.append(r)
                if on_progress is not None:
                    on_progress(len(enriched))
            async for r in readers[1].records(timeout=0.5):
                dead.append(r)
            if want <= {a["id"].split("#")[0] for a in enriched} | {d["id"].split("#")[0] for d in dead}:
                break
        return enriched, dead
    finally:
        for reader in readers:
            await reader.stop()


def test_an_output_over_the_limit_is_dead_lettered_and_its_neighbours_enriched(env, start_worker, tmp_path):
    worker = start_worker(env=env)
    worker.wait_ready()
    long_text = SENTENCE * 600  # ~60 kB in, far over 200 kB once segmented and tagged
    items = [{"id": f"ok-{i}", "text": SENTENCE * (3 + i)} for i in range(6)]
    items.insert(3, {"id": "long", "text": long_text})
    path = tmp_path / "items.jsonl"
    path.write_text("".join(json.dumps(i) + "\n" for i in items))
    published = _publish(env, path)
    assert published.returncode == 0, published.stderr

    enriched, dead = asyncio.run(_account(env, {i["id"] for i in items}, timeout=240))
    assert sorted(a["id"] for a in enriched) == [f"ok-{i}" for i in range(6)], worker.log.read_text()[-3000:]
    [letter] = dead
    assert (letter["id"], letter["reason"]) == ("long", "output-too-large")
    assert "the limit is 200000" in letter["error"]
    assert base64.b64decode(letter["payload_b64"])  # the bytes the failing stage received
    assert worker.proc.poll() is None


def _items(tmp_path, n: int):
    items = [{"id": f"item-{i}", "text": SENTENCE * (5 + i % 7)} for i in range(n)]
    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps(i) + "\n" for i in items))
    return {i["id"] for i in items}, path



def _assert_exactly_once(want: set[str], enriched: list[dict], dead: list[dict]) -> None:
    counts = Counter(a["id"] for a in enriched)
    twice = sorted(i for i, c in counts.items() if c > 1)
    missing = want - set(counts) - {d["id"] for d in dead}
    assert not twice and not missing, f"duplicated {len(twice)} {twice[:5]}, missing {len(missing)}"


def test_a_worker_killed_and_restarted_delivers_every_id_exactly_once(pipeline_env, start_worker, tmp_path):
    want, path = _items(tmp_path, 150)
    victim = start_worker()
    victim.wait_ready()
    assert _publish(pipeline_env, path).returncode == 0
    restarted = []

    def kill_then_restart(done: int) -> None:  # mid-run: transactions open, no clean shutdown
        if done >= 20 and not restarted:
            victim.proc.send_signal(signal.SIGKILL)
            victim.proc.wait(timeout=10)
            restarted.append(start_worker(env={**pipeline_env, "NEWSFLOW_METRICS_PORT": str(free_port())}))

    enriched, dead = asyncio.run(_account(pipeline_env, want, timeout=300, on_progress=kill_then_restart))
    assert restarted and victim.proc.returncode == -signal.SIGKILL
    _assert_exactly_once(want, enriched, dead)


def test_a_worker_joining_and_leaving_the_group_duplicates_nothing(pipeline_env, start_worker, tmp_path):
    want, path = _items(tmp_path, 300)
    first = start_worker()
    first.wait_ready()
    assert _publish(pipeline_env, path).returncode == 0
    second = []

    def join_then_leave(done: int) -> None:
        if done >= 10 and not second:
            second.append(start_worker(env={**pipeline_env, "NEWSFLOW_METRICS_PORT": str(free_port())}))
            second[0].wait_ready()  # joined: the partitions are shared now
        elif second and second[0].proc.poll() is None and done >= 30 + len(want) // 3:
            second[0].proc.send_signal(signal.SIGTERM)  # leaves the group mid-run

    enriched, dead = asyncio.run(_account(pipeline_env, want, timeout=300, on_progress=join_then_leave))
    assert second and second[0].proc.wait(timeout=60) == 0
    _assert_exactly_once(want, enriched, dead)
