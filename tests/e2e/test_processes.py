"""`newsflow worker --processes 2`: two worker processes share every stage's partitions,
one killed is forked again, each item comes out once, and SIGTERM to the parent stops both."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import DEMO_ITEMS, ROOT
from tests.e2e.test_pipeline import _publish, _read

pytestmark = pytest.mark.broker


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def _children(pid: int) -> list[int]:
    return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def test_two_processes_share_the_work_and_stop_together(pipeline_env, tmp_path):
    env = {**pipeline_env, "NEWSFLOW_PROCESSES": "2"}
    port = int(env["NEWSFLOW_METRICS_PORT"])
    log = (tmp_path / "workers.log").open("wb")
    parent = subprocess.Popen([sys.executable, "-m", "newsflow.cli", "worker"], env=env, cwd=ROOT,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 240
        while not (_ready(port) and _ready(port + 1)) and time.monotonic() < deadline:
            assert parent.poll() is None, (tmp_path / "workers.log").read_text()[-3000:]
            time.sleep(1)
        assert _ready(port) and _ready(port + 1), (tmp_path / "workers.log").read_text()[-3000:]
        with urllib.request.urlopen(f"http://127.0.0.1:{port + 1}/metrics", timeout=5) as r:
            [loaded] = [line for line in r.read().decode().splitlines()
                        if line.startswith('newsflow_model_load_seconds{stage="entities"}')]
        assert float(loaded.split()[-1]) > 0.5  # the parent's load, not the child's instant re-check
        first, second = _children(parent.pid)
        os.kill(second, signal.SIGKILL)  # forked again from the parent, which holds the models
        deadline = time.monotonic() + 120
        while not (_ready(port + 1) and second not in _children(parent.pid)) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _ready(port + 1) and first in _children(parent.pid) and len(_children(parent.pid)) == 2
        assert _publish(env, DEMO_ITEMS).returncode == 0
        articles = asyncio.run(_read(env["NEWSFLOW_BROKER"], env["NEWSFLOW_TOPIC_ENRICHED"], 9, 180))
        assert sorted(a["id"] for a in articles) == sorted({a["id"] for a in articles}) and len(articles) == 9
    finally:
        parent.send_signal(signal.SIGTERM)
        code = parent.wait(timeout=90)
    assert code in (0, -signal.SIGTERM)
    assert not _ready(port) and not _ready(port + 1)
