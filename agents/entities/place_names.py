"""Known place names in the text: the gazetteer's LOC mentions, for languages no model reads
and for the places a model missed."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Iterator, Optional

from newsflow.agents.entities.mentions import Taken, token_edges
from newsflow.agents.entities.places import MIN_SCAN_LEN, gazetteer, stop_words
from newsflow.agents.entities.reading import NO_ENTITY_LANGUAGES, reading_language
from newsflow.schemas import Article, Entity, Place

MAX_SCAN_NGRAM = 5  # the most tokens a known name has


def gazetteer_locations(
    article: Article, *, ents: Optional[list[Entity]] = None, note: bool = True, lang: Optional[str] = None
) -> None:
    """LOC mentions (source "gazetteer") for the country and major-city names in the text, read
    in `lang` (default: its reading language); with `ents`, only where none of those is."""
    lang = lang or reading_language(article)
    taken = Taken(ents) if ents else None
    if lang in NO_ENTITY_LANGUAGES or not article.body:
        article.processing.notes.append(f"entities: no entities for language '{lang}'")
        return
    names = scan_names(lang)
    body = article.body
    starts, ends = token_edges(article)
    lowered = _lowercase_words(body, starts, ends)
    i, n = 0, len(starts)
    while i < n:
        hit = None
        if body[starts[i]].isupper():
            hit = next(((k, text, names.places[text]) for k, text in names_at(body, starts, ends, i, names)
                        if text.lower() not in lowered), None)
        if hit and _inside_longer_name(body, starts, ends, i, i + hit[0] - 1, lang):
            hit = None  # "Real Madrid", "Paris Saint-Germain", "London School of Economics"
        if hit and taken is not None and not taken.free(starts[i], ends[i + hit[0] - 1]):
            hit = None
        if hit:
            k, text, place = hit
            article.entities.append(Entity(text, "LOC", starts[i], ends[i + k - 1], source="gazetteer", place=place))
            i += k
        else:
            i += 1
    if note:
        article.processing.notes.append(
            f"entities: language '{lang}': LOC only, from the place gazetteer (no model for this language)"
        )


@dataclass(frozen=True)
class KnownNames:
    """The gazetteer's names for text in one language (`Gazetteer.scan_names`), and the first
    MIN_SCAN_LEN characters of each: a token that starts no name is passed over at once."""

    places: dict[str, Optional[Place]]
    heads: frozenset[str]


@functools.cache
def scan_names(lang: str) -> KnownNames:
    places = gazetteer().scan_names(lang)
    return KnownNames(places, frozenset(name[:MIN_SCAN_LEN] for name in places))


def names_at(body: str, starts: list[int], ends: list[int], i: int, names: KnownNames) -> Iterator[tuple[int, str]]:
    """(token count, text) of the known names that start at token i, longest first."""
    if body[starts[i] : starts[i] + MIN_SCAN_LEN] not in names.heads:
        return
    for k in range(min(MAX_SCAN_NGRAM, len(starts) - i), 0, -1):
        text = body[starts[i] : ends[i + k - 1]]
        if "\n" not in text and text in names.places:
            yield k, text


def _inside_longer_name(body: str, starts: list[int], ends: list[int], first: int, last: int, lang: str) -> bool:
    """A capitalised word (not a stop word) right before or after, with only a space between:
    the place name is part of a longer name (a club, a school, a person). Or a word glued on by
    a hyphen: "Moscow-backed", "Paris-Match" are not the place."""
    start, end = starts[first], ends[last]
    if body[end : end + 1] == "-" and body[end + 1 : end + 2].isalnum():
        return True
    if start >= 2 and body[start - 1] == "-" and body[start - 2].isalnum():
        return True
    stop = stop_words(lang)
    for j, gap in ((first - 1, (lambda j: body[ends[j] : starts[first]])), (last + 1, (lambda j: body[ends[last] : starts[j]]))):
        if 0 <= j < len(starts):
            word = body[starts[j] : ends[j]]
            if gap(j) in (" ", "\u00a0") and word[:1].isupper() and word.lower() not in stop:
                return True
    return False


def _lowercase_words(body: str, starts: list[int], ends: list[int]) -> frozenset[str]:
    """Single lower-case words of the text: a place name also used lower-case is a common word."""
    return frozenset(body[s:e] for s, e in zip(starts, ends) if body[s].islower())
