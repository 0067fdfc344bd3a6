"""Paragraphs: CLD2 decides, and newsflow's n-gram model settles the groups CLD2 confuses
(Bosnian/Croatian/Serbian, Malay/Indonesian, ...) and the languages it does not know that look
like what it says instead (Dari for Persian, Sorani for Kurmanji, Tahitian for Maori, ...)."""
from __future__ import annotations

import re
from typing import Optional

from newsflow.agents.language import cld2
from newsflow.agents.language.ngram_model import NgramModel
from newsflow.agents.language.scripts import SCRIPT_LANGUAGE

# From this many letters on (a short paragraph), CLD2 (+ the n-gram model) decides; below, lingua.
LONG_LETTERS = 200
# Groups CLD2 confuses, and languages it lacks that look like what it says instead.
_GROUPS = {
    "hr": ("hr", "bs", "sr"), "bs": ("hr", "bs", "sr"), "sr": ("hr", "bs", "sr"),
    "id": ("id", "ms"), "ms": ("id", "ms"),
    "zu": ("zu", "xh", "nd", "ss"), "xh": ("zu", "xh", "nd"), "nd": ("zu", "xh", "nd"),
    "mi": ("mi", "ty"), "haw": ("mi", "ty", "haw"), "ty": ("mi", "ty"),
    "fa": ("fa", "prs"), "prs": ("fa", "prs"),
    "ar": ("ar", "mey", "shi"), "kmr": ("kmr", "ckb"), "ckb": ("kmr", "ckb"),
    "rw": ("rw", "bem", "ny"), "ny": ("ny", "bem", "rw"), "bem": ("rw", "bem", "ny"),
    "ak": ("ee", "ak", "fuc"), "ee": ("ee", "ak"), "fuc": ("fuc", "ff"),
}
# Languages CLD2 does not know, by script: checked when CLD2 is unsure.
_LATN_UNKNOWN_TO_CLD2 = ("bem", "ee", "fuc", "kmr", "nd", "nso", "ty")
_ARAB_UNKNOWN_TO_CLD2 = ("ckb", "mey", "prs", "shi")
# Orthography of Ewe, Fula, Kurmanji, Bemba & co. that CLD2 may call English or Tagalog.
_AFRICAN_LATIN_CUES = re.compile("[ɖƒɣʋɔɛɓɗƴŋƐƆŊşêîûç]")
# CLD2 answers whose close relative (Northern Sotho for Sotho) is not checked: never 'sure'.
_UNCHECKED_RELATIVE = frozenset({"st"})
_UNCHECKED_RELATIVE_CAP = 0.85
# Languages neither CLD2 nor lingua knows: only the n-gram model vouches for them.
UNKNOWN_TO_LIBRARIES = frozenset("bem ee fuc ff kmr nd nso ss ty ckb mey prs shi yue".split())
_UNKNOWN_MIN_LETTERS = 120  # below this, languages only the n-gram model knows are not proposed
# Decision constants, set by hand on samples of the development data (bench/language.py).
_UNKNOWN_PENALTY = 0.05  # per n-gram mean log-probability: switch to unknowns on clear evidence only
DETECTOR_BONUS = 0.01  # per n-gram mean log-probability, for the detector's (CLD2's or lingua's) answer
_HINT_MARGIN = 0.02  # below this margin the feed's hint, if among the candidates, wins


def ngram_pick(model: NgramModel, text: str, cands, prior: Optional[str]) -> tuple[Optional[str], float]:
    """The n-gram model's pick among `cands` (the detector's `prior` a little favoured) and its
    margin over the runner-up; (None, 0.0) when the model knows none of them."""
    scores = model.scores(text, cands)
    if not scores:
        return None, 0.0
    if prior in scores:
        scores[prior] += DETECTOR_BONUS
    for code in scores.keys() & UNKNOWN_TO_LIBRARIES:
        scores[code] -= _UNKNOWN_PENALTY
    best = max(scores, key=scores.get)
    ordered = sorted(scores.values(), reverse=True)
    margin = ordered[0] - ordered[1] if len(ordered) > 1 else 1.0
    return best, margin


def _confidence(reliable: bool, percent: int, margin: float, grouped: bool) -> float:
    if not grouped:
        return 0.99 if reliable and percent >= 80 else (0.9 if reliable else 0.6)
    if margin >= 0.15:
        return 0.97 if reliable else 0.85
    if margin >= 0.05:
        return 0.85
    return 0.6


def decide(text: str, dominant: str, hint: Optional[str], model: NgramModel,
           answer: Optional[cld2.Answer] = None, n_letters: int = LONG_LETTERS) -> tuple[str, float]:
    """(code, confidence) for a paragraph, or a sentence CLD2 is sure of (`answer` given)."""
    reliable, details = answer or cld2.detect(text)
    if not details:
        code = SCRIPT_LANGUAGE.get(dominant)
        return (code, 0.5) if code else ("und", 0.0)
    top, percent, _ = details[0]
    top = cld2.fix_variant(top, dominant)
    cands = set(_GROUPS.get(top, ()))
    if not reliable or percent < 70:
        cands |= {cld2.fix_variant(d[0], dominant) for d in details}
        if dominant == "Latn":
            cands |= set(_LATN_UNKNOWN_TO_CLD2)
        elif dominant == "Arab":
            cands |= set(_ARAB_UNKNOWN_TO_CLD2)
    if dominant == "Latn" and not cands and len(_AFRICAN_LATIN_CUES.findall(text)) >= 3:
        cands |= set(_LATN_UNKNOWN_TO_CLD2)  # letters like ɖ ƒ ɣ ɔ ɛ ɓ ɗ ŋ ş ê: not English, whatever CLD2 says
    cap = _UNCHECKED_RELATIVE_CAP if top in _UNCHECKED_RELATIVE else 1.0
    if n_letters < _UNKNOWN_MIN_LETTERS:
        if cands & UNKNOWN_TO_LIBRARIES:
            cap = 0.85  # a relative only the n-gram model knows is possible, and not checked
        cands -= UNKNOWN_TO_LIBRARIES  # the n-gram model learnt paragraphs: no long shots on a sentence
    if len(cands) > 1 or (cands and top not in cands):
        cands.add(top)
        best, margin = ngram_pick(model, text, cands, top)
        if best is not None:
            if hint and hint in cands and hint != best and margin < _HINT_MARGIN:
                best, margin = hint, 0.0
            return best, min(_confidence(reliable, percent, margin, grouped=True), cap)
    return top, min(cap, _confidence(reliable, percent, 1.0, grouped=False))
