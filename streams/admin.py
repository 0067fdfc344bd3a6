"""Topic creation with the admin API, before producers or Faust touch the topics, so every
topic gets the configured partition count instead of the broker's auto-create default."""
from __future__ import annotations

import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from newsflow.streams.config import Settings
from newsflow.streams.topics import topic_names

log = logging.getLogger("newsflow.admin")

async def ensure_topics(s: Settings) -> list[str]:
    """Creates missing topics; returns the names it created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=s.bootstrap, request_timeout_ms=15000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [n for n in topic_names(s) if n not in existing]
        if missing:
            try:
                await admin.create_topics(
                    [NewTopic(n, num_partitions=s.partitions, replication_factor=1) for n in missing]
                )
            except TopicAlreadyExistsError:
                pass  # another worker won the race
            log.info("created topics", extra={"topics": missing, "partitions": s.partitions})
        return missing
    finally:
        await admin.close()
