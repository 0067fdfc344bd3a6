"""Bounded cost per item: the per-item time limit, hostile HTML, the NER's bounds."""
from __future__ import annotations

import time

import pytest

from newsflow.agents.entities import recognise
from newsflow.agents.entities.mentions import Taken
from newsflow.agents.extract import extract
from newsflow.agents.pipeline import Envelope, enrich_batch
from newsflow.agents.stage import Failure, Stage, StageError, check_deadline, run_stage
from newsflow.schemas import Article, DeadLetter, Entity, RawItem, Span
from tests.conftest import raw


def _slow(seconds: float, *, cooperative: bool = True):
    def process(article: Article) -> Article:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            time.sleep(0.01)
            if cooperative:
                check_deadline()
        return article
    return process


def _article(i: int = 0) -> Article:
    return Article(id=f"a{i}", body="Some text.")


def test_an_item_past_the_limit_is_a_timeout_soon_after_it():
    started = time.perf_counter()
    [result] = run_stage(Stage("slow", _slow(5.0)), [_article()], timeout=0.3)
    assert isinstance(result, Failure) and result.reason == "timeout"
    assert time.perf_counter() - started < 0.3 + 0.2


def test_a_result_that_comes_back_late_is_a_timeout_too():
    [result] = run_stage(Stage("late", _slow(0.4, cooperative=False)), [_article()], timeout=0.2)
    assert isinstance(result, Failure) and result.reason == "timeout"


def test_a_late_batch_is_rerun_item_by_item_and_only_the_slow_item_fails():
    def process(article: Article) -> Article:
        return _slow(5.0)(article) if article.id == "a1" else article

    stage = Stage("b", process, batch=lambda items: [process(a) for a in items])
    results = run_stage(stage, [_article(0), _article(1), _article(2)], timeout=0.3)
    assert [r.reason if isinstance(r, Failure) else r.id for r in results] == ["a0", "timeout", "a2"]


def test_a_batch_gets_the_item_limit_per_item_up_to_a_cap():
    from newsflow.agents.stage import BATCH_LIMIT_CAP, batch_limit

    calls = []

    def batch(items: list[Article]) -> list[Article]:
        calls.append(len(items))
        return [_slow(0.1)(a) for a in items]  # 0.4 s in all: over one item's 0.3 s, under four's

    results = run_stage(Stage("b", lambda a: a, batch=batch), [_article(i) for i in range(4)], timeout=0.3)
    assert calls == [4] and not any(isinstance(r, Failure) for r in results)  # not rerun item by item
    assert batch_limit(10.0, 1) == 10.0 and batch_limit(10.0, 32) == BATCH_LIMIT_CAP == 60.0


def test_a_batch_rerun_item_by_item_writes_its_notes_once():
    def process(article: Article) -> Article:
        article.processing.notes.append("seen")
        return article

    def batch(items: list[Article]) -> list[Article]:
        items = [process(a) for a in items]
        return _slow(5.0)(items[0]) and items  # the batch overruns its limit after noting every item

    results = run_stage(Stage("noting", process, batch=batch), [_article(0), _article(1)], timeout=0.3)
    assert [r.processing.notes for r in results] == [["seen"], ["seen"]]


def test_the_limit_reaches_the_pipeline_as_a_dead_letter():
    out = enrich_batch([Stage("slow", _slow(5.0))], [Envelope(raw(id="x", text="Hello there."))], timeout=0.2)
    assert [(o.stage, o.reason, o.id) for o in out if isinstance(o, DeadLetter)] == [("slow", "timeout", "x")]


def test_no_deadline_outside_a_stage_call():
    check_deadline()  # nothing set: never raises


def _timed_extract(html: str):
    started = time.perf_counter()
    try:
        result = extract(RawItem(id="h", html=html))
    except StageError as exc:
        result = exc.reason
    return result, time.perf_counter() - started


PARA = "<p>" + "The council met on Monday to discuss the budget for next year. " * 20 + "</p>"


@pytest.mark.parametrize("html", [
    "<html><body>" + "<div>" * 50_000 + PARA + "</div>" * 50_000 + "</body></html>",
    "<html><body>" + "<section><span>" * 30_000 + PARA + "</body></html>",  # never closed
])
def test_deep_nesting_is_dead_lettered_at_once(html):
    reason, seconds = _timed_extract(html)
    assert reason == "pathological-html"
    assert seconds < 5.0  # refused before any parse: well under a second on a quiet core, minutes if parsed


@pytest.mark.parametrize("html", [
    "<html><body><p>" + "x" * 1_000_000 + "</p></body></html>",
    "<html><body>" + "<span>a</span>" * 200_000 + PARA + "</body></html>",
    "<html><body>" + "<table><tr><td>" * 3000 + PARA + "</td></tr></table>" * 3000 + "</body></html>",
    "<html><body>" + "<p>unclosed paragraph " * 20_000 + "</body></html>",  # sloppy, not deep
])
def test_hostile_but_shallow_pages_finish_in_seconds_not_minutes(html):
    result, seconds = _timed_extract(html)
    assert isinstance(result, Article) or result in ("empty-extraction", "pathological-html")
    assert seconds < 5.0  # these shapes once stalled a worker for minutes; well under a second on a quiet core


def test_taken_ranges():
    taken = Taken([Entity("ab", "PER", 5, 7, source="model")])
    assert taken.free(0, 5) and taken.free(7, 10) and not taken.free(6, 9) and not taken.free(4, 6)
    taken.add(100, 102)
    assert not taken.free(101, 103) and taken.free(102, 104)


def test_the_model_reads_a_bounded_prefix_and_says_so(monkeypatch):
    monkeypatch.setattr(recognise, "MAX_MODEL_CHARS", 30)
    body = "First paragraph here.\nSecond paragraph, well past the bound.\nThird."
    article = Article(id="long", body=body, paragraphs=[Span(0, 21), Span(22, 60), Span(61, 67)])
    regions = recognise._regions(article)
    assert regions == [Span(0, 21), Span(22, 30)]
    assert article.processing.notes == [f"entities: the model read the first 30 of {len(body)} characters"]


def test_pipe_chunks_are_bounded_in_regions_and_characters(monkeypatch):
    monkeypatch.setattr(recognise, "PIPE_CHARS", 100)
    monkeypatch.setattr(recognise, "PIPE_BATCH", 3)
    work = [(None, Span(0, n), None) for n in (40, 40, 40, 10, 10, 10, 10, 500)]
    sizes = [[w[1].end for w in chunk] for chunk in recognise._chunks(work)]
    assert sizes == [[40, 40], [40, 10, 10], [10, 10], [500]]
