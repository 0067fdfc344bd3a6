"""English NER on news of today's kind: the hand-labelled sample (tests/fixtures/ner-news-en/,
eleven NTREX-128 articles of 2018, CoNLL conventions) is well formed, scored by
bench/entities_generalisation.py as `news_hand`, and the whole stage keeps its F1 on it."""
from __future__ import annotations

import sys
from pathlib import Path

import orjson
import pytest

from newsflow.agents.entities import EntityRecognizer
from newsflow.agents.entities.ner_models import model_path
from newsflow.agents.segment import paragraphs
from newsflow.agents.segment import tokens as seg_tokens
from newsflow.schemas import Article, Language
from tests.conftest import FIXTURES

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models" / "ner-en"))
import generalisation  # noqa: E402

HAVE_MODEL = Path(model_path(), "meta.json").is_file()
# micro F1 of the whole stage on the sample, one sentence an article, exact spans and labels
# (measured 0.931 since the model trains on hand-labelled news, 0.885 before: models/ner-en/README.md)
F1_FLOOR = 0.90


def rows() -> list[dict]:
    path = FIXTURES / "ner-news-en" / "gold.jsonl"
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def test_the_sample_is_well_formed_and_falls_on_tokens():
    sample = rows()
    assert len(sample) == 171 and len({r["id"].rsplit(":", 1)[0] for r in sample}) == 11
    for r in sample:
        for e in r["entities"]:
            assert r["text"][e["start"] : e["end"]] == e["text"] and e["label"] in {"PER", "ORG", "LOC", "MISC"}
        tags = [t for _, t in generalisation._news_tokens(r["text"], r["entities"])]
        assert sum(t.startswith("B-") for t in tags) == len(r["entities"])
    src = next(s for s in generalisation.SOURCES if s.name == "news_hand")
    halves = [generalisation.eval_units(src, generalisation.data_dir(), h) for h in ("dev", "test")]
    assert sum(len(h) for h in halves) == 171 and all(halves)
    assert not src.three_way


def test_the_training_news_is_well_formed_and_never_the_sample():
    """The model trains on other articles than the ones it is scored on."""
    src = next(s for s in generalisation.SOURCES if s.name == "news_hand")
    sample = {r["id"].rsplit(":", 1)[0] for r in rows()}
    seen = set()
    for name in src.train:
        lines = [orjson.loads(line) for line in Path(generalisation.REPO, name).read_bytes().splitlines() if line.strip()]
        assert len(lines) > 500
        for r in lines:
            assert r["id"] not in seen
            seen.add(r["id"])
            assert r["id"].rsplit(":", 1)[0] not in sample
            for e in r["entities"]:
                assert r["text"][e["start"] : e["end"]] == e["text"] and e["label"] in {"PER", "ORG", "LOC", "MISC"}
    docs = generalisation.training_docs(generalisation.data_dir(), [], names={"news_hand"})["news_hand"]
    assert len(docs) == len(seen)  # one unit a sentence, every mention on tokens (else _news_tokens raises)
    texts = {" ".join(t for t, _ in s) for d in docs for s in d}
    assert not texts & {" ".join(t for t, _ in s) for u in generalisation._read_jsonl(FIXTURES / "ner-news-en" / "gold.jsonl")
                        for s in u.sents}


def test_a_mention_off_the_tokens_is_refused():
    with pytest.raises(ValueError):
        generalisation._news_tokens("Kim Jong-un came", [{"start": 0, "end": 8, "label": "PER", "text": "Kim Jong"}])


@pytest.mark.skipif(not HAVE_MODEL, reason="NER model not built")
def test_the_stage_keeps_its_f1_on_the_hand_labelled_news():
    sample = rows()
    articles = []
    for r in sample:
        a = Article(id=r["id"], body=r["text"], language=Language("en", 1.0, "Latn"))
        a.paragraphs, a.tokens = paragraphs(a.body), seg_tokens(a.body)
        articles.append(a)
    articles = EntityRecognizer().batch(articles)
    gold = {(i, e["start"], e["end"], e["label"]) for i, r in enumerate(sample) for e in r["entities"]}
    pred = {(i, e.start, e.end, e.label) for i, a in enumerate(articles) for e in a.entities}
    f1 = 2 * len(gold & pred) / (len(gold) + len(pred))
    assert f1 >= F1_FLOOR, f"F1 {f1:.3f} on the English news sample"
