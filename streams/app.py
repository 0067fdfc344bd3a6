"""The Faust app: broker, codecs and the worker's web endpoints (/metrics, /healthz, /readyz)."""
from __future__ import annotations

from pathlib import Path

import faust
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from newsflow.streams.config import Settings


def create_app(settings: Settings, registry: CollectorRegistry) -> faust.App:
    datadir = Path(settings.state_dir) / "faust" / settings.app_id
    datadir.parent.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        settings.app_id,
        broker=settings.broker_urls,
        # Payloads stay bytes: a dead letter must carry exactly what was received, and
        # orjson + msgspec (schemas.codec) do the typed decoding at each stage.
        key_serializer="raw",
        value_serializer="raw",
        store="memory://",
        datadir=str(datadir),
        autodiscover=False,
        topic_partitions=settings.partitions,
        topic_replication_factor=1,
        topic_disable_leader=True,
        producer_acks=-1,
        producer_max_request_size=settings.max_message_bytes,
        producer_compression_type=settings.producer_compression,
        consumer_max_fetch_size=settings.max_message_bytes,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=settings.session_timeout,
        broker_heartbeat_interval=min(3.0, settings.session_timeout / 3),
        web_enabled=True,
        web_bind=settings.metrics_host,
        web_host=settings.metrics_host,
        web_port=settings.metrics_port,
    )

    @app.page("/metrics")
    async def metrics(self, request):
        return self.bytes(generate_latest(registry), content_type=CONTENT_TYPE_LATEST.split(";")[0])

    @app.page("/healthz")
    async def healthz(self, request):
        return self.json({"status": "ok"})

    @app.page("/readyz")
    async def readyz(self, request):
        # Models are loaded before the web server starts, so ready = consuming.
        assigned = bool(app.consumer.assignment()) if app.consumer else False
        ready = assigned and not app.rebalancing
        body = {"ready": ready, "assigned": assigned, "rebalancing": app.rebalancing}
        return self.json(body, status=200 if ready else 503)

    return app
