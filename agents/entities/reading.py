"""Which language reads an article: the language stage's answer, unless it rests on names.

Names and numbers carry no language, yet a detector asked about "SAN DIEGO AT MONTREAL" or
"Hanwha 6 Ssangbangwool 5" answers from them; reading such text in that answer would trade the
English model's mentions for the gazetteer's LOC-only pass.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from newsflow.schemas import Article

NO_ENTITY_LANGUAGES = frozenset({"und", "zxx", ""})
# With fewer lower-case letters than this, the language stage's answer rests on names; such
# text is read in its hint, else in FALLBACK_LANGUAGE.
NAMES_ONLY_LETTERS = 3
FALLBACK_LANGUAGE = "en"
ENGLISH_ODDS = 0.5  # lingua's confidence in English over its leader's, on up to FEW_WORDS words
FEW_WORDS = 8
# ... and so it does when the language stage is unsure (under NAME_LINE_CONFIDENCE) and a few
# lower-case words (up to NAME_LINE_WORDS) hold at most NAME_LINE_SHARE of the letters:
# "A. Ranatunga lbw b Fleming 0", "Maarten den Bakker ( Netherlands ) TVM 1:33".
NAME_LINE_CONFIDENCE = 0.5
NAME_LINE_SHARE = 0.3
NAME_LINE_WORDS = 3
_EVIDENCE_CHARS = 2000  # as much text as the question needs
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True, slots=True)
class Reading:
    """One article of a batch, the language it is read in, and whether a model reads it (else
    the place gazetteer alone does)."""

    article: Article
    language: str
    modelled: bool


def reading_language(article: Article) -> str:
    """The language whose model (or gazetteer) reads the article. For Latin-script text only the
    words a language writes in lower case count: fewer than NAMES_ONLY_LETTERS letters of them
    and the text is read in its hint, else in FALLBACK_LANGUAGE; if they read as English on their
    own ("beat", "said the"), or are a few that leave English close behind ("st b"), in English."""
    lang = article.language
    if lang is None:
        return "en"
    if lang.code == "en" or lang.code in NO_ENTITY_LANGUAGES or lang.script != "Latn":
        return lang.code
    text = article.body[:_EVIDENCE_CHARS]
    words = _plain_words(text)
    plain = sum(map(len, words))
    if plain < NAMES_ONLY_LETTERS or (
        lang.confidence < NAME_LINE_CONFIDENCE
        and len(words) <= NAME_LINE_WORDS
        and plain <= NAME_LINE_SHARE * sum(map(len, _WORD.findall(text)))
    ):
        from newsflow.agents.language import hint_code

        return hint_code(article.lang_hint) or FALLBACK_LANGUAGE
    return "en" if _reads_as_english(" ".join(words)) else lang.code


def note_reading(reading: Reading) -> None:
    """Says so on the article when it is read in another language than the language stage's."""
    lang = reading.article.language
    if lang is not None and reading.language != lang.code:
        reading.article.processing.notes.append(
            f"entities: read as '{reading.language}': language '{lang.code}' ({lang.confidence:.2f}) "
            "rests on names and numbers"
        )


def _plain_words(text: str) -> list[str]:
    """The lower-case words of `text`, leaving out those glued to digits ("st" in "21st")."""
    return [w for t in text.split() if not any(c.isdigit() for c in t) for w in _WORD.findall(t) if w[0].islower()]


def warm_up() -> None:
    """Loads what `_reads_as_english` asks of the language stage before traffic: its word lists
    take seconds, which the first non-English article paid."""
    from newsflow.agents.language import identify, odds

    identify("said the")
    odds("said the", "en")


@functools.lru_cache(maxsize=4096)
def _reads_as_english(words: str) -> bool:  # cached: headlines and results lines repeat
    """English wins on these words, or comes close enough not to be ruled out ("st b", "minute",
    "copper per tonne"): a few words do not outweigh the English default."""
    from newsflow.agents.language import identify, odds

    return identify(words).code == "en" or (words.count(" ") < FEW_WORDS and odds(words, "en") >= ENGLISH_ODDS)
