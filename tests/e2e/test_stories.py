"""The stories stage through the real broker: its state outlives the worker that built it.

A worker with stories on takes article A, is killed with -9; a new worker, restored from the
changelog topic, receives a near copy of A and knows it: `duplicate_of` A, A's story. Every
event arrives on the stories topic once under read_committed.
"""
from __future__ import annotations

import asyncio
import json
import random
import signal
import time
from collections import Counter

import pytest
from jsonschema import Draft202012Validator

from newsflow.deploy.kafka.nodes import free_port
from newsflow.streams.admin import admin_client, describe_topics
from newsflow.streams.config import Settings
from newsflow.streams.topics import state_topics
from newsflow.tail import TopicReader
from tests.conftest import ROOT
from tests.e2e.test_pipeline import _publish

pytestmark = pytest.mark.broker

EVENT = Draft202012Validator(json.loads((ROOT / "schemas" / "story-event.schema.json").read_text()))


@pytest.fixture
def env(pipeline_env):
    run = pipeline_env["NEWSFLOW_TOPIC_RAW"].removeprefix("raw-items-")
    return {**pipeline_env, "NEWSFLOW_OPTIONAL_STAGES": "stories", "NEWSFLOW_TOPIC_STORIES": f"stories-{run}"}


async def _read_until(s: Settings, topic: str, done, timeout: float) -> list[dict]:
    """Committed records of `topic` from its beginning until `done(records)` or `timeout`,
    then one more second for anything that should not be there."""
    reader = await TopicReader(s, topic, from_beginning=True).start()
    out: list[dict] = []
    try:
        deadline = time.monotonic() + timeout
        while not done(out) and time.monotonic() < deadline:
            async for r in reader.records(timeout=1.0):
                out.append(r)
        async for r in reader.records(timeout=1.0):
            out.append(r)
        return out
    finally:
        await reader.stop()


def _items(tmp_path, name: str, *items: dict):
    path = tmp_path / name
    path.write_text("".join(json.dumps(i) + "\n" for i in items))
    return path


def _ids(records: list[dict]) -> set[str]:
    return {r["id"] for r in records}


async def _changelog_config(s: Settings) -> dict:
    admin = admin_client(s)
    await admin.start()
    try:
        changelog = state_topics(s, "stories").changelog
        return {t.name: (t.partitions, t.configs) for t in await describe_topics(admin, s)}[changelog]
    finally:
        await admin.close()


def test_a_restarted_worker_knows_the_stories_of_the_one_killed(env, start_worker, bbc_text, tmp_path):
    s = Settings.from_env(env)
    first = start_worker(env=env)
    first.wait_ready()
    assert _publish(env, _items(tmp_path, "a.jsonl", {"id": "a", "source": "bbc", "text": bbc_text})).returncode == 0
    [a] = asyncio.run(_read_until(s, s.topic_enriched, lambda r: "a" in _ids(r), 180))
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait(timeout=10)

    lines = [l for l in bbc_text.splitlines() if l.strip()]
    near = "\n".join(["Share this story", *lines[: int(len(lines) * 0.85)], "Contact the newsroom"])
    second = start_worker(env={**env, "NEWSFLOW_METRICS_PORT": str(free_port())})
    assert _publish(env, _items(tmp_path, "b.jsonl", {"id": "b", "source": "wire", "text": near})).returncode == 0
    enriched = asyncio.run(_read_until(s, s.topic_enriched, lambda r: "b" in _ids(r), 240))
    by_id = {r["id"]: r for r in enriched}
    assert sorted(r["id"] for r in enriched) == ["a", "b"], second.log.read_text()[-3000:]
    b = by_id["b"]
    assert b["duplicate_of"] == "a" and b["story_id"] == a["story_id"] and b["story_reason"] == ["copy of a"]

    events = asyncio.run(_read_until(s, s.topic_stories, lambda r: len(r) >= 2, 60))
    for e in events:
        EVENT.validate(e)
    assert Counter(e["article_id"] for e in events) == {"a": 1, "b": 1}
    created, added = sorted(events, key=lambda e: e["article_id"])
    assert (created["type"], created["story_id"]) == ("story-created", a["story_id"])
    assert (added["type"], added["story_id"], added["duplicate_of"]) == ("article-added", a["story_id"], "a")

    partitions, configs = asyncio.run(_changelog_config(s))
    assert partitions == 1 and configs["cleanup.policy"] == "compact"


WORDS = ("council budget tram school mayor river bridge harbour election minister court strike "
         "hospital airport museum festival storm flood police market factory union vote tax port "
         "railway station teacher nurse farmer bank price energy water forest road village island "
         "coach team league final match player season contract report plan opposition").split()


def _article(k: int) -> str:
    """Sentences of words drawn for article k: unrelated to article j, so only a copy is a copy."""
    rng = random.Random(k)
    sentences = [" ".join(rng.choice(WORDS) for _ in range(12)) for _ in range(5)]
    return f"Report {k}. " + ". ".join(s.capitalize() for s in sentences) + "."


def test_a_worker_killed_mid_stream_leaves_events_and_articles_in_agreement(env, start_worker, tmp_path):
    """Killed while batches are in flight: each article once, each event once, and each
    event says what the article says (the state, the outputs and the events commit together)."""
    s = Settings.from_env(env)
    items = [{"id": f"n{k}", "text": _article(k)} for k in range(30)]
    items += [{"id": f"n{k}-copy", "text": "Shared from the wire.\n" + _article(k)} for k in range(0, 30, 3)]
    want = {i["id"] for i in items}
    victim = start_worker(env=env)
    victim.wait_ready()
    assert _publish(env, _items(tmp_path, "many.jsonl", *items)).returncode == 0
    asyncio.run(_read_until(s, s.topic_enriched, lambda r: len(r) >= 5, 180))
    victim.proc.send_signal(signal.SIGKILL)
    victim.proc.wait(timeout=10)
    start_worker(env={**env, "NEWSFLOW_METRICS_PORT": str(free_port())})

    enriched = asyncio.run(_read_until(s, s.topic_enriched, lambda r: want <= _ids(r), 300))
    assert Counter(r["id"] for r in enriched) == Counter(want)
    events = asyncio.run(_read_until(s, s.topic_stories, lambda r: len(r) >= len(want), 60))
    assert Counter(e["article_id"] for e in events) == Counter(want)
    by_id = {r["id"]: r for r in enriched}
    for e in events:
        a = by_id[e["article_id"]]
        assert (e["story_id"], e["duplicate_of"], e["score"]) == (a["story_id"], a["duplicate_of"], a["story_score"])
    for k in range(0, 30, 3):  # whichever came first through the stages' partitions is the original
        pair = {(by_id[f"n{k}-copy"]["duplicate_of"], by_id[f"n{k}"]["duplicate_of"])}
        assert pair <= {(f"n{k}", None), (None, f"n{k}-copy")}, pair
