"""Running the Faust worker: topics first, then the agents of the selected stages.

Shutdown is bounded: SIGTERM starts a deadline (`shutdown_timeout`), and a worker still alive
when it passes exits anyway. A stage thread cannot be interrupted and Python waits for it at
exit, so without the deadline a long batch holds the process; what it leaves unwritten stays
uncommitted (its transaction is aborted, or fenced off by the partition's next holder)."""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
from typing import Mapping, Optional, Sequence

import faust

from newsflow.agents.stage import Stage
from newsflow.streams.admin import ensure_topics
from newsflow.streams.config import Settings
from newsflow.streams.topology import build

log = logging.getLogger("newsflow.worker")


def logging_config(level: str, fmt: str, error_filter: Optional[logging.Filter] = None) -> dict:
    formatter = {"()": "newsflow.logs.JsonFormatter"} if fmt == "json" else {
        "format": "%(asctime)s %(levelname)s %(name)s %(message)s"
    }
    handler = {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "default"}
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "handlers": {"stderr": handler},
        "root": {"level": level.upper(), "handlers": ["stderr"]},
    }
    if error_filter is not None:
        config["filters"] = {"repeats": {"()": lambda: error_filter}}
        handler["filters"] = ["repeats"]
    return config


def _exit_at_deadline(seconds: float) -> None:
    log.warning("shutdown deadline passed; abandoning in-flight work (left uncommitted)",
                extra={"shutdown_timeout_s": seconds})
    logging.shutdown()
    os._exit(0)


class _BoundedWorker(faust.Worker):
    shutdown_timeout = 10.0
    _deadline: Optional[threading.Timer] = None

    def _schedule_shutdown(self, signal: signal.Signals) -> None:  # mode's hook for SIGTERM and SIGINT
        if self._deadline is None:
            self._deadline = threading.Timer(self.shutdown_timeout, _exit_at_deadline, (self.shutdown_timeout,))
            self._deadline.daemon = True
            self._deadline.start()
        super()._schedule_shutdown(signal)


def run_worker(settings: Settings, stages: Optional[Sequence[str]] = None,
               built: Optional[Mapping[str, Stage]] = None) -> None:
    """`built`: stages whose models are loaded already (a forked worker process's)."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    # Until the Faust worker takes SIGTERM over, its default action ends the process at once.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    loop.run_until_complete(ensure_topics(settings))
    app = build(settings, stages, built=built)
    worker = _BoundedWorker(
        app,
        loop=loop,
        loglevel=settings.log_level,
        logging_config=logging_config(settings.log_level, settings.log_format, app.error_log),
        redirect_stdouts=False,
    )
    worker.shutdown_timeout = settings.shutdown_timeout
    worker.execute_from_commandline()
