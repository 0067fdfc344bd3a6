"""`newsflow broker start|stop|status`: the embedded single-node KRaft broker."""
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


def run(action: str, settings: Settings, *, quiet: bool = False) -> int:
    env = {
        **os.environ,
        "NEWSFLOW_STATE_DIR": settings.state_dir,
        "NEWSFLOW_KAFKA_PORT": port_of(settings),  # the embedded broker listens where NEWSFLOW_BROKER points
    }
    out = subprocess.DEVNULL if quiet else None
    return subprocess.run(["bash", str(SCRIPT), action], env=env, stdout=out).returncode


def is_reachable(settings: Settings, timeout: float = 2.0) -> bool:
    """Whether some broker (embedded or not) answers at the configured address."""
    host, _, port = settings.bootstrap[0].rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout):
            return True
    except OSError:
        return False
