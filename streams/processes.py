"""`newsflow worker --processes N`: N worker processes, each a member of every stage's
consumer group, so the stages use every core (one process's stages share one GIL).

The parent loads no model and joins no group: it starts the children, restarts one that dies
(with a growing delay), and passes SIGTERM/SIGINT on, so stopping the parent stops them all
within their own shutdown deadline. Child i serves its metrics on the base port + i.
"""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from typing import Optional, Sequence

from newsflow.streams.config import Settings

log = logging.getLogger("newsflow.processes")

_MAX_RESTART_DELAY = 30.0


def _spawn(settings: Settings, stages: Sequence[str], index: int) -> subprocess.Popen:
    env = {**os.environ, "NEWSFLOW_METRICS_PORT": str(settings.metrics_port + index), "NEWSFLOW_PROCESSES": "1"}
    args = [sys.executable, "-m", "newsflow.cli", "worker", "--stages", ",".join(stages)]
    return subprocess.Popen(args, env=env)


def run_processes(settings: Settings, stages: Sequence[str], count: int) -> int:
    children: list[Optional[subprocess.Popen]] = [_spawn(settings, stages, i) for i in range(count)]
    delays = [1.0] * count
    stopping = False

    def stop(signum, _frame) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            if child is not None and child.poll() is None:
                child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("started worker processes", extra={"processes": count, "pids": [c.pid for c in children if c]})
    while True:
        if stopping:
            codes = [c.wait() for c in children if c is not None]
            return max(codes, default=0)
        for i, child in enumerate(children):
            if child is not None and child.poll() is not None and not stopping:
                log.error("worker process exited; restarting", extra={"index": i, "code": child.returncode,
                                                                      "delay_s": delays[i]})
                time.sleep(delays[i])
                delays[i] = min(delays[i] * 2, _MAX_RESTART_DELAY)
                children[i] = _spawn(settings, stages, i)
        time.sleep(0.5)
