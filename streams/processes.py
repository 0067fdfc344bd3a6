"""`newsflow worker --processes N`: N worker processes, each a member of every stage's
consumer group, so the stages use every core (one process's stages share one GIL).

The parent loads the models once and forks the children after, as `enrich --jobs` does: a
child starts in a second instead of paying every model's load again, its model arrays are
the parent's pages (copy on write), and a child that dies is forked again as fast. The parent
joins no group: it restarts a dead child (with a growing delay) and passes SIGTERM/SIGINT on,
so stopping the parent stops them all within their own shutdown deadline. Child i serves its
metrics on the base port + i.
"""
from __future__ import annotations

import dataclasses
import gc
import logging
import os
import signal
import time
from typing import Mapping, Optional, Sequence

from newsflow.agents import build_stages
from newsflow.agents.stage import Stage, warm_up
from newsflow.streams.config import Settings

log = logging.getLogger("newsflow.processes")

_MAX_RESTART_DELAY = 30.0


def _fork(settings: Settings, stages: Sequence[str], built: Mapping[str, Stage], index: int) -> int:
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:  # the child: never returns into the parent's loop
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, signal.SIG_DFL)
        from newsflow.streams.worker import run_worker

        run_worker(dataclasses.replace(settings, metrics_port=settings.metrics_port + index, processes=1),
                   stages, built=built)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    except BaseException:
        log.exception("worker process failed", extra={"index": index})
    finally:
        logging.shutdown()
        os._exit(code)


def _exit_code(pid: int, block: bool) -> Optional[int]:
    """The child's exit code, or None while it runs."""
    done, status = os.waitpid(pid, 0 if block else os.WNOHANG)
    return os.waitstatus_to_exitcode(status) if done else None


def run_processes(settings: Settings, stages: Sequence[str], count: int) -> int:
    built = build_stages(stages, settings)
    warm_up(built.values())
    gc.freeze()  # the models' objects: a child's full collections would touch, so copy, their pages
    children = [_fork(settings, stages, built, i) for i in range(count)]
    delays = [1.0] * count
    stopping = False

    def stop(signum, _frame) -> None:
        nonlocal stopping
        stopping = True
        for pid in children:
            try:
                os.kill(pid, signum)
            except ProcessLookupError:  # exited meanwhile; its restart is skipped
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("started worker processes", extra={"processes": count, "pids": children})
    exited: dict[int, int] = {}  # children reaped once stopping began: their codes
    while not stopping:
        for i, pid in enumerate(children):
            code = _exit_code(pid, block=False)
            if code is None:
                continue
            if not stopping:
                log.error("worker process exited; restarting", extra={"index": i, "code": code, "delay_s": delays[i]})
                time.sleep(delays[i])
                delays[i] = min(delays[i] * 2, _MAX_RESTART_DELAY)
            if stopping:  # a signal came meanwhile: no restart, and this child is not waited for again
                exited[pid] = code
                continue
            children[i] = _fork(settings, stages, built, i)
        time.sleep(0.5)
    return max((exited[pid] if pid in exited else _exit_code(pid, block=True) or 0 for pid in children), default=0)
