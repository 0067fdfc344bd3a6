"""The stories state as a changelog: written by batch, restored into a fresh tracker that then
answers exactly as the one it was written from; expiry writes tombstones; events follow the
published schema."""
from __future__ import annotations

import copy
import json

import pytest
from jsonschema import Draft202012Validator

from newsflow.agents.stories import StoryParams, StoryState, make_stage
from newsflow.agents.stories.state import CLOCK
from newsflow.schemas import STORY_EVENT_SCHEMA
from tests.conftest import ROOT, seed_text
from tests.test_stories import ECB, _load, article

EVENT = Draft202012Validator(json.loads((ROOT / "schemas" / "story-event.schema.json").read_text()))


def _seed_stream() -> list:
    """The seeds' paragraphs as articles, then a copy cut short of every third one."""
    paragraphs = [p for name in ("bbc_page_with_boilerplate.txt", "wire_items_concatenated.txt")
                  for p in seed_text(name).split("\n\n") if len(p.split()) >= 25]
    cuts = [(f"p{i}/copy", " ".join(p.split()[: int(len(p.split()) * 0.8)])) for i, p in enumerate(paragraphs)
            if i % 3 == 0]
    bodies = [(f"p{i}", p) for i, p in enumerate(paragraphs)] + cuts
    return [article(id_, body, t=1.7e9 + k * 60) for k, (id_, body) in enumerate(bodies)]


def _ecb_stream(n: int = 240) -> list:
    docs = sorted(_load(ECB), key=lambda d: d["id"])[:n]
    return [article(d["id"], d["text"], d["title"] or None, t=1.7e9 + i * 900) for i, d in enumerate(docs)]


def _answer(a) -> tuple:
    return a.content_hash, a.duplicate_of, a.story_id, a.story_score, a.story_reason


def _run(state: StoryState, articles, batch: int = 8) -> list:
    """The stream through the state in batches, as the worker drains it; returns the log."""
    log = []
    for k in range(0, len(articles), batch):
        for a in articles[k : k + batch]:
            state.tracker(a)
        log += state.drain().changelog
    return log


def _recording(params: StoryParams) -> StoryState:
    state = StoryState(params)
    state.restore([])
    return state


def _check_restore(stream: list, params: StoryParams) -> None:
    half = len(stream) // 2
    live = _recording(params)
    log = _run(live, copy.deepcopy(stream[:half]))
    restored = StoryState(params)
    restored.restore(log)
    assert restored.tracker.clock == live.tracker.clock
    ahead = copy.deepcopy(stream[half:])
    answers = [_answer(live.tracker(a)) for a in copy.deepcopy(ahead)]
    assert [_answer(restored.tracker(a)) for a in ahead] == answers
    assert any(d for _, d, *_ in answers), "the stream should hold copies of the restored half"
    after_live, after_restored = live.drain(), restored.drain()
    assert dict(after_restored.changelog) == dict(after_live.changelog)
    assert after_restored.events == after_live.events


def test_a_restored_tracker_answers_like_the_one_it_was_written_from():
    _check_restore(_seed_stream(), StoryParams())


@pytest.mark.shared
@pytest.mark.skipif(not ECB.exists(), reason="../shared data absent")
def test_restored_from_a_log_with_expiry_it_still_answers_alike_on_real_news():
    stream = _ecb_stream()
    for k in range(0, len(stream), 5):  # near copies, so fingerprints matter
        src = stream[k]
        words = src.body.split()
        stream.insert(k + 1, article(src.id + "/cut", " ".join(words[: int(len(words) * 0.7)]), src.title,
                                     t=src.processing.received_at + 1))
    _check_restore(stream, StoryParams(window_s=12 * 3600))  # stories go cold within the stream


def test_only_what_a_batch_changed_is_written_and_loading_is_no_change():
    state = _recording(StoryParams())
    stream = _seed_stream()
    first = _run(state, [stream[0], stream[1], next(a for a in stream if a.id == "p0/copy")], batch=3)
    keys = {k for k, _ in first}
    assert CLOCK in keys and {b"m:p0", b"m:p0/copy", b"p:p0", b"w:a"} <= keys
    assert b"p:p0/copy" not in keys  # a copy keeps no fingerprint of its own
    restored = StoryState(StoryParams())
    restored.restore(first)
    assert not restored.drain()
    again = article("p0", _seed_stream()[0].body)  # a redelivery: the earlier answer, no change
    restored.tracker(again)
    assert not restored.drain() and again.story_id is not None


def test_expiry_writes_tombstones():
    state = _recording(StoryParams(window_s=3600))
    bodies = [f"Flooding hit town number {k} on day {k} of the month, officials of district {k * 7} said "
              "after the river rose above its banks overnight." for k in range(3)]
    _run(state, [article("old", bodies[0], t=1.7e9)])
    story = state.tracker.marks["old"].story_id
    log = _run(state, [article("new", bodies[1], t=1.7e9 + 7200)])
    tombstones = {k for k, v in log if v is None}
    assert {b"m:old", b"p:old", f"s:{story}".encode()} <= tombstones
    restored = StoryState(StoryParams(window_s=3600))
    restored.restore(_run(_recording(StoryParams(window_s=3600)), []) + log)
    assert "old" not in restored.tracker.marks and len(restored.tracker.stories) == 1


def test_events_follow_the_published_schema_once_per_new_answer():
    state = _recording(StoryParams())
    stream = _seed_stream()
    _run(state, stream)
    state.tracker(copy.deepcopy(stream[0]))  # redelivered: no second event
    drained = state.drain()
    assert not drained.events
    state = _recording(StoryParams())
    for a in copy.deepcopy(stream):
        state.tracker(a)
    events = [json.loads(v) for _, v in state.drain().events]
    for e in events:
        EVENT.validate(e)
    assert [e["article_id"] for e in events] == [a.id for a in stream]
    assert all(e["schema"] == STORY_EVENT_SCHEMA for e in events)
    created = {e["story_id"] for e in events if e["type"] == "story-created"}
    assert {e["story_id"] for e in events} == created  # every story began with a story-created
    copies = [e for e in events if e["duplicate_of"]]
    assert copies and all(e["type"] == "article-added" and e["score"] == 1.0 for e in copies)


def test_offline_the_stage_records_nothing():
    stage = make_stage()
    stage.batch(_seed_stream()[:3])
    assert not stage.state.drain()
