#!/usr/bin/env python3
"""Check that aiokafka can use the local Kafka broker (deploy/kafka/kafka.sh).

Exercises what newsflow relies on, against Kafka 4.x (which dropped the old
protocol versions, KIP-896):

* AIOKafkaAdminClient: create a 3-partition topic, describe it, delete it;
* AIOKafkaProducer with acks=all and enable_idempotence=True;
* AIOKafkaConsumer in a consumer group, manual offset commit, committed
  offsets read back (consumer and admin list_consumer_group_offsets);
* transactional producer (transactional_id): one committed and one aborted
  transaction, read back with isolation_level=read_committed.

Standalone: needs only aiokafka. Exit 0 on success, 1 on failure.

    python deploy/kafka/smoke_check.py [--bootstrap 127.0.0.1:9092] [--timeout 60]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

PARTITIONS = 3
MESSAGES = 30


def step(msg: str) -> None:
    print(f"smoke_check: {msg}", flush=True)


async def consume(bootstrap: str, topics: list[str], group: str, want: int,
                  isolation: str = "read_uncommitted",
                  commit: bool = True, deadline: float = 30.0) -> list:
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        isolation_level=isolation,
    )
    await consumer.start()
    got = []
    try:
        end = time.monotonic() + deadline
        while len(got) < want and time.monotonic() < end:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                got.extend(records)
        if commit and got:
            await consumer.commit()
            for tp in consumer.assignment():
                committed = await consumer.committed(tp)
                position = await consumer.position(tp)
                if committed != position:
                    raise AssertionError(
                        f"committed offset {committed} != position {position} for {tp}")
    finally:
        await consumer.stop()
    return got


async def run(bootstrap: str, keep: bool) -> None:
    suffix = uuid.uuid4().hex[:8]
    topic = f"newsflow-smoke-{suffix}"
    txn_topic = f"newsflow-smoke-txn-{suffix}"
    group = f"newsflow-smoke-{suffix}"

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap,
                                client_id="newsflow-smoke")
    await admin.start()
    try:
        step(f"admin: create topics {topic}, {txn_topic} ({PARTITIONS} partitions)")
        await admin.create_topics([
            NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1),
            NewTopic(txn_topic, num_partitions=PARTITIONS, replication_factor=1),
        ])
        # CreateTopics returns before the broker's metadata shows the topics (KRaft applies
        # them asynchronously; on a broker holding hundreds of topics it takes a moment).
        for _ in range(50):
            names = await admin.list_topics()
            if topic in names and txn_topic in names:
                break
            await asyncio.sleep(0.2)
        assert topic in names and txn_topic in names, sorted(n for n in names if n.startswith("newsflow-smoke"))
        desc = await admin.describe_topics([topic])
        nparts = len(desc[0]["partitions"])
        assert nparts == PARTITIONS, desc
        step(f"admin: {topic} has {nparts} partitions")

        # Metadata for new topics can lag a moment behind CreateTopics.
        step("producer: acks=all, enable_idempotence=True")
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all",
                                    enable_idempotence=True)
        await producer.start()
        try:
            futs = [await producer.send(topic, key=f"k{i}".encode(),
                                        value=f"v{i}".encode())
                    for i in range(MESSAGES)]
            metas = [await f for f in futs]
        finally:
            await producer.stop()
        used = {m.partition for m in metas}
        step(f"producer: {len(metas)} messages acked on partitions {sorted(used)}")

        step(f"consumer: group {group}")
        got = await consume(bootstrap, [topic], group, MESSAGES)
        values = sorted(r.value.decode() for r in got)
        assert values == sorted(f"v{i}" for i in range(MESSAGES)), values
        offsets = await admin.list_consumer_group_offsets(group)
        total = sum(o.offset for o in offsets.values())
        assert total == MESSAGES, offsets
        step(f"consumer: got {len(got)} messages, committed offsets sum to {total}")
        groups = [g[0] for g in await admin.list_consumer_groups()]
        assert group in groups, groups

        # A second member of the same group must resume from the commit.
        again = await consume(bootstrap, [topic], group, 1, commit=False,
                              deadline=3.0)
        assert not again, f"group re-read {len(again)} committed messages"
        step("consumer: group resumes from committed offsets")

        step("transactional producer: one commit, one abort")
        tx = AIOKafkaProducer(bootstrap_servers=bootstrap,
                              transactional_id=f"newsflow-smoke-tx-{suffix}",
                              acks="all", enable_idempotence=True)
        await tx.start()
        try:
            async with tx.transaction():
                for i in range(5):
                    await tx.send(txn_topic, key=b"t", value=f"c{i}".encode())
            await tx.begin_transaction()
            for i in range(5):
                await tx.send(txn_topic, key=b"t", value=f"a{i}".encode())
            await tx.abort_transaction()
            # Transactional consume-transform-produce offset commit, as faust's
            # exactly-once mode does.
            async with tx.transaction():
                await tx.send(txn_topic, key=b"t", value=b"c5")
                await tx.send_offsets_to_transaction(
                    {TopicPartition(topic, p): 0 for p in range(PARTITIONS)},
                    f"{group}-txn")
        finally:
            await tx.stop()
        got = await consume(bootstrap, [txn_topic], f"{group}-rc", 6,
                            isolation="read_committed")
        values = sorted(r.value.decode() for r in got)
        assert values == [f"c{i}" for i in range(6)], values
        step("transactional producer: read_committed sees committed only")

        if not keep:
            await admin.delete_topics([topic, txn_topic])
            step("admin: topics deleted")
    finally:
        await admin.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bootstrap", default="127.0.0.1:9092")
    ap.add_argument("--timeout", type=float, default=60.0,
                    help="overall time limit in seconds (default 60)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the smoke topics instead of deleting them")
    args = ap.parse_args()
    t0 = time.monotonic()
    try:
        asyncio.run(asyncio.wait_for(run(args.bootstrap, args.keep),
                                     args.timeout))
    except Exception as exc:  # noqa: BLE001 - report any failure, exit 1
        print(f"smoke_check: FAILED: {type(exc).__name__}: {exc}",
              file=sys.stderr, flush=True)
        return 1
    step(f"OK in {time.monotonic() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
