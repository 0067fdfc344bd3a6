"""The Faust app: the worker's lifecycle and web endpoints (/metrics, /healthz, /readyz). The
stage agents run as its tasks with Kafka clients of their own (streams/stage_agent.py)."""
from __future__ import annotations

import asyncio
from pathlib import Path

import faust
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from newsflow.streams.config import Settings
from newsflow.streams.metrics import register_process_metrics

# How often the event loop's lag is sampled: often enough to catch a model holding the GIL.
LOOP_LAG_INTERVAL = 0.5


def create_app(settings: Settings, registry: CollectorRegistry) -> faust.App:
    datadir = Path(settings.state_dir) / "faust" / settings.app_id
    datadir.parent.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        settings.app_id,
        broker=settings.broker_urls,
        store="memory://",
        datadir=str(datadir),
        autodiscover=False,
        web_enabled=True,
        web_bind=settings.metrics_host,
        web_host=settings.metrics_host,
        web_port=settings.metrics_port,
    )

    # Faust's own consumer and producer stay off: each StageAgent has Kafka clients of its own
    # (transactions per input partition) and registers here for /readyz.
    app.boot_strategy = faust.app.base.BootStrategy(app, enable_kafka=False)
    app.stage_agents = []
    loop_lag = register_process_metrics(registry, settings)

    @app.task
    async def measure_loop_lag():
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            await asyncio.sleep(LOOP_LAG_INTERVAL)
            loop_lag.observe(max(0.0, loop.time() - started - LOOP_LAG_INTERVAL))

    @app.page("/metrics")
    async def metrics(self, request):
        return self.bytes(generate_latest(registry), content_type=CONTENT_TYPE_LATEST.split(";")[0])

    @app.page("/healthz")
    async def healthz(self, request):
        return self.json({"status": "ok"})

    @app.page("/readyz")
    async def readyz(self, request):
        # Models are loaded before the web server starts, so ready = consuming.
        assigned = {a.stage.name: sorted(tp.partition for tp in a.assignment) for a in app.stage_agents}
        ready = any(assigned.values())
        return self.json({"ready": ready, "assigned": assigned}, status=200 if ready else 503)

    return app
