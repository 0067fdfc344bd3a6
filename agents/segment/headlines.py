"""A headline run into its story on one line, without final punctuation: where it ends.

``Welsh Assembly members worried they'll look like muppets Members of the assembly ...``:
the cue is a word that starts sentences in news of this language far more often than it
appears inside one (``The``, ``He``, ``Die``, ``وقال``), or a capitalised word of the
headline repeated at the start of the story (``Kanye West: Rapper changes his name to Ye
Rapper Kanye West is ...``), after 3-20 words, outside quotes and brackets.

The starter words and their shares come from ``data/starters.json``, generated from the
development data by ``data/build_starters.py`` and read once, on first use.
"""
from __future__ import annotations

import itertools
import json
import re
from importlib.resources import files
from typing import Optional

from newsflow.agents.segment.punctuation import BASE_TERMS, CLOSE, WORD_LEAD

_HEAD_MIN, _HEAD_MAX, _REST_MIN, _HEAD_RATIO = 3, 20, 4, 0.7
_HEAD_STOP = frozenset(",;:-–—/&")
_NO_REPEAT: frozenset = frozenset(("de", "lb"))  # nouns are capitalised: repetition says little
_HEAD_PREFIX = 7
_SPACE_WORD = re.compile(r"\S+")

# {language: {starter word: share of its occurrences that start a sentence}}; None until
# first use (bench/segmentation.py --heldout puts a table built from half the data here).
_starters: Optional[dict[str, dict[str, float]]] = None


def starters_for(lang: str) -> Optional[dict[str, float]]:
    global _starters
    if _starters is None:
        _starters = json.loads(files(__package__).joinpath("data", "starters.json").read_text(encoding="utf-8"))
    return _starters.get(lang)


def headline_cut(text: str, end: int, lang: str) -> Optional[int]:
    """Where a headline without final punctuation ends inside ``text[:end]``, if anywhere:
    the start of a cue word that follows 3 to 20 words not ending in a comma or a dash, with
    at least 4 words after it."""
    starters = starters_for(lang)
    if not starters or end < 30:
        return None
    repeat = lang not in _NO_REPEAT
    words = [m.span() for m in itertools.islice(_SPACE_WORD.finditer(text, 0, end), _HEAD_MAX + _REST_MIN + 1)]
    n = len(words)
    if n < _HEAD_MIN + _REST_MIN:
        return None
    rest_ok = n > _HEAD_MAX + _REST_MIN  # the span goes on beyond the words read
    seen: set[str] = set()
    for k in range(1, min(_HEAD_MAX + 1, n)):
        ps, pe = words[k - 1]
        pw = text[ps:pe].strip(WORD_LEAD + CLOSE)
        if pw[:1].isupper():
            seen.add(pw[:_HEAD_PREFIX])
        if k < _HEAD_MIN:
            continue
        if not rest_ok and n - k < _REST_MIN:
            break
        ws, we = words[k]
        w = text[ws:we].lstrip(WORD_LEAD)
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
        head = text[:ws]
        if "..." in head or "…" in head:
            return None  # prose with an ellipsis, not a headline
        if head.count('"') % 2 or head.count("(") > head.count(")") or head.count("«") > head.count("»") \
                or head.count("“") > head.count("”") + head.count("„"):
            continue  # inside a quotation or a bracket
        # step back over lone opening quotes before the word
        j = k
        while j > 1 and not text[words[j - 1][0] : words[j - 1][1]].strip(WORD_LEAD):
            j -= 1
        ps, pe = words[j - 1]
        if text[pe - 1] in _HEAD_STOP or text[pe - 1] in BASE_TERMS:
            continue
        return words[j][0]
    return None
