"""The token-to-vector layers with each distinct token's embedding computed once.

A tok2vec model embeds each token from its own attributes (hash embeddings of NORM, PREFIX,
SUFFIX and SHAPE, and its static vector), mixes them in a maxout layer, then reads the
neighbours in the encoder. The first part depends on the token alone: on 1,324 BBC
paragraphs it was a third of the English tok2vec's CPU (1.0 of 3.2 s) for 116,869 tokens of
which 10,460 differ. So the embedding rows of the words a model has met are kept (bounded:
`CACHE_ROWS`, emptied when full) and only new words go through the embedding layers, in a
batch of their own; the encoder then reads the rows as it would have read the batch's own. The
layers work row by row, so a row is the same floats whichever batch computed it, and the
tensors are bit for bit the component's own for the same batch (tests/test_entities_greedy.py);
only a batch of a few tokens differs in the last bits, for spaCy too: numpy's OpenBLAS
multiplies such small matrices with other kernels, whose sums round differently.
"""
from __future__ import annotations

import threading

import numpy as np
from spacy.attrs import NORM, ORTH
from spacy.tokens import Doc

# Distinct (word, norm) pairs kept per model: 20,000 rows of 128 floats are 10 MB; a day of
# news reuses most of its words, and a cache emptied when full refills with the common ones first.
CACHE_ROWS = 20_000


class CachedTok2Vec:
    """Sets `doc.tensor` as the pipeline's tok2vec component would, through the cache."""

    def __init__(self, tok2vec_model, vocab, rows: int = CACHE_ROWS):
        self.embed = tok2vec_model.get_ref("embed")
        self.encode = tok2vec_model.get_ref("encode")
        self.vocab = vocab
        self.rows = np.empty((rows, self.embed.get_dim("nO")), dtype=np.float32)
        self.index: dict[tuple[int, int], int] = {}
        self.lock = threading.Lock()  # the worker's stage threads may share a model

    @classmethod
    def of(cls, nlp, ner_name: str):
        """The cache for a pipeline whose NER listens to a tok2vec component that runs just
        before it and has spaCy's embed/encode structure, else None (the component runs as is)."""
        names = nlp.pipe_names
        if len(names) != 2 or names[1] != ner_name:
            return None
        component = nlp.get_pipe(names[0])
        if getattr(component, "listening_components", None) != [ner_name]:
            return None
        model = component.model
        if not (model.has_ref("embed") and model.has_ref("encode")) or not model.get_ref("embed").has_dim("nO"):
            return None
        return cls(model, nlp.vocab)

    def set_tensors(self, docs: list[Doc]) -> None:
        docs_with_tokens = [d for d in docs if len(d)]
        if not docs_with_tokens:
            return
        keys = list(map(tuple, np.concatenate([d.to_array([ORTH, NORM]) for d in docs_with_tokens]).tolist()))
        with self.lock:
            where = self._rows_of(keys)
            embedded = self.rows[where] if where is not None else None
        if embedded is None:  # more new words than the cache holds: the batch embeds itself
            vectors = self.embed.predict(docs_with_tokens)
        else:
            vectors = np.split(embedded, np.cumsum([len(d) for d in docs_with_tokens])[:-1])
        for doc, tensor in zip(docs_with_tokens, self.encode.predict(vectors)):
            doc.tensor = tensor

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
        doc = Doc(self.vocab, words=[strings[orth] for orth, _ in keys], spaces=[False] * len(keys))
        for token, (_, norm) in zip(doc, keys):
            if token.norm != norm:  # the tokenizer's exceptions set some norms per token
                token.norm_ = strings[norm]
        return self.embed.predict([doc])[0]
