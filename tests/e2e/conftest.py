"""One real Kafka broker per test session: the embedded KRaft broker from deploy/kafka.

If NEWSFLOW_TEST_BROKER is set, that broker is used as is; otherwise the embedded one is
started (idempotent) and stopped at the end if this session started it. Every topic a test
creates carries its run id and is deleted after the test; the session checks none is left.
"""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from newsflow.streams.admin import admin_client
from newsflow.streams.config import Settings
from tests.conftest import ROOT as REPO_ROOT
from newsflow.deploy.kafka.nodes import free_port



async def _topics_of(bootstrap: str, marks: list[str], delete: bool) -> list[str]:
    """Topics whose names carry one of the run ids; deleted when `delete`."""
    admin = admin_client(Settings(broker=bootstrap), request_timeout_ms=30000)
    await admin.start()
    try:
        found = [t for t in await admin.list_topics() if any(m in t for m in marks)]
        if delete and found:
            await admin.delete_topics(found)
        return found
    finally:
        await admin.close()


@pytest.fixture(scope="session")
def run_ids() -> list[str]:
    return []


@pytest.fixture(scope="session")
def broker(run_ids) -> str:
    external = os.environ.get("NEWSFLOW_TEST_BROKER")
    if external:
        yield external
        return
    from newsflow import broker as embedded

    settings = Settings.from_env()
    started = not embedded.is_reachable(settings)
    if started:
        assert embedded.run("start", settings) == 0, "embedded Kafka broker failed to start"
    yield settings.broker
    left = asyncio.run(_topics_of(settings.broker, run_ids, delete=False)) if run_ids else []
    if started:
        embedded.run("stop", settings)
    assert not left, f"tests left topics behind: {left}"


@pytest.fixture
def pipeline_env(broker, tmp_path, run_ids) -> dict[str, str]:
    """Fresh topics, group and metrics port per test, so tests never see each other's records;
    the topics (ours and Faust's own, all named after the run id) are deleted afterwards."""
    run = uuid.uuid4().hex[:10]
    run_ids.append(run)
    yield {
        **os.environ,
        "NEWSFLOW_BROKER": broker,
        "NEWSFLOW_APP_ID": f"newsflow-test-{run}",
        "NEWSFLOW_TOPIC_RAW": f"raw-items-{run}",
        "NEWSFLOW_TOPIC_ENRICHED": f"enriched-articles-{run}",
        "NEWSFLOW_TOPIC_DEAD": f"dead-letters-{run}",
        "NEWSFLOW_TOPIC_STORIES": f"stories-{run}",  # the demo runs the stories stage
        "NEWSFLOW_TOPIC_PREFIX": f"newsflow-{run}.",
        "NEWSFLOW_PARTITIONS": "2",
        "NEWSFLOW_PROCESSES": "1",
        "NEWSFLOW_METRICS_PORT": str(free_port()),
        "NEWSFLOW_SESSION_TIMEOUT": "10",
        "NEWSFLOW_STATE_DIR": str(tmp_path / "state"),
        "NEWSFLOW_LOG_FORMAT": "json",
    }
    asyncio.run(_topics_of(broker, [run], delete=True))


class Worker:
    def __init__(self, env: dict[str, str], log: Path, *args: str):
        self.env, self.log = env, log
        self.port = int(env["NEWSFLOW_METRICS_PORT"])
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "newsflow.cli", "worker", *args],
            env=env, cwd=REPO_ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        )

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def wait_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"worker exited:\n{self.log.read_text()[-4000:]}"
            try:
                if self.get("/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"worker not ready in {timeout}s:\n{self.log.read_text()[-4000:]}")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


@pytest.fixture
def start_worker(pipeline_env, tmp_path):
    workers: list[Worker] = []

    def start(*args: str, env: dict[str, str] | None = None) -> Worker:
        w = Worker(env or pipeline_env, tmp_path / f"worker-{len(workers)}.log", *args)
        workers.append(w)
        return w

    yield start
    for w in workers:
        w.stop()
