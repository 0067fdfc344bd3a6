"""Kafka nodes of one's own: `kafka.sh` on free ports with a state dir of its own, one node or
a three-node KRaft cluster, for the tests and benchmarks that stop or kill brokers (the
shared broker is never touched). The jars are shared with the default state dir."""
from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

from newsflow.streams.config import Settings

KAFKA_SH = Path(__file__).resolve().parent / "kafka.sh"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnBroker:
    def __init__(self, state: Path, nodes: int = 1):
        libs = Path(Settings.from_env().state_dir) / "kafka" / "libs"
        (state / "kafka").mkdir(parents=True)
        (state / "kafka" / "libs").symlink_to(libs)
        self.ports = [free_port() for _ in range(2 * nodes)]
        self.env = {**os.environ, "NEWSFLOW_STATE_DIR": str(state), "NEWSFLOW_KAFKA_HEAP": "-Xms128m -Xmx384m",
                    "NEWSFLOW_KAFKA_NODES": str(nodes)}
        self.env.pop("NEWSFLOW_KAFKA_SECURE", None)
        self.env.update(_node_ports(self.ports, nodes))
        self.bootstrap = ",".join(f"127.0.0.1:{p}" for p in self.ports[:nodes])

    def __call__(self, *args: str) -> None:
        """kafka.sh start | stop | kill NODE, on these nodes; raises with its stderr on failure."""
        done = subprocess.run(["bash", str(KAFKA_SH), *args], env=self.env, capture_output=True, text=True, timeout=180)
        if done.returncode != 0:
            raise RuntimeError(f"kafka.sh {' '.join(args)}: {done.stderr[-3000:]}")


def _node_ports(ports: list[int], nodes: int) -> dict[str, str]:
    """Node i listens on NEWSFLOW_KAFKA_PORT_<i> and NEWSFLOW_KAFKA_CONTROLLER_PORT_<i>."""
    if nodes == 1:
        return {"NEWSFLOW_KAFKA_PORT": str(ports[0]), "NEWSFLOW_KAFKA_CONTROLLER_PORT": str(ports[1])}
    return {**{f"NEWSFLOW_KAFKA_PORT_{i}": str(ports[i]) for i in range(nodes)},
            **{f"NEWSFLOW_KAFKA_CONTROLLER_PORT_{i}": str(ports[nodes + i]) for i in range(nodes)}}
