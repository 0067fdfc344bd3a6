"""Month names in many languages, so "20 November", "20 ноября" and "20 نوفمبر" give one date
anchor: a day and month name one event everywhere, where a bare "20" names nothing in particular.

The names are CLDR's (babel, a dependency already), full names in both grammatical contexts
("ноябрь" and the genitive "ноября"); abbreviations are left out ("mar", "dec" are words). A
name matches as CLDR writes it (English "May", never the verb "may"), capitalised (at a sentence
start) or in capitals (a headline).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Optional

from babel.dates import get_month_names

# The languages the language stage tags most in news; a month name of another is just a word.
LANGUAGES = ("en", "de", "es", "fr", "it", "pt", "nl", "ru", "uk", "pl", "tr", "ar", "fa", "hi", "id",
             "vi", "sv", "da", "nb", "fi", "cs", "sk", "ro", "hu", "el", "bg", "hr", "sr", "sl", "ca")


@lru_cache(maxsize=1)
def _table() -> dict[str, int]:
    table: dict[str, int] = {}
    for lang in LANGUAGES:
        for context in ("format", "stand-alone"):
            for number, name in get_month_names("wide", context=context, locale=lang).items():
                if " " not in name and len(name) >= 3:  # "tháng 11" is a word and a number
                    table.setdefault(name, number)
    return table


@lru_cache(maxsize=1)
def folded() -> frozenset[str]:
    """The names case-folded: `month` finds a name by changing a word's case only, so a word
    whose case-folded form is not among these names no month (one set lookup for most words)."""
    return frozenset(name.casefold() for name in _table())


def load() -> None:
    """Reads CLDR's names now (a few tenths of a CPU second): the stage's warm-up, so the first
    article does not pay for it."""
    folded()


def month(word: str) -> Optional[int]:
    """1-12 for a month's name in one of `LANGUAGES`, else None."""
    table = _table()
    found = table.get(word)
    if found is None and word[:1].isupper():
        found = table.get(word[0].lower() + word[1:]) or (table.get(word.title()) if word.isupper() else None)
    return found
