"""A replicated cluster survives a broker loss: three KRaft nodes of the test's own
(replication factor 3, min.insync.replicas 2), one killed with -9 mid-run and started again
later; every id is enriched once or dead-lettered."""
from __future__ import annotations

import asyncio

import pytest

from tests.e2e.test_delivery import _account, _assert_exactly_once, _items
from newsflow.deploy.kafka.nodes import OwnBroker
from tests.e2e.test_pipeline import _publish

pytestmark = pytest.mark.broker


@pytest.fixture
def cluster(tmp_path):
    nodes = OwnBroker(tmp_path / "cluster", nodes=3)
    nodes("start")
    yield nodes
    nodes("stop")


def test_a_broker_killed_mid_run_loses_and_duplicates_nothing(cluster, pipeline_env, start_worker, tmp_path):
    env = {**pipeline_env, "NEWSFLOW_BROKER": cluster.bootstrap, "NEWSFLOW_REPLICATION_FACTOR": "3"}
    want, path = _items(tmp_path, 200)
    worker = start_worker(env=env)
    worker.wait_ready(timeout=240)
    assert _publish(env, path).returncode == 0
    faults = []

    def kill_then_restart(done: int) -> None:
        if done >= 30 and not faults:
            cluster("kill", "1")
            faults.append("killed")
        elif done >= 120 and faults == ["killed"]:
            cluster("start")
            faults.append("restarted")

    enriched, dead = asyncio.run(_account(env, want, timeout=400, on_progress=kill_then_restart))
    assert faults == ["killed", "restarted"], (faults, len(enriched))
    _assert_exactly_once(want, enriched, dead)
