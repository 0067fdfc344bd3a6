"""The tok2vec encoder computed for inference (agents/entities/encoder.py) gives bit for bit
the vectors thinc's layers give, for every NER model newsflow ships and for encoders of other
depths and windows; other encoders keep thinc's own layers."""
from __future__ import annotations

import numpy as np
import pytest
import spacy

from newsflow.agents.entities.embeddings import CachedTok2Vec
from newsflow.agents.entities.encoder import WindowEncoder, encoder_of
from newsflow.agents.entities.ner_models import DEFAULT_MODELS, OWN_LANGUAGES, load, model_path
from tests.conftest import SHARED
from tests.test_entities_greedy import AWKWARD, NEWS, NTREX, _paragraphs

LANGS = [("en", NEWS / "bbc_news.jsonl.gz"), ("fr", NEWS / "masakhanews_fr_sw.jsonl.gz"),
         *[(lang, NTREX) for lang in OWN_LANGUAGES]]


def _batches(nlp, embed, texts: list[str], size: int):
    for i in range(0, len(texts), size):
        docs = [d for d in map(nlp.make_doc, texts[i : i + size]) if len(d)]
        if docs:
            yield embed.predict(docs)


@pytest.mark.parametrize("lang,path", LANGS, ids=[lang for lang, _ in LANGS])
def test_the_encoder_gives_thincs_vectors(lang, path):
    nlp = load(model_path() if lang == "en" else DEFAULT_MODELS[lang])
    name = [n for n in nlp.pipe_names if n.endswith("ner")][-1]
    cache = CachedTok2Vec.of(nlp, name)
    assert cache is not None and isinstance(cache.encode, WindowEncoder), f"{lang}: thinc's layers are back"
    thinc_encode = (nlp.get_pipe(nlp.pipe_names[0]).model if len(nlp.pipe_names) == 2
                    else nlp.get_pipe(name).model.get_ref("tok2vec").layers[0]).get_ref("encode")
    texts = _paragraphs(path, lang, 120) + AWKWARD
    for size in (64, 5, 1):  # one token alone, a doc alone, a batch
        for vectors in _batches(nlp, cache.embed, texts, size):
            got, want = cache.encode(vectors), thinc_encode.predict(vectors)
            assert len(got) == len(want)
            for a, b in zip(got, want):
                assert a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b)


@pytest.mark.parametrize("window,depth", [(1, 1), (2, 3)])
def test_other_windows_and_depths_give_thincs_vectors(window, depth):
    encode = spacy.registry.architectures.get("spacy.MaxoutWindowEncoder.v2")(
        width=32, window_size=window, maxout_pieces=2, depth=depth)
    rng = np.random.default_rng(0)
    vectors = [rng.normal(size=(n, 32)).astype("f") for n in (1, 7, 30)]
    encode.initialize(X=vectors)
    fast = encoder_of(encode)
    assert isinstance(fast, WindowEncoder) and len(fast.blocks) == depth
    for got, want in zip(fast(vectors), encode.predict(vectors)):
        assert np.array_equal(got, want)


def test_other_encoders_keep_thincs_layers():
    encode = spacy.registry.architectures.get("spacy.MishWindowEncoder.v2")(width=32, window_size=1, depth=2)
    assert WindowEncoder.of(encode) is None and encoder_of(encode) == encode.predict
