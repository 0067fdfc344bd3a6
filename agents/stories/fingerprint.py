"""Exact and near copies: `content_hash` of the normalised body and MinHash over word shingles.

Syndicated copies differ in boilerplate, headline, a cut tail or a few words, so a copy is
judged by how much of the shorter text's shingles the longer one holds (containment, estimated
from MinHash and the two shingle counts), not by plain Jaccard: a body cut at 60% still counts.
Candidates come from LSH bands of the signature; hashes are crc32-based so they are the same in
every process and after a restart.

Each body word is hashed once (`word_hash`, when features first meets the word), a shingle's hash
is its words' hashes combined in numpy, and the MinHash permutations are 32-bit multiply-adds:
no Python-level step per shingle, and no 64-bit modulus per shingle and permutation.
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
_rng = np.random.default_rng(20071120)  # fixed: signatures must agree across processes
_MIX = _rng.integers(1 << 32, 1 << 63, SHINGLE, dtype=np.uint64) | np.uint64(1)  # a multiplier per position
_A = _rng.integers(0, 1 << 32, PERMUTATIONS, dtype=np.uint64).astype(np.uint32) | np.uint32(1)
_B = _rng.integers(0, 1 << 32, PERMUTATIONS, dtype=np.uint64).astype(np.uint32)
_HIGH = np.uint64(32)


def normalise(text: str) -> str:
    """NFKC, case-folded, whitespace collapsed: what two exact copies share."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def content_hash(body: str) -> str:
    return hashlib.blake2b(normalise(body).encode("utf-8"), digest_size=16).hexdigest()


def word_hash(word: str) -> int:
    return zlib.crc32(word.encode("utf-8"))


def shingle_hashes(words: Sequence[int]) -> np.ndarray:
    """Distinct hashes of the `SHINGLE`-word windows of at least `SHINGLE` word hashes, sorted: the
    words' hashes times a 64-bit odd multiplier per position, summed (wrapping), the high 32 bits
    kept (they depend on every bit of every word's hash)."""
    w = np.array(words, dtype=np.uint64)
    n = len(w) - SHINGLE + 1
    h = w[:n] * _MIX[0]
    for i in range(1, SHINGLE):
        h += w[i : i + n] * _MIX[i]
    hashes = (h >> _HIGH).astype(np.uint32)
    hashes.sort()
    keep = np.empty(n, dtype=bool)
    keep[0] = True
    np.not_equal(hashes[1:], hashes[:-1], out=keep[1:])
    return hashes[keep]


def signature(hashes: np.ndarray) -> np.ndarray:
    """Min over shingles of a*h + b mod 2^32 (a odd) for each permutation: on hashes, which are
    already spread evenly, as good an estimate of Jaccard as the min of (a*h + b) mod a prime
    (measured on random sets), at a third of the time (no 64-bit modulus, half the bytes). As
    uint64, the signature's dtype in the changelog."""
    x = np.multiply.outer(hashes, _A)
    x += _B
    return x.min(axis=0).astype(np.uint64)


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
