"""The agent wrapper with its Kafka peers mocked: routing, ordering and metrics."""
import asyncio
import base64
from types import SimpleNamespace
from unittest.mock import AsyncMock

import orjson
import pytest
from prometheus_client import CollectorRegistry

from newsflow.agents import build_stages
from newsflow.agents.stage import Stage, StageError
from newsflow.schemas import Article
from newsflow.schemas.models import ARTICLE_SCHEMA
from newsflow.streams.config import Settings
from newsflow.streams.metrics import PipelineMetrics
from newsflow.streams.stage_agent import StageAgent
from tests.conftest import raw


def _event(value: bytes, offset: int):
    message = SimpleNamespace(topic="raw-items", partition=0, offset=offset, timestamp=1700000000.0)
    return SimpleNamespace(value=value, message=message)


def _topic(name="sink", refuse=()):
    """A topic stand-in; a record whose id is in `refuse` is refused by the 'broker'."""
    topic = SimpleNamespace(sent=[], headers=[], get_topic_name=lambda: name)

    async def send(key, value, headers):
        fut = asyncio.get_running_loop().create_future()
        record = orjson.loads(value)
        if record.get("id") in refuse:
            fut.set_exception(RuntimeError("broker says no"))
            return fut
        topic.sent.append((key, record))
        topic.headers.append(dict(headers))
        fut.set_result(None)
        return fut

    topic.send = AsyncMock(side_effect=send)
    return topic


def _agent(stage, sink, dead, *, settings=None, registry=None, reads_raw=True):
    registry = registry or CollectorRegistry()
    return StageAgent(
        stage, source=None, sink=sink, dead=dead, settings=settings or Settings(),
        metrics=PipelineMetrics.create(registry, [stage.name]), reads_raw=reads_raw, final=True,
    )


def _shout(article: Article) -> Article:
    if "boom" in article.body:
        raise StageError("boom", "the body said boom")
    article.body = article.body.upper()
    return article


async def test_routes_results_and_dead_letters_and_counts_them():
    registry = CollectorRegistry()
    metrics = PipelineMetrics.create(registry, ["extract"])
    sink, dead = _topic(), _topic("dead")
    agent = StageAgent(
        Stage("extract", lambda item: _shout(Article(id=item.id, body=item.text))),
        source=None, sink=sink, dead=dead, settings=Settings(), metrics=metrics, reads_raw=True, final=True,
    )
    events = [_event(raw(id="a", text="hello"), 5), _event(b"{oops", 6), _event(raw(id="c", text="boom"), 7)]
    await agent.handle(events)

    assert [(k, v["body"]) for k, v in sink.sent] == [(b"a", "HELLO")]
    assert sink.sent[0][1]["processing"]["received_at"] == 1700000000.0
    reasons = [(v["stage"], v["reason"], v["offset"]) for _, v in dead.sent]
    assert reasons == [("ingest", "invalid-json", 6), ("extract", "boom", 7)]
    assert dead.sent[1][1]["record"]["id"] == "c"  # the input it failed on travels with it

    get = registry.get_sample_value
    assert get("newsflow_stage_items_in_total", {"stage": "extract"}) == 3
    assert get("newsflow_stage_items_out_total", {"stage": "extract"}) == 1
    assert get("newsflow_dead_letters_total", {"stage": "ingest", "reason": "invalid-json"}) == 1
    assert get("newsflow_dead_letters_total", {"stage": "extract", "reason": "boom"}) == 1
    assert get("newsflow_stage_batch_size_count", {"stage": "extract"}) == 1
    assert get("newsflow_end_to_end_seconds_count") == 1


async def test_extraction_metrics_watch_kept_ratio_and_empty_items_per_source():
    registry = CollectorRegistry()
    sink, dead = _topic(), _topic("dead")
    agent = StageAgent(
        build_stages(["extract"])["extract"], source=None, sink=sink, dead=dead, settings=Settings(),
        metrics=PipelineMetrics.create(registry, ["extract"]), reads_raw=True, final=False,
    )
    empty_page = "<html><body><div><img src='a.png'></div></body></html>"
    events = [_event(raw(id="t", text="A short story. It ends here."), 1),
              _event(raw(id="h", source="crawler-3", html=empty_page), 2)]
    await agent.handle(events)
    get = registry.get_sample_value
    assert get("newsflow_extract_kept_ratio_count", {"method": "text"}) == 1
    assert get("newsflow_extract_empty_total", {"source": "crawler-3"}) == 1


async def test_a_crashing_batch_is_retried_item_by_item():
    def batch(articles):
        raise RuntimeError("model fell over")

    stage = Stage("language", lambda a: a, batch=batch)
    sink, dead = _topic(), _topic("dead")
    agent = StageAgent(
        stage, source=None, sink=sink, dead=dead, settings=Settings(),
        metrics=PipelineMetrics.create(CollectorRegistry(), ["language"]), reads_raw=False, final=False,
    )
    events = [_event(orjson.dumps(Article(id=i, body="x")), n) for n, i in enumerate("ab")]
    await agent.handle(events)
    assert [k for k, _ in sink.sent] == [b"a", b"b"] and not dead.sent


async def test_language_hint_agreement_is_counted():
    registry = CollectorRegistry()
    agent = StageAgent(
        build_stages(["language"])["language"], source=None, sink=_topic(), dead=_topic("dead"), settings=Settings(),
        metrics=PipelineMetrics.create(registry, ["language"]), reads_raw=False, final=False,
    )
    english = "The government announced on Tuesday a new reform of the pension system, officials said."
    events = [_event(orjson.dumps(Article(id=str(i), body=english, lang_hint=hint)), i)
              for i, hint in enumerate(["en", "de", None])]
    await agent.handle(events)
    get = registry.get_sample_value
    assert get("newsflow_language_hint_total", {"outcome": "agree"}) == 1
    assert get("newsflow_language_hint_total", {"outcome": "disagree"}) == 1


def _grow(item) -> list[Article]:
    """Two stories per item, the second ten times the input (as enrichment grows a record)."""
    return [Article(id=f"{item.id}#1", body=item.text), Article(id=f"{item.id}#2", body=item.text * 10)]


async def test_an_output_over_the_limit_is_dead_lettered_with_the_input_and_the_batch_goes_on():
    settings = Settings(max_item_bytes=4000, max_output_ratio=4)  # records up to 16,000 bytes
    sink, dead = _topic(), _topic("dead")
    agent = _agent(Stage("extract", _grow), sink, dead, settings=settings)
    big, small = raw(id="big", text="x" * 2000), raw(id="small", text="short")
    await agent.handle([_event(big, 1), _event(small, 2)])

    assert [v["id"] for _, v in sink.sent] == ["big#1", "small#1", "small#2"]
    [(key, letter)] = dead.sent
    assert (key, letter["id"], letter["reason"], letter["offset"]) == (b"big", "big#2", "output-too-large", 1)
    assert "the limit is 16000" in letter["error"]
    assert base64.b64decode(letter["payload_b64"]) == big  # the bytes the stage received


async def test_a_refused_record_is_dead_lettered_and_its_neighbours_are_sent():
    sink, dead = _topic(refuse={"a#2"}), _topic("dead")
    registry = CollectorRegistry()
    agent = _agent(Stage("extract", _grow), sink, dead, registry=registry)
    await agent.handle([_event(raw(id="a", text="one"), 1), _event(raw(id="b", text="two"), 2)])
    assert [v["id"] for _, v in sink.sent] == ["a#1", "b#1", "b#2"]
    [(_, letter)] = dead.sent
    assert (letter["id"], letter["reason"]) == ("a#2", "output-rejected") and "broker says no" in letter["error"]
    get = registry.get_sample_value
    assert get("newsflow_dead_letters_total", {"stage": "extract", "reason": "output-rejected"}) == 1
    assert get("newsflow_stage_items_out_total", {"stage": "extract"}) == 3


async def test_a_dead_letter_that_cannot_be_written_leaves_the_input_unacknowledged():
    agent = _agent(Stage("extract", _grow), _topic(refuse={"a#1"}), _topic("dead", refuse={"a#1"}))
    with pytest.raises(RuntimeError, match="broker says no"):
        await agent.handle([_event(raw(id="a", text="one"), 1)])


async def test_records_carry_headers_and_split_stories_share_their_parent_key():
    sink, dead = _topic(), _topic("dead")
    await _agent(Stage("extract", _grow), sink, dead).handle([_event(raw(id="p", text="same body"), 1)])
    assert [k for k, _ in sink.sent] == [b"p", b"p"]
    first, second = sink.headers
    assert first["newsflow-id"] == b"p#1" and first["parent-id"] == b"p"
    assert first["schema-version"] == ARTICLE_SCHEMA.encode()
    assert len(first["content-hash"]) == 32 and first["content-hash"] != second["content-hash"]
    again = _topic()
    await _agent(Stage("extract", _grow), again, _topic("dead")).handle([_event(raw(id="p", text="same body"), 9)])
    assert again.headers[0]["content-hash"] == first["content-hash"]  # stable across re-processing
