"""Name skeletons that survive transliteration: Trump, Трамп, ترامب, ट्रम्प, 트럼프 and トランプ
all give "TLNP".

A word is romanised letter by letter (Cyrillic, Arabic/Persian, Devanagari, Hangul, Katakana;
Latin loses its accents), then its consonants fall into seven broad classes and vowels drop, so
spelling conventions (k/c/q, v/w, l/r, m/n) stop mattering. Coarse on purpose: a skeleton is one
weak signal among many and rare ones carry the weight.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

_CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
    "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh sch - y - e yu ya i i e g".split(),
))
_ARABIC = dict(zip(
    "ابپتثجچحخدذرزژسشصضطظعغفقكکگلمنهوىيیةءأإآؤئ",
    "a b p t s j ch h kh d z r z zh s sh s d t z - gh f q k k g l m n h u a i i - - a i a u i".split(),
))
_DEVANAGARI = dict(zip(
    "कखगघङचछजझञटठडढणतथदधनपफबभमयरलवशषसहंँ",
    "k kh g gh n ch chh j jh n t th d dh n t th d dh n p f b bh m y r l v sh sh s h n n".split(),
))
_KANA_ROWS = {
    "アイウエオァィゥェォ": "", "カキクケコ": "k", "ガギグゲゴ": "g", "サスセソ": "s", "シ": "sh",
    "ザズゼゾ": "z", "ジ": "j", "タテト": "t", "チ": "ch", "ツ": "ts", "ダヂヅデド": "d",
    "ナニヌネノ": "n", "ハヒヘホ": "h", "フ": "f", "バビブベボ": "b", "パピプペポ": "p",
    "マミムメモ": "m", "ヤユヨャュョ": "y", "ラリルレロ": "r", "ワヲ": "w", "ン": "n", "ヴ": "v",
}
_KATAKANA = {ch: rom or "-" for chars, rom in _KANA_ROWS.items() for ch in chars}
_HANGUL_INITIAL = "g kk n d tt r m b pp s ss - j jj ch k t p h".split()
_HANGUL_FINAL = "- g kk gs n nj nh d l lg lm lb ls lt lp lh m b bs s ss ng j ch k t p h".split()
_TABLES = (_CYRILLIC, _ARABIC, _DEVANAGARI, _KATAKANA)

# Latin letters -> consonant class; vowels, h, y and separators drop.
_CLASS = {**dict.fromkeys("bp", "P"), **dict.fromkeys("fvw", "F"), **dict.fromkeys("td", "T"),
          **dict.fromkeys("kgqcx", "K"), **dict.fromkeys("sz", "S"), "j": "S",
          **dict.fromkeys("mn", "N"), **dict.fromkeys("lr", "L")}
_SIBILANT_DIGRAPHS = ("sh", "ch", "zh", "ts")


def _hangul(ch: str) -> str:
    code = ord(ch) - 0xAC00
    if not 0 <= code < 11172:
        return ""
    initial, final = divmod(code, 588)[0], code % 28
    return _HANGUL_INITIAL[initial] + "a" + _HANGUL_FINAL[final]


def _romanise_char(ch: str) -> str:
    """A case-folded character's Latin letters ("" when it has none)."""
    if "a" <= ch <= "z":
        return ch
    for table in _TABLES:
        if ch in table:
            return table[ch].replace("-", "")
    if "\uac00" <= ch <= "\ud7a3":
        return _hangul(ch).replace("-", "")
    base = unicodedata.normalize("NFKD", ch)[0]
    return base if "a" <= base <= "z" else ""


class _Romanisation(dict):
    """Code point -> its Latin letters, for `str.translate`: each character is looked up once,
    when it first comes (at most every code point, a few thousand in practice), so a word is
    romanised in one C call instead of a Python step per character."""

    def __missing__(self, code: int) -> str:
        self[code] = letters = _romanise_char(chr(code))
        return letters


_ROMAN = _Romanisation()
# Latin letters -> their consonant class, vowels and the rest dropped: `romanise` leaves a-z only.
_CLASSES = str.maketrans({ch: _CLASS.get(ch) for ch in "abcdefghijklmnopqrstuvwxyz"})


def romanise(word: str) -> str:
    return word.casefold().translate(_ROMAN)


@lru_cache(maxsize=65536)
def skeleton(word: str) -> str:
    """"Kim Jong Un" words -> "KN", "SN", "N"; "" when nothing is left. A class once for a run
    of it, vowels or not in between ("Tata" -> "T")."""
    rom = romanise(word)
    for digraph in _SIBILANT_DIGRAPHS:
        rom = rom.replace(digraph, "s")
    rom = rom.replace("ce", "se").replace("ci", "si")
    out = ""
    for cls in rom.translate(_CLASSES):  # a few letters: a loop beats a regular expression here
        if not out or out[-1] != cls:
            out += cls
    return out
