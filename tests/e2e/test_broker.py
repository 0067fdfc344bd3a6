"""The pinned aiokafka against the pinned Kafka: produce, groups, transactions."""
import subprocess
import sys

import pytest

from tests.conftest import ROOT as REPO_ROOT

pytestmark = pytest.mark.broker


def test_aiokafka_speaks_to_the_broker(broker):
    # One retry: on a broker started seconds ago, on a loaded machine, the first consumer
    # group can time out while Kafka is still creating its offsets topic. A real
    # incompatibility fails both attempts (both outputs are shown).
    outputs = []
    for _ in range(2):
        check = subprocess.run(
            [sys.executable, str(REPO_ROOT / "deploy" / "kafka" / "smoke_check.py"), "--bootstrap", broker],
            capture_output=True, text=True, timeout=180,
        )
        if check.returncode == 0:
            return
        outputs.append(check.stdout + check.stderr)
    raise AssertionError("\n---\n".join(outputs))


def test_broker_status_reports_running(broker):
    from newsflow import broker as embedded
    from newsflow.streams.config import Settings

    settings = Settings.from_env()
    if broker != settings.broker:
        pytest.skip("an external broker is in use")
    assert embedded.is_reachable(settings)
    assert embedded.run("status", settings, quiet=True) == 0


def test_the_embedded_broker_runs_the_client_compiler_only(broker):
    """It shares the cores with the workers: the server compiler's compiling cost more broker
    CPU than it saved (README, broker section)."""
    import os
    from pathlib import Path

    from newsflow.streams.config import Settings

    settings = Settings.from_env()
    if broker != settings.broker or "NEWSFLOW_KAFKA_JIT" in os.environ:
        pytest.skip("an external broker, or JIT options of the user's")
    pid = (Path(settings.state_dir) / "kafka" / "kafka.pid").read_text().split()[0]
    args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    assert b"-XX:TieredStopAtLevel=1" in args
