"""Operators' commands on the real broker: `status` shows each stage's lag draining to zero,
its workers, topic configs and recent dead letters; `replay` sends a dead letter's bytes back
to the topic it came from once, however often it runs; `topics` creates and describes."""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time

import pytest

from newsflow.streams.config import Settings
from tests.conftest import ROOT
from tests.e2e.test_pipeline import _publish, _read

pytestmark = pytest.mark.broker


def _cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsflow.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def _lags(env: dict) -> dict[str, int]:
    stages = json.loads(_cli(env, "status", "--json").stdout)["stages"]
    return {st["stage"]: st["lag"] for st in stages}


def test_status_and_replay(pipeline_env, start_worker, tmp_path):
    before = _cli(pipeline_env, "status")
    assert before.returncode == 3 and "missing" in before.stdout  # nothing created yet

    items = tmp_path / "items.jsonl"
    items.write_text(json.dumps({"id": "ok-1", "text": "The talks in Vienna ended without a deal on Tuesday."})
                     + "\n" + '{"id": "bad-1", "text": "cut off\n')
    assert _publish(pipeline_env, items).returncode == 0
    assert _lags(pipeline_env)["enrich"] == 2  # no worker yet: both items wait at the first agent

    worker = start_worker()
    worker.wait_ready()
    bootstrap, dead = pipeline_env["NEWSFLOW_BROKER"], pipeline_env["NEWSFLOW_TOPIC_DEAD"]
    [letter] = asyncio.run(_read(bootstrap, dead, 1, 120))
    [article] = asyncio.run(_read(bootstrap, pipeline_env["NEWSFLOW_TOPIC_ENRICHED"], 1, 120))
    assert letter["reason"] == "invalid-json" and article["id"] == "ok-1"
    deadline = time.monotonic() + 60
    while any(_lags(pipeline_env).values()) and time.monotonic() < deadline:
        time.sleep(1)
    assert _lags(pipeline_env) == {"enrich": 0}

    table = _cli(pipeline_env, "status")
    assert table.returncode == 0, table.stderr
    assert "dead letters: 1" in table.stdout and "last hour by reason: invalid-json 1" in table.stdout
    assert f"last error in {letter['stage']}: " in table.stdout and "invalid-json (item bad-1)" in table.stdout
    facts = json.loads(_cli(pipeline_env, "status", "--json").stdout)
    settings = Settings.from_env(pipeline_env)
    assert {t["name"]: t["configs"] for t in facts["topics"]} == {
        t["name"]: settings.topic_config(t["name"]) for t in facts["topics"]}
    assert all(len(st["workers"]) == 1 for st in facts["stages"])  # the one worker holds every stage's group
    assert facts["last_error"][letter["stage"]]["reason"] == "invalid-json"

    dry = _cli(pipeline_env, "replay", "--reason", "invalid-json", "--dry-run")
    assert dry.returncode == 0 and "would send 1," in dry.stderr, dry.stderr
    later = _cli(pipeline_env, "replay", "--since", "2100-01-01T00:00")
    assert later.returncode == 0 and "sent 0, 0 already replayed" in later.stderr, later.stderr
    done = _cli(pipeline_env, "replay", "--reason", "invalid-json", "--since", "1h")
    assert done.returncode == 0 and "sent 1, 0 already replayed" in done.stderr, done.stderr
    letters = asyncio.run(_read(bootstrap, dead, 2, 120))
    assert [l["reason"] for l in letters] == ["invalid-json", "invalid-json"]
    assert letters[0]["payload_b64"] == letters[1]["payload_b64"]  # the same bytes went round again

    # With no worker to refuse the item again, the letters stay two: the first is never sent
    # again; the second (its replay's own letter) is new and goes once.
    worker.stop()
    again = _cli(pipeline_env, "replay", "--reason", "invalid-json")
    assert again.returncode == 0 and "sent 1, 1 already replayed" in again.stderr, again.stderr
    twice = _cli(pipeline_env, "replay", "--reason", "invalid-json")
    assert "sent 0, 2 already replayed" in twice.stderr, twice.stderr
    assert _lags(pipeline_env)["enrich"] == 1  # the bytes sent once, not twice


def test_topics_create_and_describe(pipeline_env):
    absent = _cli(pipeline_env, "topics", "describe")
    assert absent.returncode == 3 and absent.stdout.count("missing") == 3, absent.stdout  # raw, enriched, dead
    made = _cli(pipeline_env, "topics", "create")
    assert made.returncode == 0 and "created 3 topics" in made.stderr, made.stderr
    again = _cli(pipeline_env, "topics", "create")
    assert again.returncode == 0 and "(all there)" in again.stderr
    rows = {l.split()[0]: l.split() for l in again.stdout.splitlines()[1:]}
    settings = Settings.from_env(pipeline_env)
    assert rows[settings.topic_raw][1:3] == ["2", "1"]  # partitions (NEWSFLOW_PARTITIONS) and replicas
    assert rows[settings.topic_dead][5] == f"{max(settings.dead_retention_hours, 168)}h"
