"""Operators' commands on the real broker: `status` shows each stage's lag draining to zero,
`replay` sends a dead letter's bytes back to the topic it came from."""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT
from tests.e2e.test_pipeline import _publish, _read

pytestmark = pytest.mark.broker


def _cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsflow.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def _lags(env: dict) -> dict[str, tuple[int, int]]:
    out = _cli(env, "status").stdout
    rows = [l.split() for l in out.splitlines() if l.split() and l.split()[0] in {"extract", "language", "segment", "entities"}]
    return {r[0]: int(r[3]) for r in rows}


def test_status_and_replay(pipeline_env, start_worker, tmp_path):
    before = _cli(pipeline_env, "status")
    assert before.returncode == 3 and "missing" in before.stdout  # nothing created yet

    items = tmp_path / "items.jsonl"
    items.write_text(json.dumps({"id": "ok-1", "text": "The talks in Vienna ended without a deal on Tuesday."})
                     + "\n" + '{"id": "bad-1", "text": "cut off\n')
    assert _publish(pipeline_env, items).returncode == 0
    queued = _lags(pipeline_env)
    assert queued["extract"] == 2  # no worker yet: both items wait at the first stage

    worker = start_worker()
    worker.wait_ready()
    bootstrap = pipeline_env["NEWSFLOW_BROKER"]
    [letter] = asyncio.run(_read(bootstrap, pipeline_env["NEWSFLOW_TOPIC_DEAD"], 1, 120))
    [article] = asyncio.run(_read(bootstrap, pipeline_env["NEWSFLOW_TOPIC_ENRICHED"], 1, 120))
    assert letter["reason"] == "invalid-json" and article["id"] == "ok-1"
    deadline = time.monotonic() + 60
    while any(_lags(pipeline_env).values()) and time.monotonic() < deadline:
        time.sleep(1)
    assert _lags(pipeline_env) == {"extract": 0, "language": 0, "segment": 0, "entities": 0}
    assert "dead letters: 1" in _cli(pipeline_env, "status").stdout

    dry = _cli(pipeline_env, "replay", "--reason", "invalid-json", "--dry-run")
    assert dry.returncode == 0 and "would send 1" in dry.stderr
    done = _cli(pipeline_env, "replay", "--reason", "invalid-json")
    assert done.returncode == 0 and "sent 1" in done.stderr, done.stderr
    letters = asyncio.run(_read(bootstrap, pipeline_env["NEWSFLOW_TOPIC_DEAD"], 2, 120))
    assert [l["reason"] for l in letters] == ["invalid-json", "invalid-json"]
    assert letters[0]["payload_b64"] == letters[1]["payload_b64"]  # the same bytes went round again
