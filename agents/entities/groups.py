"""Canonical entities per document: mentions of one entity grouped into `EntityGroup`s.

Mentions join one group when (in this order):
1. they name the same linked place (`US`, `United States`) or the same listed organisation
   (`EU`, `European Union`), or have the same text once normalised (case-folded; "the",
   titles such as "Mr" or "President" and a possessive "'s" dropped);
2. a bracketed alias follows a mention (`Democratic Party of Kosovo (PDK)`);
3. an acronym matches the initials of a longer mention (`UN` / `United Nations`);
4. a one- or two-word person's name (PER, or after an honorific) is the end (surname) or
   the first word of exactly one longer person's name in the document (`Thaci`, `Mr Thaci`
   -> `Hashim Thaci`; `Xi` -> `Xi Jinping`); after an honorific, a two- or three-word ORG of
   capitalised words also counts (the model's "Hashim Thaci" as ORG, which the vote then
   turns into a person); when two people share the name, it stays apart.
The group's label is the majority label of its mentions, a mention after an honorific
counting 3 (ties: the label of the longest mention); with `vote=True` mentions are relabelled
for document-level label consistency, under the restrictions of `_relabel`.
The canonical name is the listed organisation's or linked place's name, else the longest
mention with the group's label, titles removed.
Salience (0..1) = 0.5 x count / the document's largest count + 0.3 x (1 - first offset /
body length) + 0.2 x (a mention occurs in the title); groups are listed by salience.
"""
from __future__ import annotations

import re
from collections import Counter

from newsflow.schemas import Article, Entity, EntityGroup

from newsflow.agents.entities.rules import ORG_FORMS

_TITLES = (
    "Mr", "Mrs", "Ms", "Miss", "Dr", "Prof", "Sir", "Dame", "Lord", "Lady", "President", "Prime Minister",
    "Minister", "Chancellor", "Senator", "Sen", "Rep", "Gov", "Governor", "General", "Gen", "Colonel",
    "Col", "Captain", "Capt", "King", "Queen", "Prince", "Princess", "Pope", "Judge", "Justice",
    "Chairman", "Secretary", "Mayor", "Ambassador", "Premier", "Rev", "Father", "Sheikh", "Ayatollah",
    "Mme", "Mlle",
)


def _titles_re(titles: tuple[str, ...]) -> re.Pattern:
    return re.compile(r"^(?:(?:" + "|".join(re.escape(t) for t in titles) + r")\.?\s+)+")


_TITLE_RE = _titles_re(_TITLES)
# "M. Sall" is a title in French text; in English text "M." is as often an initial ("M. Waugh").
_TITLE_RE_BY_LANG = {"fr": _titles_re(_TITLES + ("M",))}
_POSSESSIVE = re.compile(r"['\u2019]s?$")
_SMALL = {"of", "the", "and", "for", "de", "du", "des", "la", "le", "for", "on", "in", "&"}


def base_name(text: str, lang: str = "en") -> str:
    """The mention without leading "the", titles or a possessive."""
    t = " ".join(text.split())
    if t[:4].lower() == "the ":
        t = t[4:]
    t = _TITLE_RE_BY_LANG.get(lang, _TITLE_RE).sub("", t)
    t = _POSSESSIVE.sub("", t) if len(t) > 3 else t
    return t.strip() or text


def _initials(name: str) -> str:
    words = [w for w in re.split(r"[\s\-]+", name) if w and w.lower() not in _SMALL]
    return "".join(w[0] for w in words).upper() if len(words) >= 2 else ""


class _Union:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _identity(e: Entity, base: str) -> str:
    if e.place is not None:
        return e.place.id
    org = ORG_FORMS.get(e.text) or ORG_FORMS.get(base)
    if org:
        return "org:" + org
    return "name:" + base.casefold()


def group(
    article: Article, aliases: list[tuple[int, int]], *, vote: bool, persons: frozenset[int] = frozenset(),
    lang: str = "en",
) -> list[EntityGroup]:
    """Builds `article.entity_groups` (and sets each entity's `group`); relabels with `vote`."""
    ents = article.entities
    n = len(ents)
    if not n:
        return []
    bases = [base_name(e.text, lang) for e in ents]
    uf = _Union(n)
    first: dict[str, int] = {}
    for i, e in enumerate(ents):
        key = _identity(e, bases[i])
        if key in first:
            uf.union(first[key], i)
        else:
            first[key] = i
    for a, b in aliases:
        uf.union(a, b)
    # acronyms: an all-capitals name matching the initials of a longer mention
    long_by_initials: dict[str, set[int]] = {}
    for i, b in enumerate(bases):
        ini = _initials(b)
        if ini:
            long_by_initials.setdefault(ini, set()).add(uf.find(i))
    for i, b in enumerate(bases):
        if 2 <= len(b) <= 6 and b.isupper() and b.isalpha():
            roots = long_by_initials.get(b, set())
            if len(roots) == 1:
                uf.union(next(iter(roots)), i)
    # people: a short name that ends exactly one longer person's name
    people: dict[tuple[str, ...], set[int]] = {}
    named: dict[tuple[str, ...], set[int]] = {}  # two- or three-word ORGs that may be people
    for i, e in enumerate(ents):
        words = tuple(bases[i].split())
        if len(words) >= 2 and (e.label == "PER" or _name_like(e, words)):
            table = people if e.label == "PER" else named
            for k in range(1, len(words)):
                table.setdefault(words[k:], set()).add(uf.find(i))
                if e.label == "PER" and k == 1:  # a family name written first: "Xi" of "Xi Jinping"
                    table.setdefault(words[:1], set()).add(uf.find(i))
    for i, e in enumerate(ents):
        words = tuple(bases[i].split())
        if not (1 <= len(words) <= 2 and e.place is None and not e.text.isupper()):
            continue
        if e.label == "PER" or i in persons:
            roots = {uf.find(r) for r in people.get(words, ())}
            if not roots and i in persons:
                roots = {uf.find(r) for r in named.get(words, ())}
            if len(roots) == 1:
                uf.union(next(iter(roots)), i)

    members: dict[int, list[int]] = {}
    for i in range(n):
        members.setdefault(uf.find(i), []).append(i)
    title = article.title or ""
    body_len = max(len(article.body), 1)
    groups: list[EntityGroup] = []
    for idx in members.values():
        if vote:
            _relabel([ents[i] for i in idx], [i in persons for i in idx])
        # an honorific ("Mr Thaci") outweighs the model: a vote of 3
        votes: Counter = Counter()
        for i in idx:
            votes[ents[i].label] += 3 if i in persons else 1
        top = max(votes.values())
        longest = max(idx, key=lambda i: (len(ents[i].text), -i))
        winners = [lab for lab, c in votes.items() if c == top]
        label = winners[0] if len(winners) == 1 else ents[longest].label
        place = next((ents[i].place for i in idx if ents[i].place is not None), None)
        related = next((ents[i].related for i in idx if ents[i].related is not None), None)
        org = next((ORG_FORMS.get(ents[i].text) for i in idx if ORG_FORMS.get(ents[i].text)), None)
        same = [i for i in idx if ents[i].label == label] or idx
        name = org or (place.name if place is not None else None)
        if name is None:
            name = max((bases[i] for i in same), key=lambda s: (len(s.split()), len(s)))
        in_title = bool(title) and any(_contains_word(title, bases[i]) for i in idx)
        groups.append(EntityGroup(
            name=name, label=label, mentions=sorted(idx), count=len(idx),
            first_start=min(ents[i].start for i in idx), in_title=in_title, place=place, related=related,
        ))
    top_count = max(g.count for g in groups)
    for g in groups:
        g.salience = round(0.5 * g.count / top_count + 0.3 * (1 - g.first_start / body_len) + 0.2 * g.in_title, 3)
    groups.sort(key=lambda g: (-g.salience, g.first_start))
    for gi, g in enumerate(groups):
        for i in g.mentions:
            ents[i].group = gi
    return groups


def _caps(e: Entity) -> bool:
    return e.text.isupper() and sum(c.isalpha() for c in e.text) > 1


def _relabel(mentions: list[Entity], honorific: list[bool]) -> None:
    """Document-level label consistency, for people only: in news a place name is also its team
    and a company shares a family name, so other labels do not carry over. A group holding a
    full name (two words or more) labelled PER by a strict majority, or a mention after an
    honorific, turns its other mentions into PER (surnames: "Collins" after "Michael Collins").
    ALL-CAPS mentions (headlines, datelines) are left as they are."""
    if any(honorific):
        for e in mentions:
            if e.label != "PER":
                e.label, e.revised_by = "PER", "vote"
        return
    voters = [e for e in mentions if not _caps(e)]
    per = sum(e.label == "PER" for e in voters)
    if per * 2 <= len(voters) or not any(e.label == "PER" and len(e.text.split()) >= 2 for e in voters):
        return
    for e in voters:
        if e.label != "PER":
            e.label, e.revised_by = "PER", "vote"


def _name_like(e: Entity, words: tuple[str, ...]) -> bool:
    """A two- or three-word ORG that may be a person the model mislabelled ("Hashim Thaci")."""
    return e.label == "ORG" and 2 <= len(words) <= 3 and all(w[:1].isupper() and w.isalpha() for w in words)


def _contains_word(text: str, name: str) -> bool:
    """`name` in `text` with no word character (regex `\\w`) either side. Not a regex per name:
    a stream's names overflow `re`'s cache, and compiling them cost more than the grouping."""
    start = text.find(name)
    while start >= 0:
        end = start + len(name)
        if not (start and _word_char(text[start - 1])) and not (end < len(text) and _word_char(text[end])):
            return True
        start = text.find(name, start + 1)
    return False


def _word_char(c: str) -> bool:
    return c.isalnum() or c == "_"
