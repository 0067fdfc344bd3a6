"""`newsflow broker start|stop|status`: the embedded single-node KRaft broker."""
from __future__ import annotations

import os
import subprocess

from streams.config import REPO_ROOT, Settings

SCRIPT = REPO_ROOT / "deploy" / "kafka" / "kafka.sh"


def port_of(settings: Settings) -> str:
    return settings.bootstrap[0].rsplit(":", 1)[-1]


def run(action: str, settings: Settings, *, quiet: bool = False) -> int:
    env = {
        **os.environ,
        "NEWSFLOW_STATE_DIR": settings.state_dir,
        "NEWSFLOW_KAFKA_PORT": os.environ.get("NEWSFLOW_KAFKA_PORT", port_of(settings)),
    }
    out = subprocess.DEVNULL if quiet else None
    return subprocess.run(["bash", str(SCRIPT), action], env=env, stdout=out).returncode


def is_running(settings: Settings) -> bool:
    return run("status", settings, quiet=True) == 0
