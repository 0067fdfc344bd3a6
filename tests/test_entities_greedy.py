"""The fast greedy decoding (agents/entities/greedy.py) finds exactly the entities spaCy's own
parser loop finds, with every NER model newsflow ships, on real news paragraphs and on the
awkward texts (empty, whitespace, one token, runs of spaces and line breaks)."""
from __future__ import annotations

import gzip
import json

import pytest
import spacy

from newsflow.agents.entities import greedy
from newsflow.agents.entities.embeddings import CachedTok2Vec
from newsflow.agents.entities.ner_models import DEFAULT_MODELS, OWN_LANGUAGES, load, model_path
from tests.conftest import SHARED

NEWS = SHARED / "data" / "news_corpus"
NTREX = SHARED / "data" / "news_clustering" / "ntrex_crosslingual.jsonl.gz"
AWKWARD = ["", " ", "\n\n", "Paris", "Paris.", "  New  York \n\n London  ", "The United Nations\n\nin Geneva",
           "A. B. C. D. E. F. G.", "x " * 300]


def _paragraphs(path, lang: str, limit: int) -> list[str]:
    out: list[str] = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if row["lang"] != lang:
                continue
            out += [p for p in (row.get("title") or "", *row["text"].split("\n")) if p.strip()]
            if len(out) >= limit:
                return out[:limit]
    return out


def _spacy_loop(nlp, texts: list[str]):
    return [[(e.start, e.end, e.label_) for e in doc.ents] for doc in nlp.pipe(texts, batch_size=64)]


def _greedy(nlp, texts: list[str]):
    return [spans for _, spans in greedy.entities(nlp, texts, batch_size=64)]


CASES = [
    ("en", NEWS / "bbc_news.jsonl.gz", 600),
    ("fr", NEWS / "masakhanews_fr_sw.jsonl.gz", 200),
    *[(lang, NTREX, 150) for lang in OWN_LANGUAGES],
]


@pytest.mark.parametrize("lang,path,limit", CASES, ids=[c[0] for c in CASES])
def test_the_greedy_decoding_finds_what_spacys_loop_finds(lang, path, limit):
    nlp = load(model_path() if lang == "en" else DEFAULT_MODELS[lang])
    assert greedy._decoder(nlp) is not None, f"the {lang} model no longer fits the fast decoding"
    texts = _paragraphs(path, lang, limit) + AWKWARD
    expected = _spacy_loop(nlp, texts)
    assert sum(map(len, expected)) > limit // 4  # real text with entities, not a vacuous match
    # one batch of all, and odd batch sizes: a state's answer must not depend on its batch
    assert _greedy(nlp, texts) == expected
    assert [s for i in range(0, len(texts), 7) for s in _greedy(nlp, texts[i : i + 7])] == expected


def test_the_docs_come_back_in_order_with_their_text():
    nlp = load(model_path())
    texts = ["Angela Merkel met Emmanuel Macron in Berlin.", "", "Reuters reported from Tokyo."]
    found = list(greedy.entities(nlp, texts, batch_size=2))
    assert [doc.text for doc, _ in found] == texts
    labelled = [[(doc[s:e].text, label) for s, e, label in spans] for doc, spans in found]
    assert ("Berlin", "LOC") in labelled[0] and labelled[1] == [] and ("Tokyo", "LOC") in labelled[2]


def test_other_pipelines_keep_spacys_own_loop():
    beam = spacy.blank("en")
    beam.add_pipe("beam_ner")
    beam.initialize()
    untagged = spacy.blank("en")
    assert greedy._decoder(beam) is None and greedy._decoder(untagged) is None
    text = "Nothing to find here."
    assert [spans for _, spans in greedy.entities(untagged, [text], batch_size=8)] == [[]]
    assert len([doc for doc, _ in greedy.entities(beam, [text], batch_size=8)]) == 1


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_cached_embeddings_give_the_tok2vecs_own_vectors(lang):
    """Rows embedded in other batches, a cache emptied when full and a batch with more new
    words than the cache holds all give bit for bit the vectors the model's tok2vec computes
    for the same batch (a tok2vec component for English, the NER's own for French). (A batch
    of a few tokens alone is another matter, for spaCy too: the BLAS multiplies such small
    matrices with other kernels, whose sums round differently.)"""
    nlp = load(model_path() if lang == "en" else DEFAULT_MODELS[lang])
    source = NEWS / ("bbc_news.jsonl.gz" if lang == "en" else "masakhanews_fr_sw.jsonl.gz")
    texts = _paragraphs(source, lang, 150)
    texts[20:20] = ["We'll see y'all gonna", "  \n ", ""]  # norms set per token; whitespace; nothing
    tok2vec = nlp.pipe_names[0] if lang == "en" else None
    model = nlp.get_pipe(tok2vec).model if tok2vec else nlp.get_pipe("ner").model.get_ref("tok2vec").layers[0]
    for rows in (20_000, 300, 40):  # all kept; emptied now and then; more new words than rows
        cache = CachedTok2Vec(model, nlp.vocab, rows=rows)
        for i in range(0, len(texts), 16):
            docs = [nlp.make_doc(t) for t in texts[i : i + 16]]
            expected = model.predict(docs)
            got = cache(docs)
            assert len(got) == len(docs)
            for vectors, want in zip(got, expected):
                assert vectors.shape == want.shape and (vectors == want).all()
    assert CachedTok2Vec.of(nlp, "ner") is not None
