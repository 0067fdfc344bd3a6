"""`newsflow broker start|stop|status|reset|tools`: the embedded single-node KRaft broker;
`start` records the address it listens on in the state dir and `status` prints it; `tools`
runs Kafka's own commands (kafka-topics, kafka-consumer-groups, ...) against it."""
from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import newsflow.deploy

from newsflow.streams.config import Settings

SCRIPT = Path(newsflow.deploy.__file__).resolve().parent / "kafka" / "kafka.sh"


def port_of(settings: Settings) -> str:
    return settings.bootstrap[0].rsplit(":", 1)[-1]


def address_file(settings: Settings) -> Path:
    return Path(settings.state_dir) / "kafka" / "address"


def recorded_address(settings: Settings) -> str | None:
    """Where the embedded broker was last started (clients started later with other settings
    can be pointed there: `--broker $(cat .../kafka/address)`)."""
    path = address_file(settings)
    return path.read_text().strip() if path.is_file() else None


def run(action: str, settings: Settings, *args: str, quiet: bool = False) -> int:
    """`args` go on to kafka.sh: `run("tools", s, "kafka-consumer-groups", "--list")`."""
    env = {
        **os.environ,
        "NEWSFLOW_STATE_DIR": settings.state_dir,
        "NEWSFLOW_KAFKA_PORT": port_of(settings),  # the embedded broker listens where NEWSFLOW_BROKER points
    }
    out = subprocess.DEVNULL if quiet else None
    if action == "status" and not quiet and recorded_address(settings):
        print(f"address {recorded_address(settings)} (recorded at start in {address_file(settings)})")
    code = subprocess.run(["bash", str(SCRIPT), action, *args], env=env, stdout=out).returncode
    if action == "start" and code == 0 and is_reachable(settings):
        address_file(settings).parent.mkdir(parents=True, exist_ok=True)
        address_file(settings).write_text(f"127.0.0.1:{port_of(settings)}\n")  # kafka.sh listens on 127.0.0.1
    return code


def is_reachable(settings: Settings, timeout: float = 2.0) -> bool:
    """Whether some broker (embedded or not) answers at the configured address."""
    host, _, port = settings.bootstrap[0].rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout):
            return True
    except OSError:
        return False
