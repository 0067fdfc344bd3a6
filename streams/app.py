"""The Faust app: the worker's lifecycle and web endpoints (/metrics, /healthz, /readyz). The
stage agents run as its tasks with Kafka clients of their own (streams/stage_agent.py).

/readyz is honest: not ready while the broker does not answer a metadata request (asked every
`BROKER_PROBE_INTERVAL`) or while no stage holds a partition, with the reasons in the body."""
from __future__ import annotations

import asyncio
from pathlib import Path

import faust
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from newsflow.streams.config import Settings
from newsflow.streams.metrics import RepeatedErrors, register_process_metrics

# How often the event loop's lag is sampled: often enough to catch a model holding the GIL.
LOOP_LAG_INTERVAL = 0.5
BROKER_PROBE_INTERVAL = 2.0


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
    app.broker_error = None  # why the last probe of the broker failed; None when it answered
    app.error_log = RepeatedErrors(registry, settings.error_log_interval)  # the worker's log handler filter
    loop_lag = register_process_metrics(registry, settings)

    @app.task
    async def measure_loop_lag():
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            await asyncio.sleep(LOOP_LAG_INTERVAL)
            loop_lag.observe(max(0.0, loop.time() - started - LOOP_LAG_INTERVAL))

    @app.task
    async def probe_broker():
        while True:
            await asyncio.sleep(BROKER_PROBE_INTERVAL)
            started = [a for a in app.stage_agents if a.started]
            if started:
                app.broker_error = await started[0].broker_error(settings.broker_timeout)

    @app.page("/metrics")
    async def metrics(self, request):
        return self.bytes(generate_latest(registry), content_type=CONTENT_TYPE_LATEST.split(";")[0])

    @app.page("/healthz")
    async def healthz(self, request):
        return self.json({"status": "ok"})

    @app.page("/readyz")
    async def readyz(self, request):
        # Models are loaded before the web server starts, so ready = consuming.
        assigned = {a.name: sorted(tp.partition for tp in a.assignment) for a in app.stage_agents}
        reasons = [] if any(assigned.values()) else ["no partitions assigned"]
        if app.broker_error is not None:
            reasons.append(f"broker unreachable: {app.broker_error}")
        body = {"ready": not reasons, "assigned": assigned, "reasons": reasons}
        return self.json(body, status=503 if reasons else 200)

    return app
