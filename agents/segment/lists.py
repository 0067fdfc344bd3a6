"""Numbered and lettered lists inside one paragraph: each item is a sentence of its own."""
from __future__ import annotations

import re

_LIST_MARK = re.compile(r"(?:(?<=\s)|^)([•⁃*]\s?)?(\d{1,2}|[a-z])(\.\)|\)|\.)(?=\s)")
_INLINE_MARK = re.compile(r"(?<=\s)(\d{1,2})\)(?=\s)")


def list_cuts(text: str) -> tuple[list[int], set[int]]:
    """Starts of list items run together on one line (``1. The first item 2. The second
    item``), and the positions of their periods (no sentence ends there)."""
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


def inline_list_cuts(text: str) -> list[int]:
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
