"""Reading newsflow's output topics (for `newsflow tail`, the demo and tests)."""
from __future__ import annotations

import asyncio
import time
from typing import AsyncIterator, Optional, Sequence, Union

import orjson
from aiokafka import TopicPartition

from newsflow.streams.admin import connect, consumer
from newsflow.streams.config import Settings


class TopicReader:
    """Reads a topic from its beginning or from the end offsets at `start()`, without a
    consumer group, so tailing never steals partitions from workers or commits offsets.
    Only committed records are read: a batch the worker aborted (it crashed or lost its
    partitions mid-way) is never shown, so each article shows once.

    `where` is the settings (their connection security included) or, for plaintext brokers,
    bare bootstrap addresses."""

    def __init__(self, where: Union[Settings, Sequence[str]], topic: str, *, from_beginning: bool = False):
        self.settings = where if isinstance(where, Settings) else Settings(broker=",".join(where))
        self.topic, self.from_beginning = topic, from_beginning
        self.consumer = consumer(self.settings, group_id=None)

    async def start(self) -> "TopicReader":
        await connect(self.consumer, self.settings)
        partitions = await self._partitions()
        self.consumer.assign(partitions)
        if self.from_beginning:
            await self.consumer.seek_to_beginning(*partitions)
        else:
            ends = await self.consumer.end_offsets(partitions)
            for tp, offset in ends.items():
                self.consumer.seek(tp, offset)
        return self

    async def _partitions(self) -> list[TopicPartition]:
        for _ in range(50):
            found = self.consumer.partitions_for_topic(self.topic)
            if found:
                return [TopicPartition(self.topic, p) for p in sorted(found)]
            await self.consumer._client.force_metadata_update()
            await asyncio.sleep(0.2)
        raise RuntimeError(f"topic {self.topic!r} does not exist")

    async def records(self, *, limit: Optional[int] = None, timeout: Optional[float] = None) -> AsyncIterator[dict]:
        """Yields decoded records until `limit` or until `timeout` seconds pass with none."""
        count, last = 0, time.monotonic()
        while limit is None or count < limit:
            batch = await self.consumer.getmany(timeout_ms=500, max_records=500)
            got = [m for msgs in batch.values() for m in msgs]
            if not got:
                if timeout is not None and time.monotonic() - last > timeout:
                    return
                continue
            last = time.monotonic()
            for message in got:
                yield orjson.loads(message.value)
                count += 1
                if limit is not None and count >= limit:
                    return

    async def stop(self) -> None:
        await self.consumer.stop()
