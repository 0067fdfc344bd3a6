"""CLD2 (pycld2, its tables compiled into the wheel): the fast detector for paragraphs, and
whether it may decide a sentence alone."""
from __future__ import annotations

from typing import Optional

import pycld2

# (reliable, [(code, percent of the text, score), ...]) with our codes, best first.
Answer = tuple[bool, list[tuple[str, int, int]]]

# Between GATE_LETTERS and the long-text threshold, CLD2 decides when it is sure and its language
# is outside the groups it confuses; lingua otherwise.
GATE_LETTERS = 120
# A Han character carries about what three Latin letters do: Chinese paragraphs (~100 characters)
# are settled by CLD2 when it is sure, as Latin ones of 120+ letters are.
HAN_GATE_LETTERS = 40
# CLD2's answers that are never sure on a sentence: languages of groups it confuses.
_DOUBT = frozenset("hr bs sr id ms nb nn da".split())
# CLD2's codes -> ISO 639-1 where one exists, else 639-3.
_ALIASES = {"iw": "he", "jw": "jv", "in": "id", "no": "nb", "fil": "tl", "zh-hant": "zh", "sr-me": "sr",
            "ku": "kmr", "mo": "ro", "ji": "yi", "xx-qaai": "und", "zzb": "und"}


def _code(code: str) -> str:
    c = code.lower()
    return _ALIASES.get(c, c).split("-")[0]


def detect(text: str) -> Answer:
    """CLD2's best-effort answer; text it cannot read (unprintable characters) is cleaned once."""
    try:
        reliable, _, details = pycld2.detect(text, bestEffort=True)
    except pycld2.error:
        try:
            reliable, _, details = pycld2.detect("".join(c for c in text if c.isprintable()), bestEffort=True)
        except Exception:
            return False, []
    return reliable, [(_code(d[1]), d[2], d[3]) for d in details if d[1] != "un"]


def worth_asking(dominant: Optional[str], n_letters: int) -> bool:
    """Whether a text under the long-text threshold is long enough for CLD2 to decide alone."""
    return n_letters >= (HAN_GATE_LETTERS if dominant == "Hani" else GATE_LETTERS)


def is_sure(answer: Answer) -> bool:
    reliable, details = answer
    return bool(reliable and details and details[0][1] >= 95 and details[0][0] not in _DOUBT)


def alone(answer: Answer) -> Optional[str]:
    """The one language CLD2 found, when it found one only and is sure of it; else None."""
    reliable, details = answer
    return details[0][0] if reliable and len(details) == 1 else None


def fix_variant(code: str, dominant: Optional[str]) -> str:
    """Kurdish by script: Sorani in Arabic script, Kurmanji otherwise."""
    if code in ("kmr", "ckb"):
        return "ckb" if dominant == "Arab" else "kmr"
    return code


def first_code(answer: Answer, dominant: Optional[str]) -> Optional[str]:
    """CLD2's first language, Kurdish fixed by script; None when it named none."""
    details = answer[1]
    return fix_variant(details[0][0], dominant) if details else None
