"""Online document frequencies, so rare words and anchors weigh more than common ones.

Counts decay (all halved every `half_life` articles of the stream, the zeros dropped), which
keeps the table bounded and lets the weights follow what the news is about this week. The
stream's articles, not the table's own: a language's table that sees one article in thirty
would otherwise halve thirty times less often and keep nearly every word it ever counted (over
two days of bench/stories_memory.py the word tables kept growing while everything else was flat). When recording, the
table remembers which counts changed, so the worker writes only those to the changelog.
"""
from __future__ import annotations

import math
from collections import Counter
from typing import AbstractSet, Callable, Iterable, Mapping, Optional


class _Memo(dict):
    """`f` of each key, computed when the key first comes."""

    __slots__ = ("f",)

    def __init__(self, f: Callable[[float], float]):
        super().__init__()
        self.f = f

    def __missing__(self, key: float) -> float:
        self[key] = value = self.f(key)
        return value


class DocumentFrequencies:
    def __init__(self, half_life: int = 20_000, prior_docs: int = 20, recording: bool = False):
        self.half_life = half_life
        # As if this many articles without the key came first: the first articles of a stream
        # would otherwise weigh every shared word (df 2 of 2) next to nothing.
        self.prior_docs = prior_docs
        self.docs = 0.0
        self.df: Counter = Counter()
        self._since_decay = 0
        self.changed: Optional[set[str]] = set() if recording else None  # keys counted anew since `take`
        self._ticked = False  # the clock moved since `take`

    def __len__(self) -> int:
        return len(self.df)

    def add(self, keys: AbstractSet[str]) -> None:
        """One more article with these keys: distinct ones (a set, a dict's keys), each counted
        once, with no set built from them first."""
        self.df.update(keys)
        if self.changed is not None:
            self.changed.update(keys)
        self.docs += 1

    def tick(self) -> None:
        """One more article in the stream, counted in this table or not (see the module's doc)."""
        self._ticked = True
        self._since_decay += 1
        if self._since_decay >= self.half_life:
            self._decay()

    def _decay(self) -> None:
        if self.changed is not None:
            self.changed |= self.df.keys()
        self.docs /= 2
        self.df = Counter({k: v // 2 for k, v in self.df.items() if v >= 2})
        self._since_decay = 0

    def weights(self, bag: Mapping[str, int], tf: float = 1.0) -> dict[str, float]:
        """tf-idf of each key of the bag with a count: (1 + tf * log count) * log((articles +
        prior + 1) / (its articles + 0.5)), in one comprehension. Most keys share a few counts
        (once in the article, in one or two articles), so each factor is computed once per count
        of the call (`_Memo`) and looked up per key: the same floats, a third less time than two
        `log` calls per key."""
        total, counts, log = self.docs + self.prior_docs + 1.0, self.df, math.log
        tfs = _Memo(lambda n: 1.0 + tf * log(n))
        idfs = _Memo(lambda c: log(total / (c + 0.5)))
        return {k: tfs[n] * idfs[counts.get(k, 0)] for k, n in bag.items() if n > 0}

    def rare(self, keys: Iterable[str], vec: Mapping[str, float], share: float, norm: float) -> list[tuple[str, float]]:
        """Those of `keys` in at most `share` of recent articles (every key before the first
        article), with their weights in `vec` divided by `norm`: the unit vector's, in the pass
        that picks them."""
        if not self.docs:
            return [(k, vec[k] / norm) for k in keys]
        docs, counts = self.docs, self.df
        return [(k, vec[k] / norm) for k in keys if counts.get(k, 0) / docs <= share]

    @property
    def clock(self) -> tuple[float, int]:
        """The article count and the articles since the last decay: what a restored table
        needs besides its counts."""
        return self.docs, self._since_decay

    @clock.setter
    def clock(self, value: tuple[float, int]) -> None:
        self.docs, self._since_decay = value

    def take(self) -> Optional[dict[str, Optional[int]]]:
        """Each key counted anew since the last call with its count (None: dropped), or None
        when the stream did not move (then the clock needs no entry either)."""
        if not self._ticked or self.changed is None:
            return None
        out = {k: self.df.get(k) for k in self.changed}
        self.changed.clear()
        self._ticked = False
        return out
