"""Property-based fuzzing of the whole flow (extract, language, segment, entities).

Whatever bytes arrive, every input yields at least one article or exactly one dead letter,
and every offset an article carries points inside its body (sentences inside paragraphs,
entities inside sentences). Examples are bounded (about 1,500 in all) and derandomized, so CI
sees the same inputs each run.
"""
from __future__ import annotations

import base64
import json

import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newsflow.agents import build_stages, parse_stage_list
from newsflow.agents.pipeline import Envelope, enrich_batch, start_batch
from newsflow.schemas import Article, DeadLetter
from newsflow.streams.config import Settings

settings.register_profile(
    "fuzz", deadline=None, derandomize=True, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FUZZ = settings.get_profile("fuzz")


@pytest.fixture(scope="module")
def stages():
    return list(build_stages(parse_stage_list("all"), Settings()).values())


# --- inputs ----------------------------------------------------------------------------

_EDGE_STRINGS = st.sampled_from([
    "", " ", "\n\n\n", "\u200b\u200b", "\ufeffBOM first", "e\u0301" * 300, "\U0001F600" * 200, "a" * 60_000,
    "\u202eright-to-left override", "\u0000\u0001 controls", "\r\n\r\n", "x" * 20_000 + " end.",
    "Ω≈ç√∫˜µ≤≥÷" * 50, "\u0645\u0631\u062d\u0628\u0627 " * 100, "日本語の文章です。" * 100,
])
_WORDS = st.sampled_from([
    "The", "minister", "said", "on", "Monday", "that", "London", "Paris", "Barack Obama", "United Nations",
    "Mr.", "Dr", "U.S.", "3.5%", "£600m", "(BBC)", "-", "\u2014", "...", "?", "!", "\"quoted\"", "e.g.",
    "président", "Macron", "a", "déclaré", "Ελλάδα", "Москва", "北京", "。", "\t", "  ", "co-operate",
])
_SEPARATORS = st.sampled_from([" ", " ", " ", "\n", "\n\n", ". ", ", ", "\u00a0", "\r\n", ""])


@st.composite
def news_like(draw) -> str:
    parts = draw(st.lists(st.tuples(_WORDS, _SEPARATORS), max_size=120))
    return "".join(w + s for w, s in parts)


TEXTS = st.one_of(news_like(), st.text(max_size=400), _EDGE_STRINGS)


@st.composite
def html_pages(draw, depth: int = 0) -> str:
    """Pages from a small grammar: nested blocks, inline tags, text, broken or unclosed tags."""
    tags = ["div", "p", "article", "section", "span", "a", "li", "ul", "table", "tr", "td", "h1", "h2",
            "script", "style", "aside", "nav", "time", "b", "br"]
    pieces = []
    for _ in range(draw(st.integers(0, 6 if depth < 4 else 0))):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            pieces.append(draw(TEXTS))
        elif kind == 1:
            tag = draw(st.sampled_from(tags))
            attrs = draw(st.sampled_from(["", ' class="article-body"', ' itemprop="articleBody"', ' class="share"',
                                          ' datetime="2019-11-19"', ' href="/x"']))
            closing = draw(st.sampled_from([f"</{tag}>", "", "</div>"]))
            pieces.append(f"<{tag}{attrs}>{draw(html_pages(depth + 1))}{closing}")
        elif kind == 2:
            pieces.append(draw(st.sampled_from(["<", ">", "</", "<!--", "-->", "<![CDATA[", "&amp;", "&#0;",
                                                "&nbsp;", "<meta name=\"author\" content=\"A\">"])))
        else:
            pieces.append("<p>" + draw(news_like()) + "</p>")
    body = "".join(pieces)
    return body if depth else f"<html><head><title>{draw(TEXTS)[:80]}</title></head><body>{body}</body></html>"


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False) | TEXTS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
_FIELDS = ["id", "url", "source", "title", "published_at", "fetched_at", "lang_hint", "meta", "html", "text",
           "html_b64", "charset"]


@st.composite
def raw_objects(draw) -> dict:
    """Raw items with any mix of known fields, of the right type or not, and unknown keys."""
    obj = {}
    for name in draw(st.lists(st.sampled_from(_FIELDS), max_size=6, unique=True)):
        obj[name] = draw(st.one_of(TEXTS, _JSON))
    if draw(st.booleans()):
        obj[draw(st.text(max_size=10))] = draw(_JSON)
    return obj


@st.composite
def payloads(draw) -> bytes:
    """Any bytes a producer could send: junk, JSON of any shape, near-valid and valid items."""
    kind = draw(st.integers(0, 5))
    if kind == 0:
        return draw(st.binary(max_size=300))
    if kind == 1:
        return orjson.dumps(draw(_JSON))
    if kind == 2:  # json (not orjson) writes lone surrogates as escapes: the item must not crash us
        return json.dumps(draw(raw_objects())).encode()
    if kind == 3:
        return orjson.dumps(draw(raw_objects()))
    if kind == 4:
        page = draw(html_pages()).encode(draw(st.sampled_from(["utf-8", "latin-1", "utf-16"])), "replace")
        return orjson.dumps({"id": "b64", "html_b64": base64.b64encode(page).decode(),
                             "charset": draw(st.sampled_from([None, "utf-8", "latin-1", "nonsense"]))})
    return orjson.dumps({"id": draw(st.text(max_size=20)), "text": draw(TEXTS), "lang_hint": draw(
        st.sampled_from([None, "en", "fr", "xx", ""]))})


# --- properties ------------------------------------------------------------------------

def check_accounted(outcomes: list) -> None:
    articles = [o for o in outcomes if isinstance(o, Article)]
    dead = [o for o in outcomes if isinstance(o, DeadLetter)]
    assert len(articles) + len(dead) == len(outcomes)
    assert (len(articles) >= 1 and not dead) or (len(dead) == 1 and not articles), outcomes
    for d in dead:
        assert d.reason and d.stage
    for a in articles:
        check_offsets(a)


def _inside(span, spans) -> bool:
    return any(s.start <= span.start and span.end <= s.end for s in spans)


def check_offsets(a: Article) -> None:
    n = len(a.body)
    assert a.body.strip(), "an article with an empty body"
    for s in (*a.paragraphs, *a.sentences, *a.language_spans, *a.entities):
        assert 0 <= s.start < s.end <= n, (s, n)
    for s in a.sentences:
        assert _inside(s, a.paragraphs), s
    for e in a.entities:
        assert _inside(e, a.sentences), e
        assert e.text == a.body[e.start : e.end]
    toks = a.tokens or []
    assert len(toks) % 2 == 0
    for start, end in zip(toks[0::2], toks[1::2]):
        assert 0 <= start < end <= n


def _run(stages, payload: bytes) -> list:
    return enrich_batch(stages, [Envelope(payload, topic="fuzz", offset=0)])


@settings(FUZZ, max_examples=700)
@given(payload=payloads())
@example(payload=b"\xff\xfe")
@example(payload=b'{"id": "x", "text": "\\ud800 lone surrogate"}')
@example(payload=b'{"html": "<div>' + b"<div>" * 6000 + b'</div>"}')
def test_every_payload_is_accounted_for(stages, payload):
    check_accounted(_run(stages, payload))


@settings(FUZZ, max_examples=350)
@given(text=TEXTS, title=st.one_of(st.none(), st.text(max_size=30)))
@example(text="The The The The The The The The ", title=None)  # an ORG across a sentence end
def test_any_text_gives_valid_offsets(stages, text, title):
    check_accounted(_run(stages, orjson.dumps({"id": "t", "title": title, "text": text})))


@settings(FUZZ, max_examples=350)
@given(page=html_pages())
def test_any_html_gives_valid_offsets(stages, page):
    check_accounted(_run(stages, orjson.dumps({"id": "h", "url": "https://example.com/2019/11/19/x", "html": page})))


@settings(FUZZ, max_examples=80)
@given(batch=st.lists(payloads(), min_size=1, max_size=8))
def test_a_batch_accounts_for_each_of_its_inputs(stages, batch):
    """Batched (the entities stage reads the whole batch at once), outputs stay beside their input."""
    envelopes = [Envelope(p, topic="fuzz", offset=i) for i, p in enumerate(batch)]
    outcomes, envs = start_batch(stages, envelopes)
    assert sorted({e.offset for e in envs}) == list(range(len(batch)))
    for i in range(len(batch)):
        check_accounted([o for o, e in zip(outcomes, envs) if e.offset == i])
