"""Running the Faust worker: topics first, then the agents of the selected stages."""
from __future__ import annotations

import asyncio
from typing import Optional, Sequence

import faust

from newsflow.streams.admin import ensure_topics
from newsflow.streams.config import Settings
from newsflow.streams.topology import build


def logging_config(level: str, fmt: str) -> dict:
    formatter = {"()": "newsflow.logs.JsonFormatter"} if fmt == "json" else {
        "format": "%(asctime)s %(levelname)s %(name)s %(message)s"
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "default"}},
        "root": {"level": level.upper(), "handlers": ["stderr"]},
    }


def run_worker(settings: Settings, stages: Optional[Sequence[str]] = None) -> None:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(ensure_topics(settings))
    app = build(settings, stages)
    worker = faust.Worker(
        app,
        loop=loop,
        loglevel=settings.log_level,
        logging_config=logging_config(settings.log_level, settings.log_format),
        redirect_stdouts=False,
    )
    worker.execute_from_commandline()
