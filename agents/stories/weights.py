"""Online document frequencies, so rare words and anchors weigh more than common ones.

Counts decay (all halved every `half_life` articles, the zeros dropped), which keeps the table
bounded and lets the weights follow what the news is about this week.
"""
from __future__ import annotations

import math
from collections import Counter
from typing import Iterable


class DocumentFrequencies:
    def __init__(self, half_life: int = 20_000, prior_docs: int = 20):
        self.half_life = half_life
        # As if this many articles without the key came first: the first articles of a stream
        # would otherwise weigh every shared word (df 2 of 2) next to nothing.
        self.prior_docs = prior_docs
        self.docs = 0.0
        self.df: Counter = Counter()
        self._since_decay = 0

    def __len__(self) -> int:
        return len(self.df)

    def add(self, keys: Iterable[str]) -> None:
        """One more article with these keys (each counted once, however often it occurs)."""
        self.df.update(set(keys))
        self.docs += 1
        self._since_decay += 1
        if self._since_decay >= self.half_life:
            self._decay()

    def _decay(self) -> None:
        self.docs /= 2
        self.df = Counter({k: v // 2 for k, v in self.df.items() if v >= 2})
        self._since_decay = 0

    def idf(self, key: str) -> float:
        return math.log((self.docs + self.prior_docs + 1.0) / (self.df.get(key, 0) + 0.5))

    def share(self, key: str) -> float:
        """Share of recent articles with this key (1.0 = every one)."""
        return self.df.get(key, 0) / self.docs if self.docs else 0.0
