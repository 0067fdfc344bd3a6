"""newsflow's character n-gram naive Bayes model (trained by agents/language_model/train.py).

Only scores a given candidate set; the caller decides when it is worth asking.
"""
from __future__ import annotations

import functools
import os
import re

import numpy as np

MODEL_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "language_model", "ngrams.npz")
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


class NgramModel:
    def __init__(self, path: str = MODEL_PATH):
        z = np.load(path)
        self.langs = [str(l) for l in z["langs"]]
        self.col = {l: j for j, l in enumerate(self.langs)}
        vocab = z["vocab"]
        self.index = {str(g): i for i, g in enumerate(vocab)}
        m = np.empty((len(vocab), len(self.langs)), dtype=np.float16)
        m[:] = z["floors"].astype(np.float16)[None, :]
        m[z["rows"], z["cols"]] = z["vals"]
        self.matrix = m

    def scores(self, text: str, candidates) -> dict[str, float]:
        """Mean log-probability per n-gram for each candidate the model knows."""
        latin = "sr-Latn" in self.col and not any("\u0400" <= ch <= "\u04ff" for ch in text[:200])
        names = ["sr-Latn" if c == "sr" and latin else c for c in candidates]
        cols = [self.col[c] for c in names if c in self.col]
        if not cols:
            return {}
        get = self.index.get
        idx = [i for i in map(get, ngrams(text[:_MAX_CHARS])) if i is not None]
        if not idx:
            return {}
        sub = self.matrix[np.asarray(idx)][:, cols].astype(np.float32)
        s = sub.sum(axis=0) / len(idx)
        return {self.langs[j].split("-")[0]: float(v) for j, v in zip(cols, s)}


@functools.cache
def model() -> NgramModel:
    # NEWSFLOW_LANG_NGRAMS: another model file (e.g. one trained on half the documents, to check).
    return NgramModel(os.environ.get("NEWSFLOW_LANG_NGRAMS") or MODEL_PATH)
