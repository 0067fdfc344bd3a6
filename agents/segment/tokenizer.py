"""Tokens for the `segment` stage: one compiled regular expression over the whole body.

A token is one of, tried in this order:

- one Han ideograph, Kana or Hangul-compatibility-free CJK symbol: Chinese and Japanese have
  no spaces and we carry no dictionary, so every character is its own token (a common
  baseline for CJK word-level tasks; downstream models re-merge characters);
- a run of Thai, Lao, Khmer, Myanmar or Tibetan letters and marks between spaces or
  punctuation: these scripts have no spaces between words either, and a dictionary-free
  split per character would cut through syllables, so the run stays whole (Tibetan is
  additionally cut at its syllable mark ``་``);
- a number: digits with internal ``. , : /`` between digits (``1.000.000``, ``15:08``,
  ``27/10/2014``); a sign before it is a token of its own;
- an initialism with its final period: single letters each followed by a period
  (``U.S.``, ``U.N.``, ``a.m.``), as CoNLL and spaCy keep them;
- a word: letters, digits and combining marks (any script, so Devanagari vowel signs stay
  inside their word), with internal apostrophes and periods between letters (``don't``,
  ``aujourd'hui``, ``bbc.co.uk``) kept inside. A hyphen is a token of its own (``Mills`` ``-``
  ``Hicks``, ``Moscow`` ``-`` ``backed``) and so is a final ``'s`` (``Kosovo`` ``'s``), as in
  OntoNotes, Universal Dependencies English and spaCy: a name is often a part of such a word,
  and the entities stage needs its mentions to start and end on token edges;
- any other single non-space character (punctuation, symbols, emoji).
"""
from __future__ import annotations

import re
import unicodedata

_CJK = (
    "\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3031-\u3035\u3038-\u303c\u3040-\u30ff\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
)
_SEA = "\u0e00-\u0e7f\u0e80-\u0eff\u1780-\u17d3\u17d7-\u17ff\u19e0-\u19ff\u1000-\u1049\u104c-\u109f\u0f00-\u0f03\u0f15-\u0fff"


def _ranges(pred) -> str:
    out, start = [], None
    for cp in range(0x30000):
        if 0xD800 <= cp <= 0xDFFF:
            ok = False
        else:
            ok = pred(chr(cp))
        if ok and start is None:
            start = cp
        elif not ok and start is not None:
            out.append((start, cp - 1))
            start = None
    if start is not None:
        out.append((start, 0x2FFFF))
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in out
    )


def _is_wordchar(ch: str) -> bool:
    cat = unicodedata.category(ch)
    if cat[0] not in "LMN" and ch != "_":
        return False
    cp = ord(ch)
    # the CJK and South-East Asian blocks get their own alternatives
    if 0x2E80 <= cp <= 0x9FFF or 0xF900 <= cp <= 0xFAFF or 0xFF66 <= cp <= 0xFF9F or cp >= 0x20000:
        return False
    if 0x0E00 <= cp <= 0x0EFF or 0x1780 <= cp <= 0x17FF or 0x19E0 <= cp <= 0x19FF:
        return False
    if 0x1000 <= cp <= 0x109F or 0x0F00 <= cp <= 0x0FFF:
        return False
    return True


_W = _ranges(_is_wordchar)
# The spaces before a token are taken with it (possessively) and left out of its span: the
# search never tries (and fails) every alternative at a space. A token never starts with a
# space and `\S` takes any other character, so the tokens are those of the alternatives alone.
_TOKEN = re.compile(
    r"\s*+("
    rf"[{_CJK}\U00020000-\U0002ffff]"
    rf"|[{_SEA}]+"
    rf"|\d+(?:[.,:/]\d+)*(?![{_W}])"
    r"|(?:[^\W\d_]\.){2,}(?!\w)"
    rf"|[{_W}]+(?:(?!['’][sS](?![{_W}]))['’.][{_W}]+)*"
    rf"|['’][sS](?![{_W}])"
    r"|\S)",
)
del _W


def tokens(text: str) -> list[int]:
    """Flat [start0, end0, start1, end1, ...] offsets of the tokens of `text`."""
    out: list[int] = []
    add = out.extend
    # Trailing spaces hold no token; without them every match ends on one.
    for m in _TOKEN.finditer(text, 0, len(text.rstrip())):
        add(m.span(1))
    return out

