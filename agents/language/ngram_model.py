"""newsflow's character n-gram naive Bayes model (data/ngrams.npz, trained by data/train.py).

Only scores a given candidate set; the caller decides when it is worth asking.
"""
from __future__ import annotations

import functools
import os
import re

import numpy as np

MODEL_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "ngrams.npz")
_WORDS = re.compile(r"[^\W\d_]+")
MAX_N = 4
_MAX_CHARS = 400  # a paragraph's worth: enough to separate close languages, bounded cost


def ngrams(text: str) -> list[str]:
    """Character 1..4-grams of each lower-cased word padded with spaces (CJK runs included)."""
    out = []
    for w in _WORDS.findall(text.lower()):
        w = f" {w} "
        n = len(w)
        for k in range(1, MAX_N + 1):
            out.extend(w[i : i + k] for i in range(n - k + 1))
    return out


# An n-gram (1 to 4 characters) as one 64-bit key: 16 bits per character, zero-padded; characters
# outside the Basic Multilingual Plane collapse to U+FFFF (rare in letters; a harmless collision).
def _keys_of_vocab(vocab: np.ndarray) -> np.ndarray:
    c = np.ascontiguousarray(vocab).view(np.uint32).reshape(len(vocab), MAX_N).astype(np.uint64)
    c[c > 0xFFFF] = 0xFFFF
    return (c[:, 0] << 48) | (c[:, 1] << 32) | (c[:, 2] << 16) | c[:, 3]


_SPACE = 32
_CYRILLIC = re.compile("[\u0400-\u04ff]")


def _text_keys(text: str) -> np.ndarray:
    """Keys of the n-grams `ngrams(text)` yields, vectorised: words joined by two spaces (so each
    keeps its own padding), n-grams with a space inside (or two spaces) dropped."""
    words = _WORDS.findall(text.lower())
    if not words:
        return np.zeros(0, dtype=np.uint64)
    s = " " + "  ".join(words) + " "
    a = np.frombuffer(s.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    a[a > 0xFFFF] = 0xFFFF
    sp = a == _SPACE
    n = len(a)
    k1 = a << 48
    k2 = k1[:-1] | (a[1:] << 32)
    ok2 = ~(sp[:-1] & sp[1:])
    k3 = k2[:-1] | (a[2:] << 16)
    ok3 = ~sp[1 : n - 1]
    k4 = k3[:-1] | a[3:]
    ok4 = ~(sp[1 : n - 2] | sp[2 : n - 1])
    return np.concatenate((k1, k2[ok2], k3[ok3], k4[ok4]))


class NgramModel:
    """Per language, the n-grams of its top list (sparse), everything else at its floor; dense
    columns are built only for languages that get scored. A few MB resident plus ~0.6 MB per
    scored language, instead of a dense 66 MB matrix and a 30 MB dict."""

    def __init__(self, path: str = MODEL_PATH):
        z = np.load(path)
        self.langs = [str(l) for l in z["langs"]]
        self.col = {l: j for j, l in enumerate(self.langs)}
        vocab = z["vocab"]
        order = np.argsort(vocab, kind="stable")
        vocab = vocab[order]
        self.keys = _keys_of_vocab(vocab)  # sorted: n-grams are looked up with searchsorted
        new_row = np.empty(len(order), dtype=np.int32)
        new_row[order] = np.arange(len(order), dtype=np.int32)
        cols = z["cols"]
        by_col = np.argsort(cols, kind="stable")
        self.entry_row = new_row[z["rows"]][by_col]
        self.entry_val = z["vals"][by_col].astype(np.float16)
        self.colptr = np.zeros(len(self.langs) + 1, dtype=np.int64)
        np.cumsum(np.bincount(cols, minlength=len(self.langs)), out=self.colptr[1:])
        self.floors = z["floors"].astype(np.float16)
        self.n_vocab = len(vocab)
        self._dense: dict[int, np.ndarray] = {}

    def column(self, j: int) -> np.ndarray:
        """Log-probabilities of every n-gram for language j (built when first asked: only the
        languages of confusable groups ever are, ~0.6 MB each)."""
        col = self._dense.get(j)
        if col is None:
            col = np.full(self.n_vocab, self.floors[j], dtype=np.float16)
            lo, hi = self.colptr[j], self.colptr[j + 1]
            col[self.entry_row[lo:hi]] = self.entry_val[lo:hi]
            self._dense[j] = col
        return col

    def lookup(self, text: str) -> np.ndarray:
        """Rows of the n-grams of `text` (as `ngrams(text)` lists them) that the model knows."""
        q = _text_keys(text)
        if not len(q):
            return q
        q.sort()  # sorted queries: searchsorted runs twice as fast (cache)
        pos = np.searchsorted(self.keys, q)
        pos[pos >= len(self.keys)] = 0
        return pos[self.keys[pos] == q]

    def scores(self, text: str, candidates) -> dict[str, float]:
        """Mean log-probability per n-gram for each candidate the model knows."""
        latin = "sr-Latn" in self.col and not _CYRILLIC.search(text, 0, 200)
        names = ["sr-Latn" if c == "sr" and latin else c for c in candidates]
        cols = sorted({self.col[c] for c in names if c in self.col})
        if not cols:
            return {}
        idx = self.lookup(text[:_MAX_CHARS])
        n = len(idx)
        if not n:
            return {}
        s = [float(np.sum(self.column(j)[idx], dtype=np.float32)) / n for j in cols]
        return {self.langs[j].split("-")[0]: v for j, v in zip(cols, s)}


@functools.cache
def load_model(path: str = MODEL_PATH) -> NgramModel:
    """One model per file per process."""
    return NgramModel(path)
