import base64

import pytest

from newsflow.agents.ingest import derive_id, normalise_text, parse_raw, to_article
from newsflow.agents.pipeline import Envelope, enrich_batch
from newsflow.agents.stage import StageError
from newsflow.schemas import Article, DeadLetter, RawItem
from tests.conftest import raw


@pytest.mark.parametrize(
    "payload,reason",
    [
        (b'{"id": "x", "text": "cut off', "invalid-json"),
        (b"\xff\xfe\x00junk", "invalid-encoding"),
        (b"[1, 2, 3]", "not-an-object"),
        (b'{"id": "x", "text": 42}', "invalid-field"),
        (b'{"id": "x", "url": "http://a"}', "missing-content"),
        (b"   ", "empty-payload"),
    ],
)
def test_bad_payloads_get_a_reason(payload, reason):
    with pytest.raises(StageError) as err:
        parse_raw(payload)
    assert err.value.reason == reason


def test_too_large_is_refused_before_parsing():
    with pytest.raises(StageError) as err:
        parse_raw(raw(text="a" * 2000), max_bytes=1000)
    assert err.value.reason == "too-large"


def test_ids_are_stable_and_prefer_the_url():
    a = RawItem(url="https://x.example/a", text="one")
    b = RawItem(url="https://x.example/a", text="two")
    c = RawItem(text="one")
    assert derive_id(a) == derive_id(b) != derive_id(c)
    assert derive_id(c) == derive_id(RawItem(text="one"))


def test_text_body_only_changes_newlines_and_nfc():
    text = "Cafe\u0301 au lait\r\nsecond line  \r\n"
    article = to_article(parse_raw(raw(id="x", text=text)))
    assert article.body == "Café au lait\nsecond line  \n"
    assert article.body == normalise_text(text)


def test_enrich_batch_keeps_order_and_accounts_for_every_input():
    payloads = [raw(id="a", text="Hello world."), b"{not json", raw(id="c", text="Bye now.")]
    outcomes = enrich_batch([], [Envelope(p, topic="t", offset=i) for i, p in enumerate(payloads)])
    assert [type(o) for o in outcomes] == [Article, DeadLetter, Article]
    dead = outcomes[1]
    assert dead.reason == "invalid-json" and dead.offset == 1 and dead.stage == "ingest"
    assert base64.b64decode(dead.payload_b64) == b"{not json"


def test_html_only_without_extract_is_dead_lettered_not_emptied():
    [outcome] = enrich_batch([], [Envelope(raw(id="h", html="<p>Hi</p>"))])
    assert isinstance(outcome, DeadLetter) and outcome.reason == "needs-extract"


def test_dead_letters_of_truncated_json_keep_the_id():
    [outcome] = enrich_batch([], [Envelope(b'{"id": "item-7", "text": "cut off mid-wr')])
    assert isinstance(outcome, DeadLetter) and outcome.id == "item-7"


def test_a_stage_may_split_an_item_and_outputs_stay_in_place():
    from newsflow.agents.stage import Stage

    def split(article):
        if article.id != "two":
            return article
        return [Article(id="two#1", body="a"), Article(id="two#2", body="b")]

    payloads = [raw(id="one", text="x"), raw(id="two", text="y"), b"{bad", raw(id="three", text="z")]
    outcomes = enrich_batch([Stage("language", split)], [Envelope(p, offset=i) for i, p in enumerate(payloads)])
    assert [getattr(o, "id", None) for o in outcomes] == ["one", "two#1", "two#2", None, "three"]
    assert all(o.processing.stage_ms["language"] >= 0 for o in outcomes if isinstance(o, Article))

