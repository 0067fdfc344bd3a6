"""Kafka clients as the settings make them: every client newsflow creates connects through
`connection()` (TLS, SASL), topics are created with the admin API before anything produces
to or reads them (the broker does not auto-create them; each gets newsflow's partitions,
compression, size limit and retention, not the broker's defaults), and producers and
consumers are sized to those topics."""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import ssl
from pathlib import Path
from typing import Any, NamedTuple, Optional

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.conn import create_conn
from aiokafka.errors import KafkaConnectionError, KafkaError, TopicAlreadyExistsError, TopicAuthorizationFailedError
from aiokafka.helpers import create_ssl_context

from newsflow.streams.config import Settings
from newsflow.streams.topics import partitions_of, topic_config, topic_names

log = logging.getLogger("newsflow.admin")


class BrokerRefused(KafkaConnectionError):
    """The broker answered but the TLS handshake or the SASL authentication failed: retrying
    cannot help, so the command stops with this one line instead."""


def connection(s: Settings) -> dict[str, Any]:
    """The keyword arguments every aiokafka client newsflow creates gets: where the brokers
    are and how to secure and authenticate the connection."""
    kwargs: dict[str, Any] = {"bootstrap_servers": s.bootstrap, "security_protocol": s.security_protocol,
                              "client_id": client_id(s)}
    if s.security_protocol.endswith("SSL"):
        kwargs["ssl_context"] = _ssl_context(s)
    if s.security_protocol.startswith("SASL_"):
        user, password = s.sasl_credentials
        kwargs.update(sasl_mechanism=s.sasl_mechanism, sasl_plain_username=user, sasl_plain_password=password)
    return kwargs


def client_id(s: Settings) -> str:
    """Names this process in the broker's group listings (`newsflow status`, kafka-consumer-groups)."""
    return f"{s.app_id}-{socket.gethostname()}-{os.getpid()}"


def _ssl_context(s: Settings) -> ssl.SSLContext:
    for name in ("ssl_cafile", "ssl_certfile", "ssl_keyfile"):
        path = getattr(s, name)
        if path and not Path(path).is_file():
            raise ValueError(f"NEWSFLOW_{name.upper()}: no file {path}")
    try:
        context = create_ssl_context(cafile=s.ssl_cafile or None, certfile=s.ssl_certfile or None,
                                     keyfile=s.ssl_keyfile or None, password=s.ssl_key_password or None)
    except ssl.SSLError as exc:  # a PEM that is not one, a key that does not match or a wrong key password
        raise ValueError(f"cannot load the TLS files (NEWSFLOW_SSL_*): {exc.reason or exc}") from None
    context.check_hostname = s.ssl_check_hostname
    return context


async def connect(client: Any, s: Settings) -> None:
    """Starts an aiokafka client; a broker that refuses the credentials or the certificate is a
    `BrokerRefused` naming why, not a bare "unable to bootstrap"."""
    try:
        await client.start()
    except KafkaConnectionError as exc:
        reason = await refusal(s)
        if reason:
            raise BrokerRefused(f"the broker at {s.broker_shown} refused the connection: {reason}") from exc
        raise


async def refusal(s: Settings) -> Optional[str]:
    """Why the first broker refuses a connection made with these settings, or None when it
    accepts it or does not answer at all."""
    host, _, port = s.bootstrap[0].rpartition(":")
    kwargs = connection(s)
    del kwargs["bootstrap_servers"]
    try:
        conn = await create_conn(host, int(port), request_timeout_ms=10000, **kwargs)
    except ssl.SSLError as exc:
        return f"TLS handshake failed ({exc.reason or exc}); check NEWSFLOW_SSL_CAFILE and NEWSFLOW_SECURITY_PROTOCOL"
    except KafkaError as exc:  # the broker's own words, e.g. "invalid credentials with SASL mechanism ..."
        said = exc.args[0] if exc.args else exc.description
        return f"authentication of user {kwargs.get('sasl_plain_username')!r} failed: {said}"
    except (OSError, asyncio.TimeoutError):
        return None
    conn.close()
    return None


def admin_client(s: Settings, **extra: Any) -> AIOKafkaAdminClient:
    return AIOKafkaAdminClient(**{"request_timeout_ms": 15000, **connection(s), **extra})


async def ensure_topics(s: Settings) -> list[str]:
    """Creates missing topics; returns the names it created. A topic this principal may not see
    or create (ACLs: a crawler may only write `raw-items`) is left to one that may."""
    admin = admin_client(s)
    await connect(admin, s)
    try:
        existing = set(await admin.list_topics())
        missing = [n for n in topic_names(s) if n not in existing]
        created = []
        if missing:
            response = await admin.create_topics(
                [NewTopic(n, num_partitions=partitions_of(s, n), replication_factor=s.replication_factor,
                          topic_configs=topic_config(s, n))
                 for n in missing]
            )
            for name, code, *message in response.topic_errors:
                if code == 0:
                    created.append(name)
                # Already there: another worker won the race.
                elif code not in (TopicAlreadyExistsError.errno, TopicAuthorizationFailedError.errno):
                    raise RuntimeError(f"cannot create topic {name}: error {code} {message[-1] if message else ''}")
            if created:
                log.info("created topics", extra={"topics": created, "partitions": s.partitions})
        return created
    finally:
        await admin.close()


async def delete_topics(s: Settings, names: list[str]) -> None:
    """For tests and benchmarks that create topics of their own."""
    admin = admin_client(s)
    await connect(admin, s)
    try:
        existing = set(await admin.list_topics())
        gone = [n for n in names if n in existing]
        if gone:
            await admin.delete_topics(gone)
    finally:
        await admin.close()


def producer(s: Settings, **extra: Any) -> AIOKafkaProducer:
    """Idempotent and acks=all; `transactional_id` in `extra` makes it transactional."""
    return AIOKafkaProducer(**{
        "acks": "all", "enable_idempotence": True, "max_request_size": s.max_message_bytes,
        "compression_type": s.producer_compression, **connection(s), **extra,
    })


def consumer(s: Settings, *topics: str, **extra: Any) -> AIOKafkaConsumer:
    """Reads committed records only; fetches take the largest record a topic holds."""
    return AIOKafkaConsumer(*topics, **{
        "enable_auto_commit": False, "isolation_level": "read_committed",
        "max_partition_fetch_bytes": s.max_message_bytes, "fetch_max_bytes": s.max_message_bytes,
        **connection(s), **extra,
    })


class TopicDetail(NamedTuple):
    name: str
    partitions: int
    replicas: int  # replication factor (replicas of the first partition)
    configs: dict[str, str]  # the configs newsflow sets (`topics.topic_config`), as the broker has them


async def describe_topics(admin: AIOKafkaAdminClient, s: Settings) -> list[TopicDetail]:
    """newsflow's topics that exist, in flow order, with the broker's values of the configs
    newsflow sets: a topic created by hand or by an older release shows where it differs."""
    existing = set(await admin.list_topics())
    names = [n for n in topic_names(s) if n in existing]
    if not names:
        return []
    described = {d["topic"]: d for d in await admin.describe_topics(names) if not d.get("error_code")}
    wanted = {n: ConfigResource(ConfigResourceType.TOPIC, n, dict.fromkeys(topic_config(s, n))) for n in described}
    configs: dict[str, dict[str, str]] = {}
    for response in await admin.describe_configs(list(wanted.values())):
        for resource in response.to_object()["resources"]:
            configs[resource["resource_name"]] = {e["config_names"]: e["config_value"]
                                                  for e in resource["config_entries"]}
    return [TopicDetail(n, len(described[n]["partitions"]),
                        len(described[n]["partitions"][0]["replicas"]) if described[n]["partitions"] else 0,
                        configs.get(n, {}))
            for n in names if n in described]
