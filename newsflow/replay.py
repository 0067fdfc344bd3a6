"""`newsflow replay`: send dead letters' original bytes back to the topic they were read from.

After a fix (a model installed, a limit raised, a bug mended), the items it had refused go
through again from the stage that refused them. A letter without its bytes (never the case
for letters newsflow writes) or without its topic is skipped and counted.
"""
from __future__ import annotations

import base64
from typing import Iterable, NamedTuple, Optional

from newsflow.streams.admin import connect, producer
from newsflow.streams.config import Settings
from newsflow.tail import TopicReader


class Selection(NamedTuple):
    reasons: frozenset[str] = frozenset()
    stages: frozenset[str] = frozenset()
    ids: frozenset[str] = frozenset()

    def wants(self, letter: dict) -> bool:
        return ((not self.reasons or letter.get("reason") in self.reasons)
                and (not self.stages or letter.get("stage") in self.stages)
                and (not self.ids or letter.get("id") in self.ids))


def selected(letters: Iterable[dict], selection: Selection) -> list[dict]:
    return [letter for letter in letters if selection.wants(letter)]


async def read_letters(s: Settings, idle_seconds: float = 3.0) -> list[dict]:
    reader = await TopicReader(s, s.topic_dead, from_beginning=True).start()
    try:
        return [letter async for letter in reader.records(timeout=idle_seconds)]
    finally:
        await reader.stop()


async def replay(s: Settings, letters: list[dict], *, dry_run: bool = False) -> tuple[int, int]:
    """Returns (sent, skipped)."""
    ready = [(l["topic"], l.get("id"), base64.b64decode(l["payload_b64"]))
             for l in letters if l.get("payload_b64") and l.get("topic")]
    skipped = len(letters) - len(ready)
    if dry_run or not ready:
        return len(ready), skipped
    p = producer(s)
    await connect(p, s)
    try:
        futures = [await p.send(topic, payload, key=item_id.encode() if item_id else None)
                   for topic, item_id, payload in ready]
        for fut in futures:
            await fut
    finally:
        await p.stop()
    return len(ready), skipped


def describe(letters: list[dict], limit: Optional[int] = 20) -> str:
    lines = [f"  {l.get('id')}  {l.get('stage')}/{l.get('reason')} -> {l.get('topic')}" for l in letters[:limit]]
    if limit is not None and len(letters) > limit:
        lines.append(f"  ... and {len(letters) - limit} more")
    return "\n".join(lines)
