"""Sentence cues of single scripts and languages: where the period-and-space rules do not fit.

- Thai writes no sentence stop: a long enough stretch before a space is a (weak) cue.
- Tibetan and Dzongkha: a shad after a conjunctive particle only closes a clause; Dzongkha
  often ends a sentence with a sentence-final particle before a space and no shad.
- Chinese and Japanese: a space between two CJK characters is where two lines were joined.
- Arabic: a label before a colon, and comma-chained paragraphs without any stop.
- Cyrillic: a period between a word and a capital with no space is a missing space.
"""
from __future__ import annotations

import re

from newsflow.agents.segment.punctuation import CLOSE_RUN, WORD_LEAD, prev_word

# Tibetan and Dzongkha: the shad "།" also closes clauses; after a conjunctive particle it
# does not end the sentence. Dzongkha often ends a sentence with no shad at all, after a
# sentence-final auxiliary or particle (མས, ནུག, འདུག, ཨིན, ...), before a space.
_TIB_CONTINUATIVE = frozenset("དང ན ནས མོད རྒྱུར སྟེ ཅིང ཞིང ཤིང ལ རྗེས".split())
_TIB_FINALS = {
    "dz": "མས ནུག འདུག ཨིན ཨིནམ ཅི ཡི ཡོད ཡོདཔ པས དགོ འོང",
    "bo": "འདུག",
}
TIB_FINAL_RX = {
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


def tibetan_clause_end(text: str, rs: int) -> bool:
    """The shad at `rs` follows "and", "if", "but": the clause ends, the sentence goes on."""
    before = text[max(0, rs - 12) : rs].rstrip("་༌")
    return before.rsplit("་", 1)[-1] in _TIB_CONTINUATIVE


def script_cuts(text: str, lang: str, cuts: list) -> list:
    """`cuts` with the boundaries that Thai spaces, joined CJK lines or Dzongkha and Tibetan
    sentence-final particles add."""
    if lang == "th":
        return _thai_cuts(text, cuts)
    if lang in _CJK_SPACE_LANGS and " " in text:
        cuts.extend((m.start(), m.end()) for m in _CJK_SPACE.finditer(text))
    elif lang in TIB_FINAL_RX:
        n = len(text)
        cuts.extend((m.start("g"), m.end("g")) for m in TIB_FINAL_RX[lang].finditer(text) if m.end() < n)
    return cuts


def _thai_cuts(text: str, cuts: list) -> list:
    """A space between Thai letters ends a sentence when at least 60 characters precede it
    in the sentence and 40 follow in the paragraph (spaces also separate clauses, which are
    shorter)."""
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
COMMA_COLON_LANGS = frozenset(("ar",))
_AR_LABEL_WORDS = 12
_AR_STOP = re.compile(r"[.!?؟]")
_AR_COMMA = re.compile(r"،(?P<g>[ \u00a0]+)(?![^\s،]+،)(?=\S)")
_AR_COLON = re.compile(r"(?<![\d\s]):(?P<g> +)(?=[^\W\d_])")


def arabic_cuts(text: str, cuts: list) -> list:
    """The boundaries a comma chain or a leading label adds to an Arabic paragraph."""
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
    seg = text[m.end() : nxt].rstrip().rstrip(CLOSE_RUN)
    if seg and seg[-1] in ".!?؟" and stop.start() < nxt:
        return [(m.start("g"), m.end("g"))]
    return []


_CYR_JOIN = re.compile(r"[а-яёѐ-џҁ-ӿ]{4,}")


def joined_sentences(text: str, rs: int, run_end: int, abbr: frozenset) -> bool:
    """A period with no space between a Cyrillic word and a capital ("жағдайы.XVIII
    ғасырдың"): a missing space, as no Cyrillic abbreviation, domain or file name looks
    so (those are short, dotted or Latin: "куб.м", "Л.Н.Толстой", "vremya.ru")."""
    if run_end >= len(text) or not text[run_end].isupper():
        return False
    word = prev_word(text, rs).strip(WORD_LEAD)
    return _CYR_JOIN.fullmatch(word.rsplit("-", 1)[-1]) is not None and word.lower() not in abbr
