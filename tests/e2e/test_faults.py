"""Delivery under a crash: a worker killed mid-stream loses nothing (at-least-once)."""
from __future__ import annotations

import asyncio
import json
import signal
import time

import pytest

from newsflow.tail import TopicReader
from tests.e2e.test_pipeline import _publish
from newsflow.deploy.kafka.nodes import free_port

pytestmark = pytest.mark.broker



async def _collect_ids(env: dict, want: set[str], on_first, timeout: float) -> set[str]:
    reader = await TopicReader([env["NEWSFLOW_BROKER"]], env["NEWSFLOW_TOPIC_ENRICHED"], from_beginning=True).start()
    seen: set[str] = set()
    try:
        deadline = time.monotonic() + timeout
        while not want <= seen and time.monotonic() < deadline:
            async for record in reader.records(timeout=1.0):
                seen.add(record["id"])
                if on_first is not None:
                    on_first()
                    on_first = None
    finally:
        await reader.stop()
    return seen


def test_killed_worker_loses_nothing(pipeline_env, start_worker, tmp_path):
    n = 200
    text = "Serbian President Boris Tadic said his country would not be held to the deadline. " * 20
    items = tmp_path / "many.jsonl"
    items.write_text("".join(json.dumps({"id": f"item-{i}", "text": text.strip()}) + "\n" for i in range(n)))
    victim = start_worker()
    survivor = start_worker(env={**pipeline_env, "NEWSFLOW_METRICS_PORT": str(free_port())})
    victim.wait_ready()
    survivor.wait_ready()
    assert _publish(pipeline_env, items).returncode == 0

    def kill() -> None:  # as soon as output flows: no clean shutdown, no final commit
        victim.proc.send_signal(signal.SIGKILL)

    want = {f"item-{i}" for i in range(n)}
    seen = asyncio.run(_collect_ids(pipeline_env, want, kill, timeout=240))
    assert victim.proc.wait(timeout=10) == -signal.SIGKILL
    assert seen == want, f"lost {len(want - seen)}: {sorted(want - seen)[:5]}"
