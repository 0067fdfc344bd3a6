"""Honest health and bounded shutdown, through a broker of the test's own (the shared broker
is never stopped): /readyz follows the broker, and SIGTERM ends a worker within its deadline."""
from __future__ import annotations

import asyncio
import json
import signal
import time

import pytest

from newsflow.deploy.kafka.nodes import OwnBroker, free_port
from tests.e2e.test_delivery import _account, _assert_exactly_once, _items
from tests.e2e.test_pipeline import _publish

pytestmark = pytest.mark.broker


@pytest.fixture
def own_broker(tmp_path):
    b = OwnBroker(tmp_path / "own-broker")
    b("start")
    yield b
    b("stop")


def _readyz(worker) -> tuple[int, dict]:
    try:
        code, body = worker.get("/readyz")
    except OSError as exc:
        return 0, {"error": str(exc)}
    return code, json.loads(body)


def _wait_for(check, timeout: float, what: str, worker):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"{what} not within {timeout}s:\n{worker.log.read_text()[-3000:]}")


def test_readyz_follows_the_broker_and_the_flow_resumes(own_broker, pipeline_env, start_worker, tmp_path):
    env = {**pipeline_env, "NEWSFLOW_BROKER": own_broker.bootstrap, "NEWSFLOW_BROKER_TIMEOUT": "3"}
    worker = start_worker(env=env)
    worker.wait_ready()
    own_broker("stop")
    stopped = time.monotonic()
    code, body = _wait_for(lambda: (lambda r: r if r[0] == 503 else None)(_readyz(worker)), 15, "503", worker)
    assert any(r.startswith("broker unreachable") for r in body["reasons"]), body
    time.sleep(max(0.0, 20 - (time.monotonic() - stopped)))  # an outage of 20 s, logged
    log_lines = len(worker.log.read_text().splitlines())
    own_broker("start")
    worker.wait_ready(timeout=120)
    assert _readyz(worker)[1]["reasons"] == []

    path = tmp_path / "after.jsonl"
    path.write_text(json.dumps({"id": "after-recovery", "text": "Boris Tadic spoke in Belgrade on Tuesday."}) + "\n")
    assert _publish(env, path).returncode == 0
    enriched, dead = asyncio.run(_account(env, {"after-recovery"}, timeout=120))
    assert [a["id"] for a in enriched] == ["after-recovery"] and not dead
    assert log_lines < 200, f"{log_lines} log lines for a 20 s outage"  # repeats held back, not a flood
    metrics = worker.get("/metrics")[1].decode()
    assert "newsflow_errors_total{" in metrics


def test_sigterm_mid_run_exits_within_the_deadline_and_a_restart_delivers_each_id_once(
        pipeline_env, start_worker, tmp_path):
    env = {**pipeline_env, "NEWSFLOW_SHUTDOWN_TIMEOUT": "5"}
    want, path = _items(tmp_path, 200)
    first = start_worker(env=env)
    first.wait_ready()
    assert _publish(env, path).returncode == 0
    timings = []

    def stop_then_restart(done: int) -> None:
        if done >= 20 and not timings:
            sent = time.monotonic()
            first.proc.send_signal(signal.SIGTERM)
            first.proc.wait(timeout=60)
            timings.append(time.monotonic() - sent)
            start_worker(env={**env, "NEWSFLOW_METRICS_PORT": str(free_port())})

    enriched, dead = asyncio.run(_account(env, want, timeout=300, on_progress=stop_then_restart))
    assert timings and timings[0] < 5 + 3, f"stopped after {timings[0]:.1f}s"
    _assert_exactly_once(want, enriched, dead)


def test_sigterm_during_start_up_exits_within_the_deadline(pipeline_env, start_worker):
    worker = start_worker(env={**pipeline_env, "NEWSFLOW_SHUTDOWN_TIMEOUT": "5"})
    time.sleep(4)  # importing and loading the models
    assert _readyz(worker)[0] != 200  # still starting
    sent = time.monotonic()
    worker.proc.send_signal(signal.SIGTERM)
    worker.proc.wait(timeout=60)
    assert time.monotonic() - sent < 5 + 3
