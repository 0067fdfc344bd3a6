"""What an article says, as two bags: `terms` (its own words, per language) and `anchors`
(numbers, linked place ids and name skeletons: the same in every language it is translated into).

Reads the segment stage's tokens and sentences and the entities stage's places; only the title,
which segment does not see, goes through segment's tokenizer here.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from dataclasses import dataclass, field

from newsflow.agents.segment import tokens as tokenize
from newsflow.agents.stories.fingerprint import word_hash
from newsflow.agents.stories.months import folded, month
from newsflow.agents.stories.translit import skeleton
from newsflow.schemas import Article

TITLE_WEIGHT = 2  # a headline word counts as two body words
_THOUSANDS = re.compile(r"(?<=\d)[.,'\u00a0\u202f\u2009 ](?=\d{3}(?!\d))")
_DIGITS = re.compile(r"\d+")
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[^\W\d_]")
_NUMBER_GAP = {" ", "\u00a0", "\u202f", "\u2009"}
_ARABIC_CONJ, _ARABIC_DEF = "و", "ال"
_HANGUL_PARTICLES = ("에서", "에게", "으로", "까지", "부터", "처럼", "은", "는", "이", "가", "을", "를",
                     "의", "에", "도", "와", "과", "로", "만")
_MIN_CASELESS_SKELETON = 5  # every word of a caseless script is a name candidate: ask for more
_MIN_CASED_SKELETON = 2
_YEARS = (1900, 2100)
_DATE_GAP = 4  # token offsets are pairs: a day and a month at most two tokens apart
_NOUNS_CAPITALISED = {"de", "lb"}  # a capital there marks a noun, not a name


@dataclass(slots=True)
class Features:
    lang: str = "und"  # the language stage's code: words weigh by how common they are in it
    words: list[int] = field(default_factory=list)  # case-folded body words' `word_hash`, for shingles
    terms: Counter = field(default_factory=Counter)
    anchors: Counter = field(default_factory=Counter)
    # Skeletons of every word of a caseless script (Arabic, Devanagari, Hangul, Katakana): most
    # are not names, so they count only where a cased-script article used them as one.
    caseless: Counter = field(default_factory=Counter)
    labels: dict[str, str] = field(default_factory=dict)  # anchor -> what a reader recognises
    year: int | None = None  # the latest year it names: about when it was written


@lru_cache(maxsize=8192)
def _script(ch: str) -> str:
    o = ord(ch)
    if 0x0600 <= o <= 0x06FF or 0x0750 <= o <= 0x077F or 0xFB50 <= o <= 0xFEFF:
        return "arab"
    if 0x0900 <= o <= 0x097F:
        return "deva"
    if 0xAC00 <= o <= 0xD7A3:
        return "hang"
    if 0x30A0 <= o <= 0x30FF:
        return "kana"
    if 0x3040 <= o <= 0x309F or 0x3400 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF:
        return "han"
    return "cased" if ch.isupper() or ch.islower() else "other"


def _stem_caseless(word: str, script: str) -> str:
    """Drops the clitics glued to a name: Arabic "and"/"the", a Korean particle."""
    if script == "arab":
        if word.startswith(_ARABIC_CONJ) and len(word) > 3:
            word = word[1:]
        if word.startswith(_ARABIC_DEF) and len(word) > 4:
            word = word[2:]
    elif script == "hang" and len(word) >= 3:
        for particle in _HANGUL_PARTICLES:
            if word.endswith(particle) and len(word) - len(particle) >= 2:
                return word[: -len(particle)]
    return word


def _name_key(word: str, min_len: int) -> str | None:
    skel = skeleton(word)
    return "~" + skel if len(skel) >= min_len else None


_RUN, _NUMBER, _SKIP, _WORD = range(4)  # what `_token` says a token is


@lru_cache(maxsize=1 << 16)
def _token(tok: str) -> tuple[int, str, int, int | None, str | None, str, str | None]:
    """Everything `_read` needs of a token that does not depend on where it stands (kind, script,
    hash of the case-folded form, month number, name key, the word it names and the term it counts as):
    news repeats its words, so each distinct token is classified, case-folded, looked up and
    transliterated once."""
    script = _script(tok[0])
    if script in ("han", "kana") and len(tok) == 1:
        return _RUN, script, 0, None, None, tok, None
    if not tok.isalpha():  # the common case, a plain word, skips both searches
        if _DIGIT.search(tok):
            return _NUMBER, script, 0, None, None, tok, None
        if not _LETTER.search(tok):
            return _SKIP, script, 0, None, None, tok, None
    key, name, low = None, tok, tok.casefold()
    if script == "cased":
        if tok[0].isupper():
            key = _name_key(tok, _MIN_CASED_SKELETON)
    elif script in ("arab", "deva", "hang", "kana"):
        name = _stem_caseless(tok, script)
        key = _name_key(name, _MIN_CASELESS_SKELETON)
    term = low if script != "cased" or len(low) >= 3 else None  # short cased words say little
    return _WORD, script, word_hash(low), month(tok) if low in folded() else None, key, name, term


class _Reader:
    def __init__(self, feats: Features, weight: int):
        self.f = feats
        self.weight = weight
        self.terms: list[str] = []  # each occurrence in text order: counted at the end, at once
        self.run = ""  # adjacent Han/Kana characters (one token each from segment)
        self.run_end = -1
        self.kana = ""  # the Katakana of the current run: a name candidate
        self.number: tuple[int, str] | None = None  # (end, digits) of the last number token
        self.index = 0  # the current token's position in the offsets list
        self.day: tuple[int, int] | None = None  # (position, 1-31) of the last small number
        self.month: tuple[int, int] | None = None  # (position, 1-12) of the last month name

    def name(self, key: str | None, word: str, cased: bool = False) -> None:
        """`key`: the word's `_name_key`, None when its skeleton is too short to be a name."""
        if key is not None:
            (self.f.anchors if cased else self.f.caseless)[key] += 1
            self.f.labels.setdefault(key, word)

    def number_token(self, text: str, start: int, end: int, gap: str) -> None:
        if self.number and gap in _NUMBER_GAP and start - self.number[0] == 1 and len(text) == 3 and text.isdigit():
            old = "#" + self.number[1]
            if old in self.f.anchors:
                self.f.anchors[old] -= self.weight
                if self.f.anchors[old] <= 0:
                    del self.f.anchors[old]
            digits = self.number[1] + text
            self.add_number(digits, end)
            return
        for run in _DIGITS.findall(_THOUSANDS.sub("", text)):
            self.add_number(str(int(run)), end)

    def add_number(self, digits: str, end: int) -> None:
        key = "#" + digits
        self.f.anchors[key] += self.weight
        self.f.labels.setdefault(key, digits)
        self.number = (end, digits)
        if len(digits) <= 2 and 1 <= int(digits) <= 31:
            self.day = (self.index, int(digits))
            self.date()
        if len(digits) == 4 and _YEARS[0] <= int(digits) <= _YEARS[1]:
            self.f.year = max(self.f.year or 0, int(digits))

    def month_name(self, number: int) -> None:
        self.month = (self.index, number)
        self.date()

    def date(self) -> None:
        """A day and a month name at most two tokens apart ("20 November", "November 20,",
        "20. November") are a date: one anchor, the same in every language."""
        if self.day and self.month and abs(self.day[0] - self.month[0]) <= _DATE_GAP:
            key = f"%{self.month[1]:02d}-{self.day[1]:02d}"
            self.f.anchors[key] += self.weight
            self.f.labels.setdefault(key, f"{self.day[1]}/{self.month[1]}")
            self.day = self.month = None

    def run_token(self, tok: str, start: int, end: int, kana: bool) -> None:
        """A Han or Kana character: it extends the run it touches, or ends the last one."""
        if start != self.run_end:
            self.end_run()
        self.run += tok
        self.run_end = end
        if kana and tok != "ー" or (tok == "ー" and self.kana):
            self.kana += tok

    def end_run(self) -> None:
        """The run's character bigrams (the character alone when it is one) are its terms, its
        Katakana a name candidate."""
        run = self.run
        if len(run) > 1:
            self.terms += [run[i : i + 2] for i in range(len(run) - 1)]
        elif run:
            self.terms.append(run)
        self.run = ""
        if self.kana:
            self.name(_name_key(self.kana, _MIN_CASELESS_SKELETON), self.kana)
            self.kana = ""

    def count_terms(self) -> None:
        """Adds the terms read, `weight` each, in the order a token-by-token count would have
        added them (a vector's key order is its sums' order)."""
        for _ in range(self.weight):
            self.f.terms.update(self.terms)


def _read(feats: Features, text: str, offsets: list[int], starts: set[int], weight: int, words: bool,
          mentioned: set[int] | None = None) -> None:
    """`mentioned`: where a language capitalises every noun (German), the token starts inside an
    entity mention; other capitalised words are then only name candidates, like caseless ones.
    The loop runs for every token of every article: the plain word, by far the most common
    token, comes first and calls nothing it does not need."""
    r = _Reader(feats, weight)
    terms = r.terms
    body_words = feats.words if words else None
    for i in range(0, len(offsets) - 1, 2):
        s, e = offsets[i], offsets[i + 1]
        tok = text[s:e]
        kind, script, word, number, key, name, term = _token(tok)
        if kind == _WORD:
            if number is not None:
                r.index = i
                r.month_name(number)
            if body_words is not None:
                body_words.append(word)
            if term is not None:
                terms.append(term)
            if key is not None:
                if script != "cased":
                    r.name(key, name)
                elif s not in starts:
                    r.name(key, name, cased=mentioned is None or s in mentioned)
        elif kind == _RUN:
            r.run_token(tok, s, e, script == "kana")
        elif kind == _NUMBER:
            r.index = i
            r.number_token(tok, s, e, text[offsets[i - 1] if i else 0 : s])
    r.end_run()
    r.count_terms()


def features(article: Article) -> Features:
    feats = Features(lang=article.language.code if article.language else "und")
    body = article.body
    # A capital at a sentence start says nothing, unless a mention starts there.
    starts = {sp.start for sp in article.sentences} - {e.start for e in article.entities}
    mentioned = None
    if feats.lang in _NOUNS_CAPITALISED:
        mentioned = {i for e in article.entities for i in range(e.start, e.end)}
    _read(feats, body, article.tokens or tokenize(body), starts, 1, True, mentioned)
    if article.title:
        _read(feats, article.title, tokenize(article.title), {0}, TITLE_WEIGHT, False,
              None if mentioned is None else set())
    for ent in article.entities:
        for place in (ent.place, ent.related):
            if place is not None:
                key = "@" + place.id
                feats.anchors[key] += 1
                feats.labels.setdefault(key, place.name)
    return feats
