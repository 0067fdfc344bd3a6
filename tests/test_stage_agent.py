"""The agent wrapper with its Kafka peers mocked: routing, ordering and metrics."""
import asyncio
from types import SimpleNamespace
from unittest.mock import AsyncMock

import orjson
from prometheus_client import CollectorRegistry

from newsflow.agents import build_stages
from newsflow.agents.stage import Stage, StageError
from newsflow.schemas import Article
from newsflow.streams.config import Settings
from newsflow.streams.metrics import PipelineMetrics
from newsflow.streams.stage_agent import StageAgent
from tests.conftest import raw


def _event(value: bytes, offset: int):
    message = SimpleNamespace(topic="raw-items", partition=0, offset=offset, timestamp=1700000000.0)
    return SimpleNamespace(value=value, message=message)


def _topic():
    topic = SimpleNamespace(sent=[])

    async def send(key, value):
        topic.sent.append((key, orjson.loads(value)))
        fut = asyncio.get_running_loop().create_future()
        fut.set_result(None)
        return fut

    topic.send = AsyncMock(side_effect=send)
    return topic


def _shout(article: Article) -> Article:
    if "boom" in article.body:
        raise StageError("boom", "the body said boom")
    article.body = article.body.upper()
    return article


async def test_routes_results_and_dead_letters_and_counts_them():
    registry = CollectorRegistry()
    metrics = PipelineMetrics.create(registry, ["extract"])
    sink, dead = _topic(), _topic()
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
    sink, dead = _topic(), _topic()
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
    sink, dead = _topic(), _topic()
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
        build_stages(["language"])["language"], source=None, sink=_topic(), dead=_topic(), settings=Settings(),
        metrics=PipelineMetrics.create(registry, ["language"]), reads_raw=False, final=False,
    )
    english = "The government announced on Tuesday a new reform of the pension system, officials said."
    events = [_event(orjson.dumps(Article(id=str(i), body=english, lang_hint=hint)), i)
              for i, hint in enumerate(["en", "de", None])]
    await agent.handle(events)
    get = registry.get_sample_value
    assert get("newsflow_language_hint_total", {"outcome": "agree"}) == 1
    assert get("newsflow_language_hint_total", {"outcome": "disagree"}) == 1
