"""Everything after the model pass: the rule layers, place links, groups, confidence and the
dateline, on `article.entities`."""
from __future__ import annotations

import bisect
import re
from typing import Iterable, Optional

from newsflow.agents.entities.confidence import set_confidence
from newsflow.agents.entities.cuts import mend_place_cuts
from newsflow.agents.entities.groups import base_name, group
from newsflow.agents.entities.layers import LAYERS
from newsflow.agents.entities.mentions import Taken, set_edges
from newsflow.agents.entities.place_names import gazetteer_locations
from newsflow.agents.entities.places import Gazetteer, gazetteer
from newsflow.agents.entities.reading import reading_language
from newsflow.agents.entities.rules import (
    ORG_FORMS, alias_after, compound_word, dateline_date, find_honorific_names, find_orgs, name_rest,
    person_core,
)
from newsflow.agents.language.word_evidence import word_lists
from newsflow.schemas import Article, Entity

RULE_LANGUAGES = frozenset({"en"})  # the rule layers' language (titles, listed orgs)


def refine(
    article: Article, layers: Iterable[str] = LAYERS, *, modelled: Optional[bool] = None, lang: Optional[str] = None
) -> Article:
    """Rule layers, links, groups, confidence and the dateline, on `article.entities`.
    `modelled`: a model read the article (default: it is read in English); the gazetteer then
    adds only the places the model missed. `lang`: its reading language, when known."""
    body = article.body
    ents = article.entities
    lang = lang or reading_language(article)
    english = lang in RULE_LANGUAGES
    if english and "compounds" in layers:
        _compounds(ents, body)
    if english and "cuts" in layers:
        mend_place_cuts(article, lang)
    if english and "orgs" in layers:
        _orgs(ents, body)
    persons: set[int] = set()  # positions in `ents` of the mentions an honorific marks as people
    if english and "titles" in layers:
        persons = _titles(ents, body)
        _offices(ents, body)
    if english and "repeats" in layers:
        _repeats(article, ents)
    if english and "kinds" in layers:
        _kinds(ents, persons)
    modelled = english if modelled is None else modelled
    if modelled and "places" in layers:
        gazetteer_locations(article, ents=ents, note=False, lang=lang)
    aliases: list[tuple[int, int]] = []  # positions in `ents` of a mention and its alias
    if english and "aliases" in layers:
        aliases = _aliases(ents, body)
    # mentions in body order, none across a sentence end; the positions noted above follow them
    inside = _within_sentences(article)
    order = sorted((i for i, e in enumerate(ents) if inside(e)), key=lambda i: (ents[i].start, -ents[i].end))
    moved = {old: new for new, old in enumerate(order)}
    ents[:] = [ents[i] for i in order]
    gaz = gazetteer()
    for e in ents:
        _link(e, gaz, lang)
    article.entity_groups = group(
        article, [(moved[a], moved[b]) for a, b in aliases if a in moved and b in moved], vote="vote" in layers,
        persons={moved[i] for i in persons if i in moved}, lang=lang,
    )
    for e in ents:
        if e.label != "LOC":
            e.place = None
        if e.label == "LOC" and e.place is None:
            _link(e, gaz, lang)
    set_confidence(article, modelled, lang)
    if not article.published_at and article.paragraphs:
        p = article.paragraphs[0]
        article.published_at = dateline_date(body[p.start : p.end], article.fetched_at)
    return article


def _within_sentences(article: Article):
    """Whether a mention lies inside one sentence: the model reads whole paragraphs, and a
    mention across a sentence end ("The The The") is a misreading a consumer cannot place."""
    sentences = article.sentences
    if not sentences:
        return lambda e: True
    starts = [s.start for s in sentences]

    def inside(e: Entity) -> bool:
        i = bisect.bisect_right(starts, e.start) - 1
        return i >= 0 and e.end <= sentences[i].end

    return inside


def _compounds(ents: list[Entity], body: str) -> None:
    """A hyphenated word built on a name ("Moscow-backed") is the MISC mention, as CoNLL tags it;
    a person's hyphenated name is whole ("Kim Jong-un", not "Kim Jong")."""
    for e in ents:
        if e.label == "PER":
            end = name_rest(body, e.start, e.end)
            if end is not None:
                set_edges(e, body, e.start, end)
            continue
        word = compound_word(body, e.start, e.end, e.label)
        if word:
            set_edges(e, body, *word)
            e.label = "MISC"


def _orgs(ents: list[Entity], body: str) -> None:
    """Listed international organisations are ORG. A mention whose text is exactly a listed name
    becomes the rule's own (source "rule", as the confidence table counts it)."""
    taken = Taken(ents)
    for e in ents:
        if e.label != "ORG" and e.text in ORG_FORMS:
            e.label, e.source, e.revised_by = "ORG", "rule", "rule"
    for start, end, _ in find_orgs(body):
        if taken.free(start, end):
            ents.append(Entity(body[start:end], "ORG", start, end, source="rule"))
            taken.add(start, end)


def _titles(ents: list[Entity], body: str) -> set[int]:
    """The name after an honorific is a person: the mentions covering it become PER, one is
    added where there is none; returns their positions."""
    persons: set[int] = set()
    # mentions by start, to find those covering a name without a pass over all of them
    starts = sorted((e.start, i) for i, e in enumerate(ents))
    longest = max((e.end - e.start for e in ents), default=0)
    for start, end in find_honorific_names(body):
        lo = bisect.bisect_left(starts, (start - longest, -1))
        hi = bisect.bisect_left(starts, (end, -1))
        covering = sorted(i for _, i in starts[lo:hi] if ents[i].end > start)
        if not covering:
            ents.append(Entity(body[start:end], "PER", start, end, source="rule"))
            covering = [len(ents) - 1]
            bisect.insort(starts, (start, covering[0]))
            longest = max(longest, end - start)
        for i in covering:
            if ents[i].label != "PER":
                ents[i].label, ents[i].revised_by = "PER", "rule"
            persons.add(i)
    return persons


_WORD_BEFORE = re.compile(r"([A-Z][\w\-]*)[ \u00a0]+\Z")
_WORD_AFTER = re.compile(r"[ \u00a0]+[A-Z]")
_COMMON_ZIPF = 4.5  # a word this common in English ("Young", "Later") may start a sentence as itself


def _common(word: str) -> bool:
    return (word_lists().mean_zipf([word.lower()], "en") or 0.0) >= _COMMON_ZIPF


def _repeats(article: Article, ents: list[Entity]) -> None:
    """A person named in full is named again by the first or last word of the name ("Ri Yong Ho",
    then "Ri said"), where the model may miss the bare word: each such word standing alone
    elsewhere in the article, outside every mention, is a PER mention too. Not a word the
    article's mentions also give another label, nor a place's name, nor one with a capitalised
    word beside it (part of another name), nor a common word at a sentence start."""
    body = article.body
    words: set[str] = set()
    other = {e.text for e in ents if e.label != "PER"}
    for e in ents:
        if e.label == "PER":
            parts = base_name(e.text).split()
            if len(parts) >= 2:
                words.update(w for w in (parts[0], parts[-1]) if len(w) >= 2 and w[0].isupper() and w.isalpha())
    gaz = gazetteer()
    names = sorted(w for w in words - other if gaz.lookup(w) is None)
    if not names:
        return
    starts = {sp.start for sp in article.sentences}
    taken = Taken(ents)
    for m in re.finditer(r"(?<![\w\-])(?:" + "|".join(map(re.escape, names)) + r")(?![\w\-])", body):
        start, end = m.span()
        if not taken.free(start, end) or _WORD_AFTER.match(body, end):
            continue
        before = _WORD_BEFORE.search(body, max(0, start - 40), start)
        if (before and not _common(before.group(1))) or (start in starts and _common(m.group())):
            continue
        ents.append(Entity(m.group(), "PER", start, end, source="rule"))
        taken.add(start, end)


def _offices(ents: list[Entity], body: str) -> None:
    """A person's honorific, office and post-nominal letters are not part of the name ("Mr Park"
    -> "Park", "Judge Kavanaugh" -> "Kavanaugh", "Jeane Freeman MSP" -> "Jeane Freeman"), as
    CoNLL tags them."""
    for e in ents:
        if e.label == "PER":
            start, end = person_core(e.text)
            if (start, end) != (0, len(e.text)):
                set_edges(e, body, e.start + start, e.start + end)


def _kinds(ents: list[Entity], persons: set[int]) -> None:
    """A PER mention that is a country name is LOC ("Myanmar's junta"), a demonym MISC
    ("Filipino workers"), unless an honorific marks it."""
    gaz = gazetteer()
    for i, e in enumerate(ents):
        if e.label == "PER" and i not in persons:
            place = gaz.lookup(e.text)
            if place is not None and place.kind == "country":
                e.label, e.revised_by = "LOC", "rule"
            elif gaz.demonym(e.text) is not None:
                e.label, e.revised_by = "MISC", "rule"


def _aliases(ents: list[Entity], body: str) -> list[tuple[int, int]]:
    """A bracketed alias after a mention (`Xi Jinping (習近平)`) is the same entity: paired with
    the mention the model found there, else added with the same label (source "alias")."""
    taken = Taken(ents)
    at = {(e.start, e.end): i for i, e in enumerate(ents)}
    pairs: list[tuple[int, int]] = []
    for i in range(len(ents)):
        e = ents[i]
        span = alias_after(body, e.end)
        if not span:
            continue
        if span in at:
            pairs.append((i, at[span]))
        elif taken.free(*span):
            ents.append(Entity(body[span[0] : span[1]], e.label, span[0], span[1], source="alias"))
            taken.add(*span)
            pairs.append((i, len(ents) - 1))
    return pairs


def _link(e: Entity, gaz: Gazetteer, lang: str) -> None:
    if e.label == "LOC":
        e.place = gaz.lookup(e.text, lang)
        if e.place is None and e.text.endswith(("'s", "\u2019s")):
            e.place = gaz.lookup(e.text[:-2], lang)
    elif e.label == "MISC":
        e.related = gaz.demonym(e.text)
