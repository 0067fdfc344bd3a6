"""The NER models' greedy decoding, the same answers as spaCy's parser loop for a fraction of its CPU.

spaCy's transition parser decides one token per state per step in compiled code, but as built
for Python 3.11 (spaCy 3.8, Cython 3) each of its per-state calls through a BLAS function
pointer takes the GIL to check for an exception: `perf` put a third of the English model's
decoding in `pthread_mutex_lock`/`unlock` and `take_gil`, and the loop cost as much as the
whole tok2vec (2.9 of 6.6 CPU-s on 1,324 BBC paragraphs).

The NER transition system needs little of that loop. A state's features are the next token
and, inside an open entity, the entity's first token and the token before the next one. Outside
an entity (most tokens) its features, and so its scores and its best valid move, depend on the
token alone: they are computed for every token of the batch at once, with the same arithmetic
as spaCy's (the precomputed lower layer summed feature by feature, the bias, maxout, the upper
layer through blis). Only the tokens after a Begin are decided one by one, between In and Last
of the entity's label. Entities come out identical (tests/test_entities_greedy.py and
docs/experiments-entities.md).

Only the models it was checked on take this path: greedy search (no beam), a hidden layer
(`use_upper`), three state features (state_type "ner" without extra tokens), every class seen
in training, no preset entities on the docs, and NER as the last component. Any other
pipeline keeps spaCy's own loop (`entities` says which).
"""
from __future__ import annotations

import weakref
from typing import Iterable, Iterator, Optional

import numpy as np
from blis.py import gemm as blis_gemm  # the BLAS spaCy's loop scores with: the same sums
from spacy.attrs import ENT_IOB, IS_SPACE, SENT_START

from newsflow.agents.entities.embeddings import CachedTok2Vec
from newsflow.agents.entities.encoder import maxout

Spans = list[tuple[int, int, str]]  # (start token, end token, label) per doc
_BEGIN, _IN, _LAST, _UNIT, _OUT = range(5)  # move kinds, as in the class names "B-PER", ..., "O"


class Decoder:
    """The parts of one NER component that decoding reads, checked once per pipeline."""

    def __init__(self, nlp, name: str):
        ner = nlp.get_pipe(name)
        model = ner.model
        names = [ner.moves.get_class_name(i) for i in range(ner.moves.n_moves)]
        self.name = name
        self.labels = sorted({n[2:] for n in names if n[:2] in ("B-", "U-") and n[2:]})
        label_id = {label: i + 1 for i, label in enumerate(self.labels)}  # 0: no label ("U-", "O")
        self.kind = np.array(["BILUO".index(n[0]) for n in names], dtype=np.int8)
        self.label = np.array([label_id.get(n[2:], 0) for n in names], dtype=np.int16)
        # The In and Last move of each label (index 0 unused), the pair an open entity chooses from.
        self.in_move = [0] * (len(self.labels) + 1)
        self.last_move = [0] * (len(self.labels) + 1)
        for i, (k, lab) in enumerate(zip(self.kind, self.label)):
            if k == _IN:
                self.in_move[lab] = i
            elif k == _LAST:
                self.last_move[lab] = i
        # The token vectors the NER reads: its tok2vec (or the listener of a tok2vec component),
        # then a projection; through the cache where the tok2vec has spaCy's embed/encode shape.
        self.tok2vec = model.get_ref("tok2vec")
        self.tok2vec_cache = CachedTok2Vec.of(nlp, name)
        self.lower = model.get_ref("lower")
        upper = model.get_ref("upper")
        self.W = np.ascontiguousarray(upper.get_param("W"))
        self.b = upper.get_param("b")
        self.nO, self.nP = self.lower.get_dim("nO"), self.lower.get_dim("nP")
        self.bias = self.lower.get_param("b").reshape(self.nO * self.nP)

    @classmethod
    def fits(cls, nlp, name: str) -> bool:
        """Whether the component is one this decoding reproduces (see the module's doc)."""
        if not nlp.pipe_names or nlp.pipe_names[-1] != name:
            return False
        ner = nlp.get_pipe(name)
        model = getattr(ner, "model", None)
        if ner.cfg.get("beam_width", 1) != 1 or model is None or not model.attrs.get("has_upper"):
            return False
        if model.attrs.get("unseen_classes") or not model.has_ref("lower") or not model.has_ref("upper"):
            return False
        names = [ner.moves.get_class_name(i) for i in range(ner.moves.n_moves)]
        if not names or any(n != "O" and n[:2] not in ("B-", "I-", "L-", "U-") for n in names):
            return False
        return model.get_ref("lower").get_dim("nF") == 3

    def _token_vectors(self, docs: list) -> np.ndarray:
        if self.tok2vec_cache is None:
            return self.tok2vec.predict(docs)
        vectors = self.tok2vec_cache(docs)
        for layer in self.tok2vec.layers[1:]:  # what follows the tok2vec (or its listener)
            vectors = layer.predict(vectors)
        return vectors

    def _scores(self, h: np.ndarray) -> np.ndarray:
        s = blis_gemm(np.ascontiguousarray(h, dtype=np.float32), self.W, trans2=True)
        s += self.b
        return s

    def __call__(self, docs: list) -> list[Spans]:
        out: list[Spans] = [[] for _ in docs]
        lengths = np.array([len(d) for d in docs], dtype=np.int64)
        n = int(lengths.sum())
        if n == 0:
            return out
        arrays = [d.to_array([IS_SPACE, SENT_START, ENT_IOB]) for d in docs if len(d)]
        attrs = np.concatenate(arrays).reshape(n, 3)
        if attrs[:, 2].any():
            raise ValueError("greedy decoding does not keep preset entities")
        space = attrs[:, 0].astype(bool)
        ends = np.cumsum(lengths)
        has_next = np.ones(n, dtype=bool)
        has_next[ends[lengths > 0] - 1] = False  # a doc's last token: no B, no I
        next_starts = np.zeros(n, dtype=bool)
        next_starts[:-1] = attrs[1:, 1] == 1
        next_starts &= has_next
        # The lower layer for every token (row 0: the padding for an absent feature), as spaCy's
        # step model computes it.
        P = self.lower.predict(self._token_vectors(docs))
        P = P.reshape(P.shape[0], P.shape[1], self.nO * self.nP)
        # Outside an entity: the token, then features 1 and 2 absent, then the bias, in spaCy's order.
        u = P[1:, 0] + P[0, 1]
        u += P[0, 2]
        u += self.bias
        scores = self._scores(maxout(u, self.nO, self.nP))
        kind, label = self.kind, self.label
        may_open = (~space & has_next & ~next_starts)[:, None] & ((kind == _BEGIN) & (label > 0))[None, :]
        may_unit = (~space)[:, None] & ((kind == _UNIT) & (label > 0))[None, :]
        valid = may_open | may_unit | (kind == _OUT)[None, :]
        guess = np.where(valid, scores, -np.inf).argmax(axis=1)  # the first of equal bests, as spaCy
        starts = np.concatenate(([0], ends[:-1]))
        doc_of = np.repeat(np.arange(len(docs)), lengths)
        g_kind, g_label = kind[guess], label[guess]
        pos = 0
        for g in np.flatnonzero((g_kind == _BEGIN) | (g_kind == _UNIT)).tolist():
            if g < pos:
                continue  # inside the entity just read
            lab = int(g_label[g])
            end = g + 1 if g_kind[g] == _UNIT else self._close(P, g, lab, has_next, next_starts)
            d = int(doc_of[g])
            out[d].append((g - int(starts[d]), end - int(starts[d]), self.labels[lab - 1]))
            pos = end
        return out

    def _close(self, P: np.ndarray, first: int, lab: int, has_next: np.ndarray, next_starts: np.ndarray) -> int:
        """The end (exclusive) of the entity opened at `first`: each next token goes In or Last,
        whichever scores more (In only where a token follows in its doc and no sentence starts)."""
        i_move, l_move = self.in_move[lab], self.last_move[lab]
        t = first + 1
        while True:
            u = P[t + 1, 0] + P[first + 1, 1]  # the token, the entity's first token,
            u += P[t, 2]  # the token before it
            u += self.bias
            s = self._scores(maxout(u, self.nO, self.nP)[None, :])[0]
            if has_next[t] and not next_starts[t]:
                better_in = s[i_move] > s[l_move] or (s[i_move] == s[l_move] and i_move < l_move)
                if better_in:
                    t += 1
                    continue
            return t + 1


def entities(nlp, texts: Iterable[str], batch_size: int) -> Iterator[tuple[object, Spans]]:
    """Each text's doc and its entities (start token, end token, label), through the fast
    decoding where the pipeline's NER fits it, else through spaCy's own."""
    decoder = _decoder(nlp)
    if decoder is None:
        for doc in nlp.pipe(texts, batch_size=batch_size):
            yield doc, [(e.start, e.end, e.label_) for e in doc.ents]
        return
    if decoder.tok2vec_cache is not None:  # the decoder computes the token vectors
        docs = [nlp.make_doc(text) for text in texts]
    else:
        docs = list(nlp.pipe(texts, batch_size=batch_size, disable=[decoder.name]))
    yield from zip(docs, decoder(docs))


_decoders: "weakref.WeakKeyDictionary[object, Optional[Decoder]]" = weakref.WeakKeyDictionary()


def _decoder(nlp) -> Optional[Decoder]:
    if nlp not in _decoders:
        name = "ner" if "ner" in nlp.pipe_names else None
        _decoders[nlp] = Decoder(nlp, name) if name and Decoder.fits(nlp, name) else None
    return _decoders[nlp]
