"""The agent wrapper with its Kafka peers faked: routing, transactions, ordering and metrics."""
import asyncio
import base64
from types import SimpleNamespace

import orjson
import pytest
from aiokafka import TopicPartition
from aiokafka.errors import KafkaConnectionError, MessageSizeTooLargeError, ProducerFenced
from prometheus_client import CollectorRegistry

from newsflow.agents import build_stages
from newsflow.agents.stage import Stage, StageError
from newsflow.schemas import Article
from newsflow.schemas.models import ARTICLE_SCHEMA
from newsflow.streams.config import Settings
from newsflow.streams.metrics import PipelineMetrics
from newsflow.streams.stage_agent import StageAgent
from tests.conftest import raw


TP = TopicPartition("raw-items", 0)


def _message(value: bytes, offset: int):
    return SimpleNamespace(value=value, topic="raw-items", partition=0, offset=offset, timestamp=1700000000000)


class FakeProducer:
    """A transactional producer: records show in `committed` only once their transaction
    commits; a record to a topic of `refuse_on` whose id is in `refuse` is refused for good
    by the 'broker'."""

    def __init__(self, refuse=(), refuse_on=("sink", "dead"), fenced=False):
        self.refuse, self.refuse_on, self.fenced = set(refuse), refuse_on, fenced
        self.pending, self.committed, self.offsets, self.stopped = [], [], [], False

    async def begin_transaction(self):
        self.pending = []

    async def send(self, topic, value, key=None, headers=None, partition=None):
        fut = asyncio.get_running_loop().create_future()
        if self.fenced:
            fut.set_exception(ProducerFenced())
        elif topic in self.refuse_on and orjson.loads(value).get("id") in self.refuse:
            fut.set_exception(MessageSizeTooLargeError("broker says no"))
        else:
            self.pending.append((topic, key, _decoded(value), dict(headers or []), partition))
            fut.set_result(None)
        return fut

    async def send_offsets_to_transaction(self, offsets, group):
        self.offsets.append((offsets, group))

    async def commit_transaction(self):
        self.committed += self.pending

    async def abort_transaction(self):
        assert not self.fenced, "a fenced producer cannot abort"
        self.pending = []

    async def stop(self):
        self.stopped = True

    def sent(self, topic):
        return [(key, value) for t, key, value, *_ in self.committed if t == topic]

    def headers(self, topic):
        return [h for t, _, _, h, _ in self.committed if t == topic]


def _decoded(value):
    return None if value is None else orjson.loads(value)  # None: a tombstone


def _agent(stage, *, producer=None, settings=None, registry=None, reads_raw=True, source="raw-items"):
    registry = registry or CollectorRegistry()
    agent = StageAgent(
        stage, source=source, sink="sink", dead="dead", settings=settings or Settings(),
        metrics=PipelineMetrics.create(registry, [stage.name]), reads_raw=reads_raw, final=True,
    )
    agent.producers[TP] = producer or FakeProducer()
    agent.consumer = SimpleNamespace(assignment=lambda: {TP})
    return agent


def _shout(article: Article) -> Article:
    if "boom" in article.body:
        raise StageError("boom", "the body said boom")
    article.body = article.body.upper()
    return article


async def test_routes_results_and_dead_letters_and_commits_offsets_with_them():
    registry = CollectorRegistry()
    p = FakeProducer()
    agent = _agent(Stage("extract", lambda item: _shout(Article(id=item.id, body=item.text))),
                   producer=p, registry=registry)
    messages = [_message(raw(id="a", text="hello"), 5), _message(b"{oops", 6), _message(raw(id="c", text="boom"), 7)]
    await agent.handle(TP, messages)

    assert [(k, v["body"]) for k, v in p.sent("sink")] == [(b"a", "HELLO")]
    assert p.sent("sink")[0][1]["processing"]["received_at"] == 1700000000.0
    reasons = [(v["stage"], v["reason"], v["offset"]) for _, v in p.sent("dead")]
    assert reasons == [("ingest", "invalid-json", 6), ("extract", "boom", 7)]
    assert p.sent("dead")[1][1]["record"]["id"] == "c"  # the input it failed on travels with it
    assert p.offsets == [({TP: 8}, "newsflow.extract")]  # in the same transaction as the outputs

    get = registry.get_sample_value
    assert get("newsflow_stage_items_in_total", {"stage": "extract"}) == 3
    assert get("newsflow_stage_items_out_total", {"stage": "extract"}) == 1
    assert get("newsflow_dead_letters_total", {"stage": "ingest", "reason": "invalid-json"}) == 1
    assert get("newsflow_dead_letters_total", {"stage": "extract", "reason": "boom"}) == 1
    assert get("newsflow_stage_batch_size_count", {"stage": "extract"}) == 1
    assert get("newsflow_end_to_end_seconds_count") == 1


async def test_a_fused_agent_runs_its_stages_in_one_transaction_and_letters_carry_the_raw_bytes():
    registry = CollectorRegistry()
    p = FakeProducer()
    first = Stage("extract", lambda item: Article(id=item.id, body=item.text))
    agent = StageAgent(
        [first, Stage("language", _shout)], name="enrich", source="raw-items", sink="sink", dead="dead",
        settings=Settings(), metrics=PipelineMetrics.create(registry, ["enrich"]), reads_raw=True, final=True,
    )
    agent.producers[TP] = p
    agent.consumer = SimpleNamespace(assignment=lambda: {TP})
    boom = raw(id="c", text="boom")
    await agent.handle(TP, [_message(raw(id="a", text="hello"), 5), _message(boom, 6)])

    [(_, article)] = p.sent("sink")
    assert article["body"] == "HELLO" and set(article["processing"]["stage_ms"]) == {"extract", "language"}
    [(_, letter)] = p.sent("dead")
    assert (letter["stage"], letter["reason"], letter["topic"]) == ("language", "boom", "raw-items")
    assert base64.b64decode(letter["payload_b64"]) == boom  # `replay` sends the raw item to raw-items again
    assert p.offsets == [({TP: 7}, "newsflow.enrich")]  # one group, one transaction for both stages
    assert registry.get_sample_value("newsflow_stage_items_in_total", {"stage": "enrich"}) == 2


async def test_extraction_metrics_watch_kept_ratio_and_empty_items_per_source():
    registry = CollectorRegistry()
    agent = _agent(build_stages(["extract"])["extract"], registry=registry)
    empty_page = "<html><body><div><img src='a.png'></div></body></html>"
    messages = [_message(raw(id="t", text="A short story. It ends here."), 1),
                _message(raw(id="h", source="crawler-3", html=empty_page), 2)]
    await agent.handle(TP, messages)
    get = registry.get_sample_value
    assert get("newsflow_extract_kept_ratio_count", {"method": "text"}) == 1
    assert get("newsflow_extract_empty_total", {"source": "crawler-3"}) == 1


async def test_a_crashing_batch_is_retried_item_by_item():
    def batch(articles):
        raise RuntimeError("model fell over")

    p = FakeProducer()
    agent = _agent(Stage("language", lambda a: a, batch=batch), producer=p, reads_raw=False)
    await agent.handle(TP, [_message(orjson.dumps(Article(id=i, body="x")), n) for n, i in enumerate("ab")])
    assert [k for k, _ in p.sent("sink")] == [b"a", b"b"] and not p.sent("dead")


async def test_language_hint_agreement_is_counted():
    registry = CollectorRegistry()
    agent = _agent(build_stages(["language"])["language"], registry=registry, reads_raw=False)
    english = "The government announced on Tuesday a new reform of the pension system, officials said."
    messages = [_message(orjson.dumps(Article(id=str(i), body=english, lang_hint=hint)), i)
                for i, hint in enumerate(["en", "de", None])]
    await agent.handle(TP, messages)
    get = registry.get_sample_value
    assert get("newsflow_language_hint_total", {"outcome": "agree"}) == 1
    assert get("newsflow_language_hint_total", {"outcome": "disagree"}) == 1


def _grow(item) -> list[Article]:
    """Two stories per item, the second ten times the input (as enrichment grows a record)."""
    return [Article(id=f"{item.id}#1", body=item.text), Article(id=f"{item.id}#2", body=item.text * 10)]


async def test_an_output_over_the_limit_is_dead_lettered_with_the_input_and_the_batch_goes_on():
    settings = Settings(max_item_bytes=4000, max_output_ratio=4)  # records up to 16,000 bytes
    p = FakeProducer()
    big, small = raw(id="big", text="x" * 2000), raw(id="small", text="short")
    await _agent(Stage("extract", _grow), producer=p, settings=settings).handle(TP, [_message(big, 1),
                                                                                    _message(small, 2)])
    assert [v["id"] for _, v in p.sent("sink")] == ["big#1", "small#1", "small#2"]
    [(key, letter)] = p.sent("dead")
    assert (key, letter["id"], letter["reason"], letter["offset"]) == (b"big", "big#2", "output-too-large", 1)
    assert "the limit is 16000" in letter["error"]
    assert base64.b64decode(letter["payload_b64"]) == big  # the bytes the stage received


async def test_a_refused_record_is_dead_lettered_and_the_batch_written_again_without_it():
    p = FakeProducer(refuse={"a#2"}, refuse_on=("sink",))
    registry = CollectorRegistry()
    agent = _agent(Stage("extract", _grow), producer=p, registry=registry)
    await agent.handle(TP, [_message(raw(id="a", text="one"), 1), _message(raw(id="b", text="two"), 2)])
    assert [v["id"] for _, v in p.sent("sink")] == ["a#1", "b#1", "b#2"]  # once each: the first try was aborted
    [(_, letter)] = p.sent("dead")
    assert (letter["id"], letter["reason"]) == ("a#2", "output-rejected") and "broker says no" in letter["error"]
    get = registry.get_sample_value
    assert get("newsflow_dead_letters_total", {"stage": "extract", "reason": "output-rejected"}) == 1
    assert get("newsflow_stage_items_out_total", {"stage": "extract"}) == 3


async def test_a_dead_letter_that_cannot_be_written_leaves_the_input_uncommitted():
    p = FakeProducer(refuse={"a#1"})
    with pytest.raises(MessageSizeTooLargeError, match="broker says no"):
        await _agent(Stage("extract", _grow), producer=p).handle(TP, [_message(raw(id="a", text="one"), 1)])
    assert not p.committed and not p.offsets


async def test_a_lost_partition_writes_nothing():
    p = FakeProducer()
    agent = _agent(Stage("extract", _grow), producer=p)
    agent.consumer = SimpleNamespace(assignment=set)
    await agent.handle(TP, [_message(raw(id="a", text="one"), 1)])
    assert not p.committed and not p.offsets


async def test_a_fenced_producer_gives_the_partition_up_without_writing():
    p = FakeProducer(fenced=True)
    agent = _agent(Stage("extract", _grow), producer=p)
    await agent.handle(TP, [_message(raw(id="a", text="one"), 1)])
    assert not p.committed and not p.offsets and p.stopped and TP not in agent.producers


async def test_records_carry_headers_and_split_stories_share_their_parent_key():
    p = FakeProducer()
    await _agent(Stage("extract", _grow), producer=p).handle(TP, [_message(raw(id="p", text="same body"), 1)])
    assert [k for k, _ in p.sent("sink")] == [b"p", b"p"]
    first, second = p.headers("sink")
    assert first["newsflow-id"] == b"p#1" and first["parent-id"] == b"p"
    assert first["schema-version"] == ARTICLE_SCHEMA.encode()
    assert len(first["content-hash"]) == 32 and first["content-hash"] != second["content-hash"]
    again = FakeProducer()
    await _agent(Stage("extract", _grow), producer=again).handle(TP, [_message(raw(id="p", text="same body"), 9)])
    assert again.headers("sink")[0]["content-hash"] == first["content-hash"]  # stable across re-processing


class StallingProducer(FakeProducer):
    """Its acknowledgements never come: a batch is in flight when the worker stops."""

    aborted = False

    async def send(self, topic, value, key=None, headers=None, partition=None):
        self.pending.append((topic, key, orjson.loads(value), dict(headers), partition))
        return asyncio.get_running_loop().create_future()

    async def abort_transaction(self):
        self.aborted = True
        await super().abort_transaction()


async def test_shutdown_mid_transaction_aborts_it_and_commits_nothing():
    p = StallingProducer()
    agent = _agent(Stage("extract", lambda item: Article(id=item.id, body=item.text)), producer=p)
    batch = asyncio.create_task(agent.handle(TP, [_message(raw(id="a", text="hello"), 5)]))
    while not p.pending:
        await asyncio.sleep(0.01)
    batch.cancel()
    with pytest.raises(asyncio.CancelledError):
        await batch
    assert p.aborted and p.stopped and not p.committed and not p.offsets
    assert TP not in agent.producers  # the next holder of the partition redoes the batch


async def test_broker_error_says_why_the_broker_did_not_answer():
    from aiokafka.errors import KafkaConnectionError

    agent = _agent(Stage("extract", lambda item: item))

    async def unreachable(partitions):
        raise KafkaConnectionError("Unable to bootstrap from [('127.0.0.1', 1)]")

    async def stalls(partitions):
        await asyncio.sleep(10)

    async def answers(partitions):
        assert partitions == [TopicPartition(agent.source, 0)]  # one partition, not the cluster's metadata
        return {partitions[0]: 7}

    for end_offsets, want in [(unreachable, "KafkaConnectionError: Unable to bootstrap"), (stalls, "TimeoutError"),
                              (answers, None)]:
        agent.consumer = SimpleNamespace(end_offsets=end_offsets)
        error = await agent.broker_error(timeout=0.05)
        assert (error if want is None else error[:len(want)]) == want


def test_repeated_errors_are_logged_once_per_interval_with_a_count_and_all_counted():
    import logging

    from newsflow.streams.metrics import RepeatedErrors

    registry, now = CollectorRegistry(), [0.0]
    repeats = RepeatedErrors(registry, interval=10.0, clock=lambda: now[0])

    def record(msg, level=logging.ERROR, **extra):
        r = logging.LogRecord("aiokafka.client", level, __file__, 1, msg, ("node-1",), None)
        r.__dict__.update(extra)
        return r

    shown = []
    for t in (0.0, 1.0, 2.0, 9.0, 11.0, 12.0):
        now[0] = t
        r = record("Unable connect to %s")
        if repeats.filter(r):
            shown.append((t, getattr(r, "repeated", 0)))
    assert shown == [(0.0, 0), (11.0, 3)]  # three held back between them
    assert repeats.filter(record("another message"))  # another kind shows at once
    assert repeats.filter(record("Unable connect to %s", level=logging.INFO))  # info is never held back
    assert repeats.filter(record("batch not written", level=logging.WARNING, stage="segment", error_type="KafkaTimeoutError"))

    get = registry.get_sample_value
    assert get("newsflow_errors_total", {"stage": "worker", "error": "aiokafka.client"}) == 7
    assert get("newsflow_errors_total", {"stage": "segment", "error": "KafkaTimeoutError"}) == 1


# --- a stage with state (stories): changelog and events in the batch's transaction ----------

CHANGELOG, EVENTS = "newsflow.stories-changelog", "stories"


def _stories_agent(monkeypatch, producer, changelog=(), settings=None):
    """The stories stage's agent, its state restored from `changelog` as an assignment would."""
    from newsflow.agents.stories import make_stage
    from newsflow.streams import changelog as changelog_module

    async def read(settings, partitions):
        assert [(tp.topic, tp.partition) for tp in partitions] == [(CHANGELOG, 0)]
        return list(changelog)

    async def committed(tp):
        return None

    monkeypatch.setattr(changelog_module, "read", read)
    agent = _agent(make_stage(), producer=producer, reads_raw=False, settings=settings)
    agent.consumer = SimpleNamespace(assignment=lambda: {TP}, committed=committed, seek=lambda tp, offset: None)
    return agent


def _story_messages(*ids):
    from tests.test_stories import article

    body = ("Serbian and Kosovo Albanian leaders failed to reach agreement in talks in Brussels on Tuesday, "
            "the mediators said, with the deadline of 10 December drawing near for the province.")
    return [_message(orjson.dumps(article(i, body if n == 0 else body + f" Report {n}.")), n) for n, i in enumerate(ids)]


def _state_records(p, topic):
    return [(t, key, value, partition) for t, key, value, _, partition in p.committed if t == topic]


async def test_a_stateful_stage_restores_before_its_first_batch_and_writes_changes_with_it(monkeypatch):
    p = FakeProducer()
    agent = _stories_agent(monkeypatch, p)
    await agent.on_partitions_assigned({TP})
    assert agent.state_ready
    await agent.handle(TP, _story_messages("a", "b"))
    changes = _state_records(p, CHANGELOG)
    assert {k for _, k, _, _ in changes} >= {b"m:a", b"m:b", b"p:a", b"clock"}
    assert {partition for *_, partition in changes} == {TP.partition}  # the input partition's state
    events = [v for _, v in p.sent(EVENTS)]
    assert [(e["type"], e["article_id"]) for e in events] == [("story-created", "a"), ("article-added", "b")]
    assert events[1]["duplicate_of"] == "a" and p.sent(EVENTS)[0][0] == events[0]["story_id"].encode()
    assert p.offsets == [({TP: 2}, "newsflow.stories")]

    restarted = FakeProducer()  # a new holder, restored from what was committed
    agent = _stories_agent(monkeypatch, restarted, changelog=[(k, None if v is None else orjson.dumps(v))
                                                                for _, k, v, _ in changes])
    await agent.on_partitions_assigned({TP})
    await agent.handle(TP, _story_messages("a", "c"))  # a redelivered, c a copy of it
    [event] = [v for _, v in restarted.sent(EVENTS)]
    assert (event["article_id"], event["duplicate_of"], event["story_id"]) == ("c", "a", events[0]["story_id"])


async def test_an_aborted_batch_resends_the_same_state_records_once_committed(monkeypatch):
    p = FakeProducer(refuse={"b"}, refuse_on=("sink",))
    agent = _stories_agent(monkeypatch, p)
    await agent.on_partitions_assigned({TP})
    aborted = []
    abort = p.abort_transaction

    async def remember_abort():
        aborted.append([(t, k, v, part) for t, k, v, _, part in p.pending if t in (CHANGELOG, EVENTS)])
        await abort()

    p.abort_transaction = remember_abort
    await agent.handle(TP, _story_messages("a", "b"))
    assert len(aborted) == 1 and aborted[0] == _state_records(p, CHANGELOG) + _state_records(p, EVENTS)
    assert [e["article_id"] for _, e in p.sent(EVENTS)] == ["a", "b"]  # b's event stands: its answer was given
    assert [v["id"] for _, v in p.sent("dead")] == ["b"]


class FailingCommit(FakeProducer):
    """Its first commit fails as a whole (the broker away): the batch is tried again."""

    failed = False

    async def commit_transaction(self):
        if not self.failed:
            self.failed = True
            self.pending = []
            raise KafkaConnectionError("broker away")
        await super().commit_transaction()


async def test_a_batch_retried_after_a_failed_commit_sends_its_drained_records_again(monkeypatch):
    monkeypatch.setattr("newsflow.streams.stage_agent.RETRY_SECONDS", 0)
    p = FailingCommit()
    agent = _stories_agent(monkeypatch, p)
    await agent.on_partitions_assigned({TP})

    async def reopen(tp):
        agent.producers[tp] = p

    agent._open = reopen
    await agent.handle(TP, _story_messages("a", "b"))
    assert p.failed and [e["article_id"] for _, e in p.sent(EVENTS)] == ["a", "b"]
    assert {k for _, k, _, _ in _state_records(p, CHANGELOG)} >= {b"m:a", b"m:b"}


async def test_a_lost_partition_throws_the_state_away_until_restored(monkeypatch):
    p = FakeProducer(fenced=True)
    agent = _stories_agent(monkeypatch, p)
    await agent.on_partitions_assigned({TP})
    await agent.handle(TP, _story_messages("a"))
    assert not agent.state_ready and not p.committed
    assert "a" not in agent.state.tracker.marks  # what the lost batch did is gone


async def test_at_least_once_the_state_records_go_out_with_the_outputs(monkeypatch):
    p = FakeProducer()
    agent = _stories_agent(monkeypatch, None, settings=Settings(transactions=False))
    agent.shared_producer = p
    commits = []

    async def commit(offsets):
        commits.append(offsets)

    agent.consumer.commit = commit
    await agent.on_partitions_assigned({TP})
    await agent.handle(TP, _story_messages("a", "b"))
    topics = [t for t, *_ in p.pending]
    assert topics.count("sink") == 2 and CHANGELOG in topics and topics.count(EVENTS) == 2
    assert commits == [{TP: 2}]
    await agent.on_partitions_revoked({TP})
    assert not agent.state_ready


async def test_a_partition_revoked_while_its_position_is_asked_keeps_no_lag_gauge():
    registry = CollectorRegistry()
    agent = _agent(Stage("extract", lambda item: item), registry=registry)
    assigned = {TP}

    async def position(tp):
        assigned.clear()  # the rebalance takes the partition meanwhile
        return 5

    agent.consumer = SimpleNamespace(assignment=lambda: set(assigned), position=position)
    await agent._export_lag({TP: 10})
    labels = {"stage": "extract", "topic": TP.topic, "partition": str(TP.partition)}
    assert registry.get_sample_value("newsflow_consumer_lag", labels) is None
