"""`newsflow publish`: sizes checked before sending, each failure named, nobody else harmed."""
from __future__ import annotations

import asyncio

import orjson
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from newsflow.publish import publish, readable_size, too_large
from newsflow.streams.config import Settings
from tests.e2e.conftest import broker, pipeline_env, run_ids  # noqa: F401 (fixtures; they delete the topics)

MIB = 1024 * 1024


def _item(item_id: str, size: int) -> bytes:
    """A raw item of exactly `size` bytes."""
    empty = orjson.dumps({"id": item_id, "text": ""})
    return orjson.dumps({"id": item_id, "text": "a" * (size - len(empty))})


def test_the_reason_is_plain():
    assert too_large(b"x" * 100, 100) is None
    assert too_large(b"x" * 9_100_000, 8 * MIB) == "too large: 9.1 MB > 8 MiB limit"
    assert readable_size(1500) == "1.5 kB"


async def _raw_records(s: Settings) -> list:
    consumer = AIOKafkaConsumer(bootstrap_servers=s.bootstrap, group_id=None, isolation_level="read_committed",
                                max_partition_fetch_bytes=s.max_message_bytes, fetch_max_bytes=s.max_message_bytes)
    await consumer.start()
    try:
        tps = [TopicPartition(s.topic_raw, p) for p in range(s.partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        got = []
        while sum(ends.values()) > len(got):
            batch = await consumer.getmany(timeout_ms=2000)
            got += [m for msgs in batch.values() for m in msgs]
        return got
    finally:
        await consumer.stop()


@pytest.mark.broker
def test_an_item_at_the_limit_is_sent_and_one_just_over_is_named_alone(pipeline_env, capsys):  # noqa: F811
    s = Settings.from_env(pipeline_env)
    limit = s.max_item_bytes
    payloads = [_item("before", 200), _item("at-limit", limit), _item("over", limit + 1), _item("after", 200)]
    sent, failed = asyncio.run(publish(s, payloads, progress=False))
    assert (sent, failed) == (3, 1)
    assert capsys.readouterr().err.strip() == "failed: over: too large: 8.4 MB > 8 MiB limit"
    records = asyncio.run(_raw_records(s))
    assert sorted(m.key for m in records) == [b"after", b"at-limit", b"before"]
    [at_limit] = [m for m in records if m.key == b"at-limit"]
    assert len(at_limit.value) == limit
    headers = dict(at_limit.headers)
    assert headers["newsflow-id"] == b"at-limit" and len(headers["content-hash"]) == 32
