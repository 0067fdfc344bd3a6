"""How common each word of a short text is in each language (wordfreq's lists).

lingua scores character n-grams; on one or two words that leaves close languages (es/pt/ca,
nl/af, da/nb, cs/sk, zu/xh) near a tie, and a word that is common in one of them and rare in the
other settles it. The lists are wordfreq's (Wikipedia, subtitles, news, books, web text; 42
languages, Serbo-Croatian as one list), shipped inside its wheel. How much this evidence weighs
against lingua's is fitted per text length with the rest of the short-text table
(data/fit_bias.py).

Memory: each list is kept as a sorted array of 64-bit word hashes plus one byte of frequency
(~9 bytes a word; ~55 MB for the words down to Zipf 1.5). Python's `hash` is salted per
process, which is fine: the arrays are built and queried in the same process.
"""
from __future__ import annotations

import functools
import gzip
import threading
from typing import Iterator, Optional, Sequence

import numpy as np

# Rarer words than this (Zipf scale: log10 of occurrences per billion words) are left out.
MIN_ZIPF = 1.5
# Our codes -> wordfreq's list for them.
_LIST_OF = {"hr": "sh", "bs": "sh", "sr": "sh", "tl": "fil"}
# Languages decided by their script never reach the short-text scorer.
_SKIP = frozenset({"el", "he", "ko", "ta"})


def _buckets(path: str) -> Iterator[list[str]]:
    """The word buckets of a wordfreq list file (gzipped msgpack: a header, then one list of words
    per centibel of frequency, most common first), decoded one at a time: a reader that stops at
    MIN_ZIPF leaves the rarest third of the words undecoded. `wordfreq.read_cBpack` decodes the
    whole file (half of the stage's start-up cost on these lists)."""
    import msgpack  # wordfreq's own reader of these files

    with gzip.open(path, "rb") as f:
        unpacker = msgpack.Unpacker(f, raw=False)
        n = unpacker.read_array_header()
        header = unpacker.unpack()
        if not isinstance(header, dict) or header.get("format") != "cB" or header.get("version") != 1:
            raise ValueError(f"{path}: not a cBpack word list ({header!r})")
        for _ in range(n - 1):
            yield unpacker.unpack()


class WordLists:
    """wordfreq's lists down to `min_zipf`, as sorted word hashes with their frequencies."""

    def __init__(self, min_zipf: float = MIN_ZIPF):
        import wordfreq

        self._keys: dict[str, np.ndarray] = {}
        self._zipf: dict[str, np.ndarray] = {}
        # Not get_frequency_list: it keeps every decoded list cached (~0.8 GB).
        for lang, path in sorted(wordfreq.available_languages(wordlist="best").items()):
            if lang in _SKIP:
                continue
            keys: list[int] = []
            zipf: list[np.ndarray] = []
            # Bucket i holds the words whose frequency rounds to 10^(-i/100).
            for i, bucket in enumerate(_buckets(path)):
                z = 9.0 - i / 100.0
                if z < min_zipf:
                    break
                if bucket:
                    keys.extend(map(hash, bucket))
                    zipf.append(np.full(len(bucket), round(10 * z), dtype=np.uint8))
            k = np.array(keys, dtype=np.int64)
            order = np.argsort(k, kind="stable")
            self._keys[lang] = k[order]
            self._zipf[lang] = np.concatenate(zipf)[order] if zipf else np.zeros(0, np.uint8)

    def mean_zipf(self, words: Sequence[str], code: str) -> Optional[float]:
        """Mean Zipf frequency of `words` (lower-cased) in `code`, 0 for a word not in its list;
        None when there is no list for `code`."""
        lang = _LIST_OF.get(code, code)
        keys = self._keys.get(lang)
        if keys is None or not words or not len(keys):
            return None
        h = np.fromiter(map(hash, words), dtype=np.int64, count=len(words))
        i = np.searchsorted(keys, h)
        i[i == len(keys)] = 0
        z = np.where(keys[i] == h, self._zipf[lang][i], 0)
        return float(z.mean()) / 10.0


_lock = threading.Lock()


@functools.cache
def _build() -> WordLists:
    return WordLists()


def word_lists() -> WordLists:
    with _lock:  # two threads asking first would build two copies
        return _build()


def word_zipf(tokens: list[str], codes) -> dict[str, Optional[float]]:
    """Mean Zipf frequency of the words in each language's word list (None: no list), as the
    short-text path and fit_bias.py see it."""
    lists, words = word_lists(), [t.lower() for t in tokens]
    return {c: lists.mean_zipf(words, c) for c in codes}
