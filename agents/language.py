"""language: which language the body is in, and how sure we are.

lingua ships its models inside the wheel (no download at run time) and is the most accurate
library on short text; the detector is built once, with models preloaded, and shared.
"""
from __future__ import annotations

import functools
import re

from lingua import LanguageDetectorBuilder

from agents.stage import Stage
from schemas import Article, Language

UNDETERMINED = Language("und", 0.0)
# lingua's accuracy stops improving long before a whole article; this bounds the cost.
MAX_CHARS = 3000
# Tokens that carry no language: links, addresses, handles.
_NON_LINGUISTIC = re.compile(r"\S+://\S*|www\.\S+|\S+@\S+|[@#]\w+")


@functools.cache
def _detector():
    return LanguageDetectorBuilder.from_all_languages().with_preloaded_language_models().build()


def _code(language) -> str:
    iso1 = getattr(language, "iso_code_639_1", None)
    return (iso1.name if iso1 is not None else language.iso_code_639_3.name).lower()


def identify(text: str) -> Language:
    sample = _NON_LINGUISTIC.sub(" ", text[:MAX_CHARS])
    if sum(ch.isalpha() for ch in sample) < 2:
        return UNDETERMINED  # numbers, URLs without words, emoji, punctuation
    values = _detector().compute_language_confidence_values(sample)
    if not values or values[0].value <= 0.0:
        return UNDETERMINED
    best = values[0]
    return Language(_code(best.language), round(float(best.value), 4))


def detect_language(article: Article) -> Article:
    article.language = identify(article.body)
    return article


def make_stage() -> Stage:
    return Stage("language", detect_language, warm_up=_detector)
