"""Every record accounted for, through the real broker: enriched once, or dead-lettered with a reason."""
from __future__ import annotations

import asyncio
import base64
import json
import time

import pytest

from newsflow.streams.config import Settings
from newsflow.tail import TopicReader
from tests.e2e.test_pipeline import _publish

pytestmark = pytest.mark.broker

SENTENCE = "Serbian President Boris Tadic said in Belgrade on Tuesday that his country would not be rushed. "


@pytest.fixture
def env(pipeline_env):
    """Small limits, so an ordinary long article outgrows them once enriched."""
    return {**pipeline_env, "NEWSFLOW_MAX_ITEM_BYTES": "100000", "NEWSFLOW_MAX_OUTPUT_RATIO": "2"}


async def _account(env: dict, want: set[str], timeout: float) -> tuple[list[dict], list[dict]]:
    """Reads enriched-articles and dead-letters (committed records only) until every wanted
    item id shows in one of them or `timeout` passes."""
    s = Settings.from_env(env)
    readers = [await TopicReader(s.bootstrap, t, from_beginning=True).start() for t in (s.topic_enriched, s.topic_dead)]
    enriched: list[dict] = []
    dead: list[dict] = []
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            async for r in readers[0].records(timeout=0.5):
                enriched.append(r)
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
