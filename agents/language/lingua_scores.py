"""lingua's scores for short text (high-accuracy mode; models inside its wheel, loaded lazily).

Two economies: Latin text of NARROW_LETTERS or more is scored only against CLD2's candidates and
their relatives (lingua's cost grows with the languages it scores; ~45 share the Latin script),
and Latin text is scored without lingua's 5-gram models (~0.6 GB) unless `full_ngrams`, except to
re-rank leaders among FIVE_GRAM_LANGS. docs/experiments-language.md has what each costs.
"""
from __future__ import annotations

import functools
import re
import threading
from typing import Optional

# The languages lingua knows, in our codes.
LINGUA_CODES = frozenset("""
af ar az be bg bn bs ca cs cy da de el en eo es et eu fa fi fr ga gu he hi hr
hu hy id is it ja ka kk ko la lg lt lv mi mk mn mr ms nb nl nn pa pl pt ro ru
sk sl sn so sq sr st sv sw ta te th tl tn tr ts uk ur vi xh yo zh zu""".split())
# Languages with a script of their own are decided by script; lingua only needs the rest.
_OWN_SCRIPT = frozenset("el hy he pa gu ta te th ka ko".split())
NARROW_LETTERS = 80
_RELATIVES = {
    "nb": "nn da sv", "nn": "nb da", "da": "nb nn sv", "sv": "da nb", "hr": "bs sr sl", "bs": "hr sr",
    "sr": "hr bs", "sl": "hr", "cs": "sk", "sk": "cs", "id": "ms tl", "ms": "id", "tl": "id",
    "es": "ca pt", "ca": "es", "pt": "es", "gl": "es pt", "af": "nl", "nl": "af", "zu": "xh",
    "xh": "zu", "st": "tn", "tn": "st", "nso": "st tn", "gd": "ga", "war": "tl", "ceb": "tl",
}
# Latin-script languages whose 5-gram models may re-rank the leaders (~0.17 GB for the list),
# ordered by short-text items gained per second of model loading.
FIVE_GRAM_LANGS = frozenset("yo st xh zu la tn tl sw mi ts cy sn lg id bs nn it pt eu eo es sq nb nl lt ca".split())
LEADERS = 5  # how many of lingua's first answers are re-ranked with 5-grams
_LONG_WORD = re.compile(r"[^\W\d_]{5,}")
_lock = threading.Lock()  # lazy model loading inside lingua is not meant to race


def _build(codes: Optional[frozenset] = None):
    from lingua import Language, LanguageDetectorBuilder

    def wanted(code: str) -> bool:
        return code not in _OWN_SCRIPT if codes is None else code in codes

    langs = [l for l in Language.all() if wanted(l.iso_code_639_1.name.lower())]
    return LanguageDetectorBuilder.from_languages(*langs).build()  # models load when first needed


@functools.cache
def _detector():
    return _build()


@functools.lru_cache(maxsize=1024)
def _detector_among(codes: frozenset):
    return _build(codes)


def narrowed(details, dominant: Optional[str], n_letters: int):
    """A detector over CLD2's languages and their relatives, or None to ask all of lingua's."""
    if dominant != "Latn" or n_letters < NARROW_LETTERS or not details:
        return None
    codes = {"en"}
    for d in details:
        c = d[0]
        codes.add(c)
        codes.update(_RELATIVES.get(c, "").split())
    codes &= LINGUA_CODES
    if len(codes) < 2:
        return None
    return _detector_among(frozenset(codes))


def _windows(m: re.Match) -> str:
    w = m.group()
    return " ".join(w[i : i + 4] for i in range(len(w) - 3))


def four_gram_view(text: str) -> str:
    """`text` with every word of 5+ letters replaced by its overlapping 4-letter windows: the same
    1- to 4-grams (the inner ones repeated), no 5-grams, so lingua never loads its 5-gram models."""
    return _LONG_WORD.sub(_windows, text)


def lingua_values(text: str, dominant: Optional[str], details, n_letters: int, *,
                  full_ngrams: bool = False) -> list[tuple[str, float]]:
    """lingua's top (code, confidence) pairs for short text, as the short-text path and
    fit_bias.py see them; `details` are CLD2's, for narrowing."""
    det = narrowed(details, dominant, n_letters)
    four = dominant == "Latn" and not full_ngrams
    with _lock:
        values = (det or _detector()).compute_language_confidence_values(four_gram_view(text) if four else text)
    out = []
    for v in values[:8]:
        if v.value <= 0.0:
            break
        out.append((v.language.iso_code_639_1.name.lower(), v.value))
    if four and out and out[0][0] in FIVE_GRAM_LANGS:
        # Re-rank the leaders that may hold 5-gram models with all of lingua's n-grams.
        lead = frozenset(c for c, _ in out[:LEADERS] if c in FIVE_GRAM_LANGS)
        if len(lead) >= 2 and _LONG_WORD.search(text):
            mass = sum(v for c, v in out if c in lead)
            with _lock:
                again = _detector_among(lead).compute_language_confidence_values(text)
            full = {v.language.iso_code_639_1.name.lower(): v.value for v in again}
            out = [(c, mass * full.get(c, 0.0) if c in lead else v) for c, v in out]
            out = sorted((cv for cv in out if cv[1] > 0.0), key=lambda cv: -cv[1])
    return out


# A text per script lingua serves here, with words of five letters and more, so warm_up loads
# every n-gram order of the models traffic would load (Latin 5-grams: FIVE_GRAM_LANGS only).
_WARM_UP_TEXTS = {
    "Latn": "Governments announced pension reforms yesterday",
    "Cyrl": "Правительство объявило новую пенсионную реформу",
    "Arab": "أعلنت الحكومة إصلاحات جديدة للمعاشات التقاعدية",
    "Deva": "सरकार ने मंगलवार को नई पेंशन सुधार योजना की घोषणा की",
    "Beng": "সরকার মঙ্গলবার নতুন পেনশন সংস্কারের ঘোষণা করেছে",
    "Hani": "政府周二宣布了新的养老金改革",
}


def warm_up(full_ngrams: bool = False) -> None:
    """Loads the models short text in every script lingua serves here will need, before traffic
    (else the first articles in Cyrillic, Arabic, ... pay seconds each)."""
    for script, text in _WARM_UP_TEXTS.items():
        lingua_values(text, script, (), len(text), full_ngrams=full_ngrams)
    if not full_ngrams:
        with _lock:
            _detector_among(FIVE_GRAM_LANGS).compute_language_confidence_values(_WARM_UP_TEXTS["Latn"])
