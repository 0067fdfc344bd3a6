"""`newsflow replay`: send dead letters' original bytes back to the topic they were read from,
each letter once.

After a fix (a model installed, a limit raised, a bug mended), the items it had refused go
through again from the stage that refused them. Replay is idempotent: each letter's
coordinates in the dead-letters topic are recorded in the compacted `<prefix>replayed` topic
in the same Kafka transaction that sends its bytes, so a letter is either sent and recorded
or neither, and a later replay skips it. A letter without its bytes (never the case for
letters newsflow writes) or without its topic is skipped and counted.
"""
from __future__ import annotations

import base64
import time
from typing import Iterable, NamedTuple, Optional

import orjson
from aiokafka.admin import NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from newsflow.dead_letters import Letter, read_letters
from newsflow.streams.admin import admin_client, connect, producer
from newsflow.streams.config import Settings

CHUNK = 500  # letters per transaction


class Selection(NamedTuple):
    reasons: frozenset[str] = frozenset()
    stages: frozenset[str] = frozenset()
    ids: frozenset[str] = frozenset()

    def wants(self, letter: dict) -> bool:
        return ((not self.reasons or letter.get("reason") in self.reasons)
                and (not self.stages or letter.get("stage") in self.stages)
                and (not self.ids or letter.get("id") in self.ids))


class Outcome(NamedTuple):
    sent: list[Letter]  # or, on a dry run, would be sent
    already: int  # replayed before: skipped
    skipped: int  # no bytes or no topic


def selected(letters: Iterable[Letter], selection: Selection) -> list[Letter]:
    return [letter for letter in letters if selection.wants(letter.body)]


def ledger_topic(s: Settings) -> str:
    return f"{s.topic_prefix}replayed"


def ledger_key(s: Settings, letter: Letter) -> bytes:
    return f"{s.topic_dead}:{letter.partition}:{letter.offset}".encode()


def ready(letters: list[Letter]) -> list[Letter]:
    return [l for l in letters if l.body.get("payload_b64") and l.body.get("topic")]


async def replayed_keys(s: Settings) -> set[bytes]:
    """The letters replayed so far (committed transactions only), by their ledger key."""
    return {letter.key for letter in await read_letters(s, topic=ledger_topic(s))}


async def replay(s: Settings, letters: list[Letter], *, dry_run: bool = False,
                 limit: Optional[int] = None) -> Outcome:
    """Sends the letters not replayed before (at most `limit` of them)."""
    usable = ready(letters)
    skipped = len(letters) - len(usable)
    if not dry_run:
        await _ensure_ledger(s)
    done = await replayed_keys(s) if usable else set()
    todo = [l for l in usable if ledger_key(s, l) not in done]
    already = len(usable) - len(todo)
    todo = todo[:limit] if limit is not None else todo
    if dry_run or not todo:
        return Outcome(todo, already, skipped)
    p = producer(s, transactional_id=f"{s.app_id}.replay")
    await connect(p, s)
    try:
        for i in range(0, len(todo), CHUNK):
            async with p.transaction():
                for letter in todo[i:i + CHUNK]:
                    await _send(s, p, letter)
    finally:
        await p.stop()
    return Outcome(todo, already, skipped)


async def _send(s: Settings, p, letter: Letter) -> None:
    body = letter.body
    key = body["id"].encode() if body.get("id") else None
    await p.send(body["topic"], base64.b64decode(body["payload_b64"]), key=key)
    record = {"id": body.get("id"), "topic": body["topic"], "replayed_at": time.time()}
    await p.send(ledger_topic(s), orjson.dumps(record), key=ledger_key(s, letter))


async def _ensure_ledger(s: Settings) -> None:
    admin = admin_client(s)
    await connect(admin, s)
    try:
        if ledger_topic(s) in set(await admin.list_topics()):
            return
        config = {**s.topic_config(ledger_topic(s)), "cleanup.policy": "compact", "retention.ms": "-1"}
        response = await admin.create_topics([NewTopic(ledger_topic(s), 1, s.replication_factor, topic_configs=config)])
        for name, code, *message in response.topic_errors:
            if code not in (0, TopicAlreadyExistsError.errno):
                raise RuntimeError(f"cannot create topic {name}: error {code} {message[-1] if message else ''}")
    finally:
        await admin.close()


def describe(letters: list[Letter], limit: Optional[int] = 20) -> str:
    lines = [f"  {l.body.get('id')}  {l.body.get('stage')}/{l.body.get('reason')} -> {l.body.get('topic')}"
             for l in letters[:limit]]
    if limit is not None and len(letters) > limit:
        lines.append(f"  ... and {len(letters) - limit} more")
    return "\n".join(lines)
