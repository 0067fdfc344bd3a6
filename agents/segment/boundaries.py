"""Sentence boundaries inside one paragraph: a compiled-regex candidate finder and rules.

One regular expression per language finds every *candidate*: a run of sentence stops
(``. ! ? …`` and the stops of other scripts: ``。！？ । ॥ ။ ። ፧ ፡፡ ۔ ؟ ། ։``; Greek ``;``,
Armenian ``:`` and Punjabi ``|`` for their languages) with the closing quotes and brackets
after it, then the white space that follows. Stops that need no space after them (CJK,
Ethiopic, Myanmar, danda) also count when the next sentence follows at once. Each candidate
is then judged by a few cheap rules on the word before and the text after it:

- ``! ?`` end a sentence unless a lower-case word follows a closing quote or a dash
  (``"Why?" he asked``, ``voila! -- you``) or the word carries its own ``!`` (Yahoo!).
- ``.`` does not end a sentence before a lower-case word (in cased scripts and languages
  whose sentences start upper-case), after a title (Mr., Dr.), after an abbreviation or a
  dotted acronym (U.S., z.B., т.е.) unless a common sentence starter follows, after a
  single-letter initial, after a number-prefix abbreviation before a digit (No. 5, p. 55),
  or after an ordinal number in languages that write ordinals as ``12.``
  (the per-language lists: `language_rules`).
- Ellipses end a sentence before an upper-case word, except a spaced three-dot ellipsis
  inside a sentence (``is . . . I``); ``word. . . . Next`` ends after the word's period.
- Inside unclosed CJK brackets (``《摔跤吧！爸爸》``), and before a quotative particle
  (``。」と``), a CJK stop does not end the sentence.
- English single letters before a period are initials or variables (``Roe v. Wade``),
  except the pronoun ``I``; ``a.m./p.m.`` before a title (``6 P.M. Mr. Smith``) ends a clause
  of more than three words.

Then the cues of the other modules add or drop boundaries: lists run together on one line
(`lists`), scripts without a sentence stop or with their own habits (`scripts`), a headline
run into its story (`headlines`), quotations that keep their inner stops (`quotes`).

Everything is bounded: a rule looks at most 40 characters around a stop (200 back for CJK
brackets, 24 words for a headline), so the cost is linear in the paragraph length whatever
the input.
"""
from __future__ import annotations

import re
from typing import Optional

from newsflow.agents.segment import language_rules as _L
from newsflow.agents.segment.headlines import headline_cut
from newsflow.agents.segment.lists import inline_list_cuts, list_cuts
from newsflow.agents.segment.punctuation import BASE_TERMS, CLOSE, CLOSE_RUN, WORD_LEAD, prev_word
from newsflow.agents.segment.quotes import embedded_quotes
from newsflow.agents.segment.scripts import (
    COMMA_COLON_LANGS,
    TIB_FINAL_RX,
    arabic_cuts,
    joined_sentences,
    script_cuts,
    tibetan_clause_end,
)

# skipped when looking for the first letter of the next sentence
_LEAD = "\"'“‘«„‚([{‹「『（【〔〈《¿¡*•·⁃№ \u00a0\u200e\u200f\u200b\u202a\u202b"
_DASHES = "—–-‐‑‒―"
_LEAD_ALL = _LEAD + _DASHES
_ALNUM = re.compile(r"[^\W_]")
_NOSPACE = frozenset("。！？｡።፧။।॥۔፡")  # stops that end a sentence with no space after them
_QUESTION_LIKE = frozenset("!?‼⁇⁈⁉")
_CJK_OPEN_CLOSE = (("《", "》"), ("「", "」"), ("『", "』"), ("（", "）"), ("【", "】"), ("〈", "〉"))
_CJK_PARTICLES = frozenset("とっ、，のをがはにもや")
_EXTRA_TERMS = {"el": ";", "hy": ":", "pa": "|", "bo": "།༎", "dz": "།༎"}
_GAP = "\\s\u200e\u200f\u200b\ufeff"
_NOT_STOP = str.maketrans("", "", CLOSE_RUN + " ")

_DOTTED = re.compile(r"(?:[^\W\d_]{1,4}\.)+[^\W\d_]{1,4}")  # U.S, z.B, т.е, Ph.D, LL.AA.II.RR
_ROMAN = re.compile(r"[IVXLC]{2,6}")
_NEXT_WORD = re.compile(r"[^\W_]+")


# "Cased for the lower-case rule": Latin, Greek, Cyrillic, Armenian (not Georgian, whose
# Mkhedruli letters are lower-case in Unicode but carry no sentence case).
def _cased(c: str) -> bool:
    return c < "\u0590" or "\u1e00" <= c <= "\u1fff" or "\u2c00" <= c <= "\u2c7f" or "\ua640" <= c <= "\ua69f"


class _Rules:
    __slots__ = ("rx", "titles", "abbr", "starters", "ordinal", "lower_rule", "lang")

    def __init__(self, lang: str):
        extra = _EXTRA_TERMS.get(lang, "")
        terms = re.escape(BASE_TERMS + extra)
        close = re.escape(CLOSE)
        two = "|፡፡" if lang in ("am", "ti", "gez") else ""
        self.rx = re.compile(
            rf"(?:\.(?: \.){{2,}}|[{terms}]+{two})(?:[{terms}{close}]|[\u00a0\u202f](?=[»›”“]){two})*(?P<g>[{_GAP}]*)"
        )
        self.lang = lang
        self.titles = _L.TITLES.get(lang, _L.UNIVERSAL_TITLES)
        self.abbr = _L.ABBREVIATIONS.get(lang, _L.UNIVERSAL)
        self.starters = _L.STARTERS.get(lang, frozenset())
        self.ordinal = lang in _L.ORDINAL_LANGS
        self.lower_rule = lang not in _L.LOWER_STARTS


_RULES: dict[str, _Rules] = {}


def rules_for(lang: str) -> _Rules:
    r = _RULES.get(lang)
    if r is None:
        r = _RULES[lang] = _Rules(lang)
    return r


def _decide(r: _Rules, text: str, rs: int, run_end: int, gap_end: int, n: int) -> Optional[tuple[int, int]]:
    """Return (end of this sentence, start of the next) when the candidate is a boundary."""
    run = text[rs:run_end]
    core = run.rstrip(CLOSE_RUN)
    closers = len(core) < len(run)
    # the first letter or digit of what follows
    lim = min(n, gap_end + 40)
    if _ALNUM.search(text, gap_end, lim) is None and lim == n:
        return None  # only punctuation follows, up to the end of the paragraph
    j, dash = gap_end, False
    while j < lim and text[j] in _LEAD_ALL:
        if text[j] in _DASHES:
            dash = True
        j += 1
    if j >= lim:
        return (run_end, gap_end)
    c = text[j]
    if text[gap_end] == "." and core[-1] == ".":  # "raak. ...en toen", "Sentence. .. Next"
        return (run_end, gap_end)
    lower = c.islower() and _cased(c)
    upper = c.isupper()
    stops = core.translate(_NOT_STOP)
    last = stops[-1]

    if any(ch in _QUESTION_LIKE for ch in stops):
        if lower and (closers or dash):
            return None
        if last == "!" and prev_word(text, rs).lower() + "!" in _L.EXCLAMATION_WORDS:
            return None
        return (run_end, gap_end)

    if last == "." or last == "…":
        if ".." in core or "…" in core or ". ." in core:  # an ellipsis
            if rs > 0 and text[rs - 1] in "[(":
                return None  # "[...]": an omission inside a sentence
            ndots = stops.count(".") + 3 * stops.count("…")
            spaced = " " in core
            if spaced and rs > 0 and not text[rs - 1].isspace():
                # "compounds. . . . The": the word's own period ends the sentence
                if upper and ndots >= 4:
                    return (rs + 1, rs + 2)
                return None
            if spaced and ndots == 3:
                return None  # ". . ." inside a sentence
            if lower or c.isdigit():
                return None
            if upper or not _cased(c):
                return (run_end, gap_end)
            return None
        return _period(r, text, rs, run_end, gap_end, c, lower, upper, j)

    # the stops of other scripts
    if last in "།༎" and r.lang in TIB_FINAL_RX and tibetan_clause_end(text, rs):
        return None
    if gap_end == run_end and last in _NOSPACE:
        if c in _CJK_PARTICLES:
            return None
        lo = max(0, rs - 200)
        for o, cl in _CJK_OPEN_CLOSE:
            if text.rfind(o, lo, rs) > text.rfind(cl, lo, rs):
                return None
    elif closers and last in "。！？" and c in _CJK_PARTICLES:
        return None
    return (run_end, gap_end)


def _period(r, text, rs, run_end, gap_end, c, lower, upper, j):
    if lower and r.lower_rule:
        return None
    word = prev_word(text, rs).strip(WORD_LEAD)
    if not word:
        return (run_end, gap_end)
    wl = word.lower()
    if "'" in wl or "’" in wl:  # l'Ing., dell'Avv.
        wl = re.split("['’]", wl)[-1] or wl
    digit = c.isdigit()
    if wl in r.titles:
        return None
    if digit:
        if wl in _L.NUMERIC or wl in r.abbr or _DOTTED.fullmatch(word):
            return None
        return (run_end, gap_end)
    if lower:  # languages whose sentences may start lower-case
        if wl in r.abbr or (len(wl) == 1 and wl.isalpha()) or _DOTTED.fullmatch(wl):
            return None
        return (run_end, gap_end)
    if wl in _CLOCK and _next_word(text, j).lower() in r.titles and _clause_words(text, rs) > 3:
        # "He left the bank at 6 P.M. Mr. Smith then ...": a title after a time starts a new
        # clause, unless the time is a short fronted adverbial ("At 5 a.m. Mr. Smith went");
        # a day after the time goes with it ("at 3 p.m. Wednesday", "ar 3 p.m. Dé Céadaoin")
        return (run_end, gap_end)
    if wl in r.abbr or _DOTTED.fullmatch(word):
        return (run_end, gap_end) if _next_word(text, j) in r.starters else None
    if _initial(word) and r.lang == "en" and word != "I":
        # English: a single letter is an initial or a variable ("Jonas E. Smith", "Roe v.
        # Wade", "contain v. If S ..."); "I" is the pronoun
        return None
    if _initial(word) and not word.islower():
        return (run_end, gap_end) if _next_word(text, j) in r.starters else None
    if r.ordinal and (word.isdigit() and len(word) <= 2 or _ROMAN.fullmatch(word)):
        return None
    return (run_end, gap_end)


_CLOCK = frozenset(("a.m", "p.m"))
_CLAUSE_START = re.compile(r"[.!?…;:]\s")


def _clause_words(text: str, rs: int) -> int:
    """Words from the start of the clause (after the last stop, at most 200 characters
    back) up to position rs, the word before the stop included."""
    lo = max(0, rs - 200)
    k = lo
    for m in _CLAUSE_START.finditer(text, lo, rs - 4):
        k = m.end()
    return len(text[k:rs].split())


def _initial(word: str) -> bool:
    """One letter (``E``, ``А``): an initial. (An Indic letter with its vowel sign is not:
    in Gujarati or Hindi that is as often a whole word, ``છે.``, ``है।``.)"""
    return len(word) == 1 and word.isalpha()


def _next_word(text: str, j: int) -> str:
    m = _NEXT_WORD.match(text, j, j + 30)
    return m.group() if m else ""


def split(text: str, lang: str) -> list[tuple[int, int]]:
    """Sentence spans [start, end) of one paragraph, stripped of surrounding white space."""
    n = len(text)
    if not n:
        return []
    r = rules_for(lang)
    cuts: list[tuple[int, int]] = []
    skip: set[int] = set()
    if ")" in text or ". " in text:
        starts, skip = list_cuts(text)
        if not starts and ")" in text:
            starts = inline_list_cuts(text)
        cuts.extend((s, s) for s in starts)
    for m in r.rx.finditer(text):
        rs, run_end, gap_end = m.start(), m.start("g"), m.end()
        if gap_end >= n:
            continue
        if run_end == gap_end:
            # no space after the run: only stops of no-space scripts can end a sentence here
            core = text[rs:run_end].rstrip(CLOSE_RUN)
            if core == "." and joined_sentences(text, rs, run_end, r.abbr):
                cuts.append((run_end, run_end))
                continue
            if not core or core[-1] not in _NOSPACE:
                continue
        if rs in skip:
            continue
        cut = _decide(r, text, rs, run_end, gap_end, n)
        if cut is not None:
            end, nxt = cut
            if nxt > end and not text[end:nxt].isspace():
                # format marks (LRM/RLM) in the gap: cut at its last space
                k = nxt - 1
                while k > end and not text[k].isspace():
                    k -= 1
                if text[k].isspace():
                    cut = (k, k + 1)
            cuts.append(cut)
    cuts = script_cuts(text, lang, cuts)
    h = headline_cut(text, min(cuts)[0] if cuts else n, lang)
    if h is not None:
        cuts.append((h, h))
    if lang in COMMA_COLON_LANGS:
        cuts.extend(arabic_cuts(text, cuts))
    if cuts and ('"' in text or "”" in text or "“" in text or "»" in text):
        cuts = embedded_quotes(text, cuts)
    if not cuts:
        return [_strip(text, 0, n)] if text.strip() else []
    cuts.sort()
    spans = []
    start = 0
    for end, nxt in cuts:
        if end <= start:
            start = max(start, nxt)
            continue
        spans.append((start, end))
        start = nxt
    spans.append((start, n))
    out = []
    for a, b in spans:
        a, b = _strip(text, a, b)
        if b > a:
            out.append((a, b))
    return out


def _strip(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b
