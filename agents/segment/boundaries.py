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
  or after an ordinal number in languages that write ordinals as ``12.``.
- Ellipses end a sentence before an upper-case word, except a spaced three-dot ellipsis
  inside a sentence (``is . . . I``); ``word. . . . Next`` ends after the word's period.
- Inside unclosed CJK brackets (``《摔跤吧！爸爸》``), and before a quotative particle
  (``。」と``), a CJK stop does not end the sentence.
- A numbered or lettered list run together on one line (``1. The first item 2. The second
  item``) gets a boundary before each item.
- A headline run into the text on one line (``Welsh Assembly members worried they'll look
  like muppets Members of the assembly ...``): see :func:`_headline_cut`. The cues are a
  common sentence-starting word of the language (`agents.segment_starters`, derived from
  the development data by ``bench/segmentation.py --build-starters``) or a capitalised word
  of the headline repeated at the start of the story (``Kanye West: Rapper changes his name
  to Ye Rapper Kanye West is ...``), after 3-20 words without final punctuation, outside
  quotes and brackets. In Chinese and Japanese a space between two CJK characters marks
  the join.
- English single letters before a period are initials or variables (``Roe v. Wade``),
  except the pronoun ``I``; ``a.m./p.m.`` before a title (``6 P.M. Mr. Smith``) ends a clause
  of more than three words.
- A list enumerated inside a sentence (``by 1) taking ... and 2) judging``) is cut before
  each item; a period between a Cyrillic word and a capital with no space is a boundary.
- Quotations inside a sentence keep their stops in three narrow cases (a bracketed source
  after them, a two-sentence „...,“ quotation before a reporting verb, the author's words
  between dashes in «...»); Arabic labels before a colon and comma-chained Arabic
  paragraphs without any stop: see :func:`_embedded_quotes` and :func:`_arabic_cuts`.
- Scripts without a sentence stop: Thai (a space after a long enough stretch, a weak cue),
  Dzongkha and Tibetan (sentence-final particles before a space; a shad after a
  conjunctive particle only closes a clause).

Everything is bounded: a rule looks at most 40 characters around a stop (200 back for CJK
brackets, 24 words for a headline), so the cost is linear in the paragraph length whatever
the input.
"""
from __future__ import annotations

import itertools
import re
from typing import Optional

from newsflow.agents import segment_lang as _L
from newsflow.agents.segment_starters import STARTERS as _STARTERS

_CLOSE = "\"'”’“‘»)]}›」』）】〕〉》\u200e\u200f\u200b\u2069\u202c"
# skipped when looking for the first letter of the next sentence
_LEAD = "\"'“‘«„‚([{‹「『（【〔〈《¿¡*•·⁃№ \u00a0\u200e\u200f\u200b\u202a\u202b"
_DASHES = "—–-‐‑‒―"
_LEAD_ALL = _LEAD + _DASHES
_WORD_LEAD = "\"'“‘«„‚([{‹¿¡\u200e\u200f\u202a\u202b\u202c"
_ALNUM = re.compile(r"[^\W_]")
_SPACE_WORD = re.compile(r"\S+")  # stripped from the front of the word before a period
_BASE_TERMS = ".!?…‼⁇⁈⁉؟۔।॥։።፧။។៕჻。！？｡"
_NOSPACE = frozenset("。！？｡።፧။।॥۔፡")  # stops that end a sentence with no space after them
_QUESTION_LIKE = frozenset("!?‼⁇⁈⁉")
_CJK_OPEN_CLOSE = (("《", "》"), ("「", "」"), ("『", "』"), ("（", "）"), ("【", "】"), ("〈", "〉"))
_CJK_PARTICLES = frozenset("とっ、，のをがはにもや")
_EXTRA_TERMS = {"el": ";", "hy": ":", "pa": "|", "bo": "།༎", "dz": "།༎"}
_GAP = "\\s\u200e\u200f\u200b\ufeff"
_CLOSE_RUN = _CLOSE + "\u00a0\u202f"  # French puts a no-break space before »
_NOT_STOP = str.maketrans("", "", _CLOSE_RUN + " ")

_DOTTED = re.compile(r"(?:[^\W\d_]{1,4}\.)+[^\W\d_]{1,4}")  # U.S, z.B, т.е, Ph.D, LL.AA.II.RR
_ROMAN = re.compile(r"[IVXLC]{2,6}")
_NEXT_WORD = re.compile(r"[^\W_]+")
_LIST_MARK = re.compile(r"(?:(?<=\s)|^)([•⁃*]\s?)?(\d{1,2}|[a-z])(\.\)|\)|\.)(?=\s)")

# "Cased for the lower-case rule": Latin, Greek, Cyrillic, Armenian (not Georgian, whose
# Mkhedruli letters are lower-case in Unicode but carry no sentence case).
def _cased(c: str) -> bool:
    return c < "\u0590" or "\u1e00" <= c <= "\u1fff" or "\u2c00" <= c <= "\u2c7f" or "\ua640" <= c <= "\ua69f"


class _Rules:
    __slots__ = ("rx", "titles", "abbr", "starters", "ordinal", "lower_rule", "lang")

    def __init__(self, lang: str):
        extra = _EXTRA_TERMS.get(lang, "")
        terms = re.escape(_BASE_TERMS + extra)
        close = re.escape(_CLOSE)
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


def _prev_word(text: str, rs: int) -> str:
    k = rs - 1
    lo = max(0, rs - 40)
    while k >= lo and not text[k].isspace():
        k -= 1
    return text[k + 1 : rs]


def _list_cuts(text: str) -> tuple[list[int], set[int]]:
    """Starts of list items run together on one line, and the positions of their periods."""
    if _LIST_MARK.match(text) is None:  # a list starts the paragraph
        return [], set()
    marks = [(m.start(), m.group(1), m.group(2), m.start(3)) for m in _LIST_MARK.finditer(text)]
    if len(marks) < 2:
        return [], set()
    first = marks[0]
    if first[0] != 0:
        return [], set()
    chain = [first]
    for mk in marks[1:]:
        prev = chain[-1][2]
        if prev.isdigit() and mk[2].isdigit() and int(mk[2]) == int(prev) + 1:
            chain.append(mk)
        elif not prev.isdigit() and not mk[2].isdigit() and ord(mk[2]) == ord(prev) + 1:
            chain.append(mk)
    if len(chain) < 2 or not (first[1] or first[2] in ("1", "a")):
        return [], set()
    return [m[0] for m in chain[1:]], {m[3] for m in chain}


_CYR_JOIN = re.compile(r"[а-яёѐ-џҁ-ӿ]{4,}")


def _joined_sentences(r: _Rules, text: str, rs: int, run_end: int) -> bool:
    """A period with no space between a Cyrillic word and a capital ("жағдайы.XVIII
    ғасырдың"): a missing space, as no Cyrillic abbreviation, domain or file name looks
    so (those are short, dotted or Latin: "куб.м", "Л.Н.Толстой", "vremya.ru")."""
    if run_end >= len(text) or not text[run_end].isupper():
        return False
    word = _prev_word(text, rs).strip(_WORD_LEAD)
    return _CYR_JOIN.fullmatch(word.rsplit("-", 1)[-1]) is not None and word.lower() not in r.abbr


# A quotation that is part of a longer sentence keeps its inner stops:
# - followed by a bracketed source ('"Ei fu. Siccome ..." (Manzoni).');
# - a „...“ quotation (German and Central European style) closed by a comma before a
#   lower-case reporting clause ('„Prieskumy beriem na ľahkú váhu. V podstate ma to
#   nezaujíma,“ reagoval Matovič'), when it holds two sentences at most. (NTREX news splits
#   such quotations about as often as not when they hold two sentences, mostly when they hold
#   more, and in "..." and “...” quotations more often than not: measured, not assumed);
# - in «...», the author's words between dashes («К чему ты готовишься? – спросила мама. –
#   Завтра ведь выходной»): Russian dialogue punctuation, one quoted utterance.
_QUOTE = re.compile(r'„[^„“”"\n]{3,400}?[“”]|«[^«»\n]{3,400}?»|“[^“”\n]{3,400}?”|"[^"\n]{3,400}?"')
_EMBED_MAX = 1  # inner boundaries a comma-closed quotation may hold
_AUTHOR_WORDS = re.compile(r"[?!,…] [–—] (?P<w>[^\W\d_])[^.!?«»]{0,80}?(?P<s>\.)(?= [–—] )")


def _embedded_quotes(text: str, cuts: list) -> list:
    drop = set()
    for m in _QUOTE.finditer(text):
        a, b = m.span()
        after = text[b : b + 3]
        if after[:2] == " (":
            drop.update(c for c in cuts if a < c[0] < b - 1)
            continue
        if m.group()[0] == "«" and ("– " in m.group() or "— " in m.group()):
            # «К чему ты готовишься? – спросила мама. – Завтра ведь выходной»: the author's
            # words inside a quotation, between dashes, do not end the quoted speech
            for w in _AUTHOR_WORDS.finditer(text, a, b):
                if text[w.start("w")].islower():
                    drop.update(c for c in cuts if w.start("s") <= c[0] <= w.end())
        inner = m.group()[1:-1].rstrip()
        if m.group()[0] == "„" and inner.endswith(",") and after[:1] == " " and after[1:2].islower():
            inside = [c for c in cuts if a < c[0] < b - 1]
            if len(inside) <= _EMBED_MAX:
                drop.update(inside)
    return [c for c in cuts if c not in drop] if drop else cuts


_INLINE_MARK = re.compile(r"(?<=\s)(\d{1,2})\)(?=\s)")


def _inline_list_cuts(text: str) -> list[int]:
    """Items of a list enumerated inside a sentence with "1) ... 2) ..." (numbers closed
    by a bracket, counting up from 1): each item is a unit of its own, as pySBD has it."""
    chain: list[int] = []
    for m in _INLINE_MARK.finditer(text):
        k = int(m.group(1))
        if k == len(chain) + 1:
            chain.append(m.start())
        elif k == 1:
            if len(chain) >= 2:
                break
            chain = [m.start()]
    return chain if len(chain) >= 2 else []


def _decide(r: _Rules, text: str, rs: int, run_end: int, gap_end: int, n: int) -> Optional[tuple[int, int]]:
    """Return (end of this sentence, start of the next) when the candidate is a boundary."""
    run = text[rs:run_end]
    core = run.rstrip(_CLOSE_RUN)
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
        if last == "!" and _prev_word(text, rs).lower() + "!" in _L.EXCLAMATION_WORDS:
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
    if last in "།༎" and r.lang in _TIB_FINAL_RX:
        before = text[max(0, rs - 12) : rs].rstrip("་༌")
        if before.rsplit("་", 1)[-1] in _TIB_CONTINUATIVE:
            return None  # a clause ends with "and", "if", "but": the sentence goes on
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
    word = _prev_word(text, rs).strip(_WORD_LEAD)
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
        starts, skip = _list_cuts(text)
        if not starts and ")" in text:
            starts = _inline_list_cuts(text)
        cuts.extend((s, s) for s in starts)
    for m in r.rx.finditer(text):
        rs, run_end, gap_end = m.start(), m.start("g"), m.end()
        if gap_end >= n:
            continue
        if run_end == gap_end:
            # no space after the run: only stops of no-space scripts can end a sentence here
            core = text[rs:run_end].rstrip(_CLOSE_RUN)
            if core == "." and _joined_sentences(r, text, rs, run_end):
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
    if lang == "th":
        cuts = _thai_cuts(text, cuts)
    elif lang in _CJK_SPACE_LANGS and " " in text:
        cuts.extend((m.start(), m.end()) for m in _CJK_SPACE.finditer(text))
    elif lang in _TIB_FINAL_RX:
        cuts.extend((m.start("g"), m.end("g")) for m in _TIB_FINAL_RX[lang].finditer(text) if m.end() < n)
    starters = _STARTERS.get(lang)
    if starters:
        cuts.sort()
        first_end = cuts[0][0] if cuts else n
        h = _headline_cut(text, 0, first_end, starters, lang not in _NO_REPEAT)
        extra = [] if h is None else [(h, h)]
        cuts.extend(extra)
    if lang in _COMMA_COLON_LANGS:
        cuts.extend(_arabic_cuts(text, cuts))
    if cuts and ('"' in text or "”" in text or "“" in text or "»" in text):
        cuts = _embedded_quotes(text, cuts)
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


# Tibetan and Dzongkha: the shad "།" also closes clauses; after a conjunctive particle it
# does not end the sentence. Dzongkha often ends a sentence with no shad at all, after a
# sentence-final auxiliary or particle (མས, ནུག, འདུག, ཨིན, ...), before a space.
_TIB_CONTINUATIVE = frozenset("དང ན ནས མོད རྒྱུར སྟེ ཅིང ཞིང ཤིང ལ རྗེས".split())
_TIB_FINALS = {
    "dz": "མས ནུག འདུག ཨིན ཨིནམ ཅི ཡི ཡོད ཡོདཔ པས དགོ འོང",
    "bo": "འདུག",
}
_TIB_FINAL_RX = {
    lang: re.compile(r"(?:(?<=[་༌\s])|^)(?:" + "|".join(sorted(v.split(), key=len, reverse=True)) + r")[་༌]?(?P<g> +)(?=\S)")
    for lang, v in _TIB_FINALS.items()
}
# Chinese and Japanese put no spaces between words: a space between two CJK characters
# is where two lines were joined (a headline and its story).
_CJK_CHARS = "\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff60"
_CJK_SPACE = re.compile(f"(?<=[{_CJK_CHARS}])[ \u00a0\u3000]+(?=[{_CJK_CHARS}])")
_CJK_SPACE_LANGS = frozenset(("zh", "yue", "ja"))
_THAI_GAP = re.compile(r"(?<=[\u0e01-\u0e4e])[ \u00a0]+(?=[\u0e01-\u0e4e])")
_THAI_LEFT, _THAI_RIGHT = 60, 40


def _thai_cuts(text: str, cuts: list) -> list:
    """Thai writes no sentence stop: a space between Thai letters ends a sentence when at
    least 60 characters precede it in the sentence and 40 follow in the paragraph (spaces
    also separate clauses, which are shorter). Measured on NTREX, this is a weak cue."""
    cuts = sorted(cuts)
    out, start, i, n = [], 0, 0, len(text)
    for m in _THAI_GAP.finditer(text):
        while i < len(cuts) and cuts[i][0] <= m.start():
            out.append(cuts[i])
            start = cuts[i][1]
            i += 1
        if m.start() - start >= _THAI_LEFT and n - m.end() >= _THAI_RIGHT:
            out.append((m.start(), m.end()))
            start = m.end()
    out.extend(cuts[i:])
    return out


# Arabic: the comma "،" and the colon also end sentences in some writing (pySBD's rules),
# but news uses both inside sentences all the time. Two narrow cases keep them:
# - a paragraph with no sentence stop at all, written as a chain of comma-joined clauses:
#   each "،" ends a sentence, except one that lists ("الدم، والقلب،": one word then a comma);
# - a label closed by a colon at the start of a paragraph ("سؤال وجواب:", a dateline and
#   "الصنداي تايمز:"; a noun phrase of at most 12 words, no "،" clause, outside quotes)
#   when what follows the colon is a complete, punctuated sentence; a
#   label before an unpunctuated headline ("كاني ويست: مغني الراب يغير اسمه") stays with it.
_COMMA_COLON_LANGS = frozenset(("ar",))
_AR_LABEL_WORDS = 12
_AR_STOP = re.compile(r"[.!?؟]")
_AR_COMMA = re.compile(r"،(?P<g>[ \u00a0]+)(?![^\s،]+،)(?=\S)")
_AR_COLON = re.compile(r"(?<![\d\s]):(?P<g> +)(?=[^\W\d_])")


def _arabic_cuts(text: str, cuts: list) -> list:
    stop = _AR_STOP.search(text)
    if stop is None:
        found = [(m.start("g"), m.end("g")) for m in _AR_COMMA.finditer(text)]
        return found if len(found) >= 2 else []
    m = _AR_COLON.search(text, 0, stop.start())
    if m is None:
        return []
    label = text[: m.start()]
    if "،" in label or label.count('"') % 2 or len(label.split()) > _AR_LABEL_WORDS:
        return []  # a clause ("..., وتعاني ...:") or a quotation, not a label
    nxt = min((e for e, _ in cuts if e > m.end()), default=len(text))
    seg = text[m.end() : nxt].rstrip().rstrip(_CLOSE_RUN)
    if seg and seg[-1] in ".!?؟" and stop.start() < nxt:
        return [(m.start("g"), m.end("g"))]
    return []


_HEAD_MIN, _HEAD_MAX, _REST_MIN, _HEAD_RATIO = 3, 20, 4, 0.7
_HEAD_STOP = frozenset(",;:-–—/&")
_NO_REPEAT: frozenset = frozenset(("de", "lb"))  # nouns are capitalised: repetition says little
_HEAD_PREFIX = 7


def _headline_cut(text: str, a: int, b: int, starters: dict, repeat: bool = True) -> Optional[int]:
    """Where a headline without final punctuation ends inside the span [a, b), if anywhere.

    The cue: a word that starts sentences in news of this language far more often than it
    appears inside one (``The``, ``He``, ``Die``, ``وقال``: `agents.segment_starters`) follows
    3 to 20 words that do not end in a comma or a dash, and at least 4 words follow it."""
    if b - a < 30:
        return None
    words = [m.span() for m in itertools.islice(_SPACE_WORD.finditer(text, a, b), _HEAD_MAX + _REST_MIN + 1)]
    n = len(words)
    if n < _HEAD_MIN + _REST_MIN:
        return None
    rest_ok = n > _HEAD_MAX + _REST_MIN  # the span goes on beyond the words read
    seen: set[str] = set()
    for k in range(1, min(_HEAD_MAX + 1, n)):
        ps, pe = words[k - 1]
        pw = text[ps:pe].strip(_WORD_LEAD + _CLOSE)
        if pw[:1].isupper():
            seen.add(pw[:_HEAD_PREFIX])
        if k < _HEAD_MIN:
            continue
        if not rest_ok and n - k < _REST_MIN:
            break
        ws, we = words[k]
        w = text[ws:we].lstrip(_WORD_LEAD)
        if not w:
            continue  # a lone opening quote: judged with the word after it
        ratio = starters.get(w)
        if ratio is None or ratio < _HEAD_RATIO:
            if not (repeat and w[:1].isupper() and w[:_HEAD_PREFIX] in seen):
                continue
            if len(pw) < 4 or any(ch.isdigit() for ch in pw):
                continue  # "für die Unterstützung", "bis zu 15 Zentimetern": mid-sentence
        if text[ws] in "([" or (ratio is None and len(w) < 3):
            continue
        head = text[a:ws]
        if "..." in head or "…" in head:
            return None  # prose with an ellipsis, not a headline
        if head.count('"') % 2 or head.count("(") > head.count(")") or head.count("«") > head.count("»") \
                or head.count("“") > head.count("”") + head.count("„"):
            continue  # inside a quotation or a bracket
        # step back over lone opening quotes before the word
        j = k
        while j > 1 and not text[words[j - 1][0] : words[j - 1][1]].strip(_WORD_LEAD):
            j -= 1
        ps, pe = words[j - 1]
        if text[pe - 1] in _HEAD_STOP or text[pe - 1] in _BASE_TERMS:
            continue
        return words[j][0]
    return None


def _strip(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b
