"""Short text (a headline, a few words): lingua's scores, corrected per length by a fitted table
(data/bias.json, by data/fit_bias.py): a bias per language, a bonus where CLD2 agrees and a
weight for how common the words are in each language (word_evidence.py)."""
from __future__ import annotations

import functools
import json
import math
import os
import re
from typing import Optional

from newsflow.agents.language import cld2, long_text
from newsflow.agents.language.lingua_scores import LINGUA_CODES, lingua_values
from newsflow.agents.language.ngram_model import NgramModel
from newsflow.agents.language.word_evidence import word_zipf

BIAS_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "bias.json")
TOKENS = re.compile(r"[^\W\d_]+")
# From this many letters a language lingua does not know, named by a sure CLD2, is believed.
_MIN_UNKNOWN_TO_LINGUA_LETTERS = 60
# Languages CLD2 says for lingua languages' short text (Scottish Gaelic for Irish, Waray for Tagalog).
_CLD2_LOOKALIKES = frozenset("gd war nso ceb gl".split())
# lingua's answer may really be a close relative it does not know (Dari, Hassaniya, Cantonese, ...).
_RELATIVES_LINGUA_LACKS = {
    "ar": ("ar", "mey", "shi"), "fa": ("fa", "prs"),
    "mi": ("mi", "ty"), "ru": ("ru", "tt", "ba"), "kk": ("kk", "ky", "ba", "tt"),
    "mn": ("mn", "ky"), "tr": ("tr", "tk"), "de": ("de", "lb"), "is": ("is", "fo"), "hi": ("hi", "ne"),
    "mr": ("mr", "ne"), "es": ("es", "gl"), "pt": ("pt", "gl"),
}
_MIN_RELATIVE_LETTERS = 100  # the n-gram model learnt paragraphs; below this, trust lingua
HINT_BONUS = 0.7  # log-odds added to the hinted language


@functools.cache
def load_bias(path: str = BIAS_PATH) -> dict:
    """The fitted table: per length bucket, biases, CLD2 bonus and word-list weight."""
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def length_bucket(n_tokens: int) -> str:
    """The bias table's key: one word, two words, or more."""
    return "1" if n_tokens <= 1 else "2" if n_tokens == 2 else "3"


def letter_count(text: str, dominant: Optional[str], tokens: list[str]) -> int:
    """Letters of the words; every Han character counts (Chinese has no spaces)."""
    return len(text) if dominant == "Hani" else sum(map(len, tokens))


def decide(text: str, dominant: str, hint: Optional[str], *, bias: dict, model: NgramModel,
           full_ngrams: bool, answer: Optional[cld2.Answer] = None) -> tuple[str, float]:
    """(code, confidence) for short text; `answer` is CLD2's when it was already asked."""
    tokens = TOKENS.findall(text)
    bucket = length_bucket(len(tokens))
    table = bias[bucket]
    biases, w = table["bias"], table["cld2"]
    answer = answer or cld2.detect(text)
    reliable, details = answer
    cld = cld2.first_code(answer, dominant)
    n_letters = letter_count(text, dominant, tokens)
    if (cld and cld not in LINGUA_CODES and reliable and details[0][1] >= 95
            and n_letters >= _MIN_UNKNOWN_TO_LINGUA_LETTERS and cld not in _CLD2_LOOKALIKES):
        return long_text.decide(text, dominant, hint, model, answer, n_letters)  # a language lingua does not know
    values = lingua_values(text, dominant, details, n_letters, full_ngrams=full_ngrams)
    if (bucket == "3" and len(values) == 1 and reliable and cld in LINGUA_CODES
            and cld != values[0][0]):
        # lingua named one language outright from a character rule (Kazakh for Ukrainian with
        # "і", English for Urdu with a Latin-script header); CLD2 weighs all of the sentence.
        return cld, 0.6
    u = table.get("lex", 0.0)
    zipf = word_zipf(tokens, [c for c, _ in values]) if u else {}
    scored = []
    for code, value in values:
        s = math.log(value) + biases.get(code, 0.0) + (w if code == cld else 0.0)
        if u:
            z = zipf[code]
            s += u * (table["lex_default"] if z is None else z)
        if hint and code == hint:
            s += HINT_BONUS
        scored.append((s, code))
    if not scored:
        return (cld, 0.5) if cld else ("und", 0.0)
    scored.sort(reverse=True)
    z = sum(math.exp(s - scored[0][0]) for s, _ in scored)
    best = scored[0][1]
    conf = 1.0 / z
    group = _RELATIVES_LINGUA_LACKS.get(best)
    if group and n_letters >= _MIN_RELATIVE_LETTERS:
        pick, margin = long_text.ngram_pick(model, text, group, best)
        if pick and pick != best:
            return pick, 0.85 if margin >= 0.15 else 0.6
    return best, conf
