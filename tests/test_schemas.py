"""The published schemas against what the real stages write, and against records that must fail."""
import base64
import copy
import json

import msgspec
import orjson
import pytest
from jsonschema import Draft202012Validator

from newsflow.agents import STAGE_ORDER, build_stages, parse_stage_list
from newsflow.agents.ingest import parse_raw
from newsflow.agents.pipeline import Envelope, enrich_batch
from newsflow.agents.stage import StageError, warm_up
from newsflow.inputs import iter_items
from newsflow.schemas import ARTICLE_SCHEMA, DEAD_LETTER_SCHEMA, ENRICHED_BY, RAW_ITEM_SCHEMA, EnrichedArticle
from newsflow.schemas.codec import convert, encode
from newsflow.schemas.generate import DRAFT, PUBLISHED, render
from tests.conftest import DEMO_ITEMS, FIXTURES, ROOT

SCHEMAS = {name: json.loads((ROOT / "schemas" / f).read_text()) for f, (_, name) in PUBLISHED.items()}
RAW, ARTICLE, LETTER = (Draft202012Validator(SCHEMAS[n]) for n in (RAW_ITEM_SCHEMA, ARTICLE_SCHEMA, DEAD_LETTER_SCHEMA))


@pytest.mark.parametrize("filename", sorted(PUBLISHED))
def test_published_schema_is_generated_from_the_models(filename):
    model, name = PUBLISHED[filename]
    assert (ROOT / "schemas" / filename).read_text() == render(model, name), "run: python -m newsflow.schemas.generate"


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schemas_are_draft_2020_12(name):
    schema = SCHEMAS[name]
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == DRAFT
    assert schema["$id"].startswith("https://") and "#" not in schema["$id"]
    assert len({s["$id"] for s in SCHEMAS.values()}) == len(SCHEMAS)


def _closed(schema):
    """The schema with no room for keys it does not name: the encoder's keys must be exactly these."""
    if isinstance(schema, dict):
        out = {k: _closed(v) for k, v in schema.items()}
        if "properties" in schema:
            out["additionalProperties"] = False
        return out
    return [_closed(v) for v in schema] if isinstance(schema, list) else schema


@pytest.fixture(scope="module")
def runs() -> dict[str, list[dict]]:
    """What the real stages write for the seeds and demo items, stopping after each stage in turn."""
    stages = build_stages(STAGE_ORDER)
    warm_up(stages.values())
    chain = [stages[name] for name in STAGE_ORDER]
    items = list(iter_items([str(FIXTURES / "seeds"), str(DEMO_ITEMS)]))
    out = {}
    for k, last in enumerate(STAGE_ORDER, start=1):
        envelopes = [Envelope(i.payload, topic=i.source, offset=i.position, timestamp=1.7e9) for i in items]
        out[last] = [orjson.loads(encode(o)) for o in enrich_batch(chain[:k], envelopes)]
    return out


def _articles(records):
    return [r for r in records if r["schema"] != DEAD_LETTER_SCHEMA]


@pytest.fixture(scope="module")
def final(runs) -> list[dict]:
    return _articles(runs[STAGE_ORDER[-1]])


@pytest.fixture
def bbc(final) -> dict:
    [article] = [a for a in final if a["id"].endswith("bbc_page_with_boilerplate.txt")]
    return copy.deepcopy(article)


def test_every_final_article_validates_with_exactly_the_published_keys(final):
    # 2 seeds (the wire one is five stories) + 5 good demo items (their wire item splits too).
    assert len({a["id"].split("#")[0] for a in final}) == 7 and len(final) > 7
    closed = Draft202012Validator(_closed(SCHEMAS[ARTICLE_SCHEMA]))
    for article in final:
        assert not list(closed.iter_errors(article)), article["id"]
    assert sum(len(a["entities"]) for a in final) > 50  # the entity parts of the schema are exercised


def test_the_published_model_reads_what_the_schema_accepts(runs, final):
    for article in final:
        convert(article, EnrichedArticle)
    for article in _articles(runs["extract"]):
        with pytest.raises(msgspec.ValidationError):
            convert(article, EnrichedArticle)


DEFAULT_FLOW = parse_stage_list(None)  # optional stages (stories) add to an enriched article


@pytest.mark.parametrize("last", DEFAULT_FLOW[:-1])
def test_records_between_stages_are_not_enriched_articles(runs, last):
    internal = _articles(runs[last])
    assert internal
    for record in internal:
        assert record["schema"] == ARTICLE_SCHEMA and not ARTICLE.is_valid(record), (last, record["id"])


def test_dead_letters_validate(runs):
    for records in runs.values():
        letters = [r for r in records if r["schema"] == DEAD_LETTER_SCHEMA]
        assert [(d["stage"], d["reason"]) for d in letters] == [("ingest", "invalid-json")]
        for letter in letters:
            LETTER.validate(letter)


def test_the_required_stages_are_those_after_extract():
    """A new stage must be a deliberate choice: is its work part of the contract?"""
    assert set(ENRICHED_BY) == set(DEFAULT_FLOW) - {"extract"}


def _without(path):
    def change(a):
        *parents, key = path
        for p in parents:
            a = a[p]
        del a[key]
    return change


def _set(path, value):
    def change(a):
        *parents, key = path
        for p in parents:
            a = a[p]
        a[key] = value(a[key]) if callable(value) else value
    return change


BROKEN_ARTICLES = {
    "no language": _without(["language"]),
    "null language": _set(["language"], None),
    "null paragraphs": _set(["paragraphs"], None),
    "no paragraphs": _set(["paragraphs"], []),
    "no sentences": _set(["sentences"], []),
    "previous version": _set(["schema"], "newsflow.enriched-article/1"),
    "entity offsets as strings": _set(["entities", 0, "start"], str),
    "passthrough field missing": _without(["url"]),
    "null meta": _set(["meta"], None),
    "null entities": _set(["entities"], None),
    "entity without revised_by": _without(["entities", 0, "revised_by"]),
    "source with a reviser suffix": _set(["entities", 0, "source"], "model+rule"),
    "unknown label": _set(["entities", 0, "label"], "PERSON"),
    "unknown reviser": _set(["entities", 0, "revised_by"], "human"),
    "entities stage not run": _without(["processing", "stage_ms", "entities"]),
    "null received_at": _set(["processing", "received_at"], None),
    "tokens as spans": _set(["tokens"], [{"start": 0, "end": 3}]),
}
STILL_VALID = {
    "tokens not asked for": _set(["tokens"], None),
    "no title": _set(["title"], None),
    "a mention revised by a rule": _set(["entities", 0, "revised_by"], "rule"),
    "text taken as sent (no extract stage)": lambda a: (
        a["processing"].update(extract=None), a["processing"]["stage_ms"].pop("extract")
    ),
}


@pytest.mark.parametrize("change", sorted(BROKEN_ARTICLES))
def test_broken_articles_fail(bbc, change):
    assert ARTICLE.is_valid(bbc)
    BROKEN_ARTICLES[change](bbc)
    assert not ARTICLE.is_valid(bbc)


@pytest.mark.parametrize("change", sorted(STILL_VALID))
def test_articles_that_may_vary_still_validate(bbc, change):
    STILL_VALID[change](bbc)
    ARTICLE.validate(bbc)


PAGE = "<html><body><article><p>Talks in Vienna ended without a deal on Tuesday.</p></article></body></html>"
RAW_ITEMS = [
    ({"id": "a", "html": PAGE}, True),
    ({"id": "b", "html_b64": base64.b64encode(PAGE.encode("latin-1")).decode(), "charset": "latin-1"}, True),
    ({"id": "c", "text": "Talks ended."}, True),
    ({"text": "Talks ended.", "html": None, "html_b64": None, "title": None}, True),
    ({"id": "d", "url": "https://example.com/a"}, False),
    ({"id": "e", "html": None, "html_b64": None, "text": None}, False),
    ({"id": "f", "text": 5}, False),
    ({"id": "g", "html": ["<p>x</p>"]}, False),
    ({"id": "h", "html_b64": "not base64!"}, False),
    ({"id": "i", "html_b64": "PHA"}, False),  # "<p" without its padding
    ({"id": "l", "text": ""}, True),  # well-formed; extract dead-letters it as empty-body
    ({"id": 7, "text": "Talks ended."}, False),
    ({"id": "j", "text": "Talks ended.", "meta": None}, False),
    ({"id": "k", "text": "Talks ended.", "meta": "x"}, False),
]


@pytest.mark.parametrize("item, valid", RAW_ITEMS, ids=[json.dumps(i)[:60] for i, _ in RAW_ITEMS])
def test_raw_items_and_the_ingest_agree(item, valid):
    assert RAW.is_valid(item) == valid
    try:
        parse_raw(json.dumps(item).encode())
        accepted = True
    except StageError:
        accepted = False
    assert accepted == valid


def test_demo_items_are_valid_raw_items_except_the_broken_one(demo_items):
    verdicts = []
    for line in demo_items:
        try:
            verdicts.append(RAW.is_valid(json.loads(line)))
        except json.JSONDecodeError:
            continue
    assert verdicts == [True] * (len(demo_items) - 1)
