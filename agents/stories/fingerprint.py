"""Exact and near copies: `content_hash` of the normalised body and MinHash over word shingles.

Syndicated copies differ in boilerplate, headline, a cut tail or a few words, so a copy is
judged by how much of the shorter text's shingles the longer one holds (containment, estimated
from MinHash and the two shingle counts), not by plain Jaccard: a body cut at 60% still counts.
Candidates come from LSH bands of the signature; hashes are crc32-based so they are the same in
every process and after a restart.
"""
from __future__ import annotations

import hashlib
import unicodedata
import zlib
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from newsflow.agents.stories.journal import Journal

SHINGLE = 4  # words per shingle
PERMUTATIONS = 128
BAND_ROWS = 2  # 64 bands of 2 rows: a pair with Jaccard 0.3 shares a band 99.8% of the time
MIN_SHINGLES = 8  # shorter bodies are matched by `content_hash` only
_PRIME = (1 << 61) - 1
_rng = np.random.default_rng(20071120)  # fixed: signatures must agree across processes
_A = _rng.integers(1, _PRIME, PERMUTATIONS, dtype=np.uint64)
_B = _rng.integers(0, _PRIME, PERMUTATIONS, dtype=np.uint64)
_P, _SHIFT = np.uint64(_PRIME), np.uint64(61)


def normalise(text: str) -> str:
    """NFKC, case-folded, whitespace collapsed: what two exact copies share."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def content_hash(body: str) -> str:
    return hashlib.blake2b(normalise(body).encode("utf-8"), digest_size=16).hexdigest()


def shingle_hashes(words: Sequence[str]) -> np.ndarray:
    """Distinct crc32 hashes of the `SHINGLE`-word windows (one window for shorter texts), sorted.
    The windows are joined, encoded and hashed by `map` chains, and duplicates dropped by a sort
    and a neighbour compare: no Python-level step per shingle (40% less time than a generator
    and `np.unique`)."""
    windows = zip(*(words[i:] for i in range(SHINGLE))) if len(words) >= SHINGLE else [words]
    n = max(1, len(words) - SHINGLE + 1)
    hashes = np.sort(np.fromiter(map(zlib.crc32, map(str.encode, map(" ".join, windows))), dtype=np.uint64, count=n))
    keep = np.empty(n, dtype=bool)
    keep[0] = True
    np.not_equal(hashes[1:], hashes[:-1], out=keep[1:])
    return hashes[keep]


def signature(hashes: np.ndarray) -> np.ndarray:
    """Min over shingles of (a*h + b) mod 2^61-1 for each permutation (uint64 wraps are fine:
    every process computes the same values). The modulus is a Mersenne prime, so x mod p is
    (x & p) + (x >> 61), less p once: the same values as `%` in 40% less time (a 64-bit division
    per entry was most of it)."""
    x = np.multiply.outer(hashes, _A)
    x += _B
    high = x >> _SHIFT
    x &= _P
    x += high
    if x.max() >= _P:  # about once in 2^58 entries: a pass to look is cheaper than one to fix
        np.subtract(x, _P, out=x, where=x >= _P)
    return x.min(axis=0)


@dataclass(slots=True)
class Fingerprint:
    id: str
    size: int  # distinct shingles
    sig: np.ndarray
    seen_at: float


def containment(a: Fingerprint, b: Fingerprint) -> float:
    """Share of the smaller shingle set found in the larger, from the Jaccard estimate."""
    j = np.count_nonzero(a.sig == b.sig) / PERMUTATIONS
    common = j * (a.size + b.size) / (1.0 + j)
    return common / min(a.size, b.size)


class DuplicateIndex:
    """The first article of each body seen within the window, by exact hash and by LSH band."""

    def __init__(self, window_s: float, threshold: float = 0.8, max_items: int = 500_000, recording: bool = False):
        self.window_s = window_s
        self.threshold = threshold
        self.max_items = max_items
        self._exact: dict[str, str] = {}  # content_hash -> first id
        # (band, rows) -> the first ids with those rows, oldest first: a tuple of strings, which the
        # garbage collector stops tracking (a list per band key was most of the objects it walked)
        self._bands: dict[tuple[int, bytes], tuple[str, ...]] = {}
        # first id -> (fingerprint, content hash, band keys), oldest first; `changed` when recording
        self.prints: Journal = Journal(recording)

    def __len__(self) -> int:
        return len(self.prints)

    @staticmethod
    def _band_keys(sig: np.ndarray) -> list[tuple[int, bytes]]:
        """(band, its rows' bytes): slices of one `tobytes`, not one array slice per band."""
        raw, width = sig.tobytes(), BAND_ROWS * sig.itemsize
        return [(i, raw[i * width : (i + 1) * width]) for i in range(PERMUTATIONS // BAND_ROWS)]

    def match(self, article_id: str, digest: str, words: Sequence[str], now: float) -> Optional[str]:
        """The id this body copies (exactly or nearly), else None; then remembers it as a
        first copy when it copies nothing."""
        self.expire(now)
        first = self._exact.get(digest)
        if first is not None:
            return first
        fp = None
        keys: list[tuple[int, bytes]] = []
        if len(words) >= MIN_SHINGLES + SHINGLE - 1:
            hashes = shingle_hashes(words)
            fp = Fingerprint(article_id, len(hashes), signature(hashes), now)
            keys = self._band_keys(fp.sig)
            best, best_c = None, self.threshold
            seen: set[str] = set()
            for key in keys:
                for other in self._bands.get(key, ()):
                    if other in seen:
                        continue
                    seen.add(other)
                    c = containment(fp, self.prints[other][0])
                    if c >= best_c:
                        best, best_c = other, c
            if best is not None:
                return best
        self.remember(fp or Fingerprint(article_id, 0, np.empty(0, dtype=np.uint64), now), digest, keys)
        return None

    def remember(self, fp: Fingerprint, digest: str, keys: Optional[list[tuple[int, bytes]]] = None) -> None:
        """Adds a first copy (also how a restored index gets its fingerprints back); `keys`: its
        band keys when the caller has them already."""
        if keys is None:
            keys = self._band_keys(fp.sig) if fp.size else []
        self._exact[digest] = fp.id
        bands = self._bands
        for key in keys:
            bands[key] = bands.get(key, ()) + (fp.id,)
        self.prints[fp.id] = (fp, digest, keys)

    def expire(self, now: float) -> None:
        while self.prints:
            first_id, (fp, digest, keys) = next(iter(self.prints.items()))
            if now - fp.seen_at <= self.window_s and len(self.prints) <= self.max_items:
                return
            del self.prints[first_id]
            if self._exact.get(digest) == first_id:
                del self._exact[digest]
            for key in keys:
                ids = self._bands.get(key)
                if ids is not None:
                    i = ids.index(first_id)
                    if len(ids) > 1:
                        self._bands[key] = ids[:i] + ids[i + 1 :]
                    else:
                        del self._bands[key]
