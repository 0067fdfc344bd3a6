"""Kafka clients as the settings make them: topics created with the admin API before anything
produces to or reads them (the broker does not auto-create them; each gets newsflow's
partitions, compression, size limit and retention, not the broker's defaults), and producers
and consumers sized to those topics."""
from __future__ import annotations

import logging
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from newsflow.streams.config import Settings
from newsflow.streams.topics import partitions_of, topic_names

log = logging.getLogger("newsflow.admin")


async def ensure_topics(s: Settings) -> list[str]:
    """Creates missing topics; returns the names it created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=s.bootstrap, request_timeout_ms=15000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [n for n in topic_names(s) if n not in existing]
        if missing:
            response = await admin.create_topics(
                [NewTopic(n, num_partitions=partitions_of(s, n), replication_factor=s.replication_factor,
                          topic_configs=s.topic_config(n))
                 for n in missing]
            )
            for name, code, *message in response.topic_errors:
                # Already there: another worker won the race.
                if code not in (0, TopicAlreadyExistsError.errno):
                    raise RuntimeError(f"cannot create topic {name}: error {code} {message[-1] if message else ''}")
            log.info("created topics", extra={"topics": missing, "partitions": s.partitions})
        return missing
    finally:
        await admin.close()


async def delete_topics(s: Settings, names: list[str]) -> None:
    """For tests and benchmarks that create topics of their own."""
    admin = AIOKafkaAdminClient(bootstrap_servers=s.bootstrap, request_timeout_ms=15000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        gone = [n for n in names if n in existing]
        if gone:
            await admin.delete_topics(gone)
    finally:
        await admin.close()


def producer(s: Settings, **extra: Any) -> AIOKafkaProducer:
    """Idempotent and acks=all; `transactional_id` in `extra` makes it transactional."""
    return AIOKafkaProducer(
        bootstrap_servers=s.bootstrap, acks="all", enable_idempotence=True,
        max_request_size=s.max_message_bytes, compression_type=s.producer_compression, **extra,
    )


def consumer(s: Settings, *topics: str, **extra: Any) -> AIOKafkaConsumer:
    """Reads committed records only; fetches take the largest record a topic holds."""
    return AIOKafkaConsumer(
        *topics, bootstrap_servers=s.bootstrap, enable_auto_commit=False, isolation_level="read_committed",
        max_partition_fetch_bytes=s.max_message_bytes, fetch_max_bytes=s.max_message_bytes, **extra,
    )
