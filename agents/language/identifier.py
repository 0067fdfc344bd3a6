"""Which language a text is in: routes it by script and length to the detector that is
strongest there, and holds that detector's data (loaded once, when first needed)."""
from __future__ import annotations

import functools
import re
from typing import NamedTuple, Optional

from newsflow.agents.language import cld2, lingua_scores, long_text, short_text
from newsflow.agents.language.hints import hint_code
from newsflow.agents.language.ngram_model import MODEL_PATH, NgramModel, load_model
from newsflow.agents.language.scripts import SCRIPT_LANGUAGE, reported_script, script_counts, script_table
from newsflow.agents.language.scripts import dominant as dominant_script
from newsflow.agents.language.word_evidence import word_lists
from newsflow.schemas import Language

UNDETERMINED = Language("und", 0.0)
MAX_CHARS = 3000  # enough text for any detector; bounds the cost of huge bodies
RUN_CACHE = 4096  # script runs whose answers are kept (short strings: well under 1 MB)
# Scripts lingua covers: short text goes to lingua only in these.
LINGUA_SCRIPTS = frozenset({"Latn", "Cyrl", "Arab", "Deva", "Beng", "Hani"})
# Tokens that carry no language: links, addresses, handles.
_NON_LINGUISTIC = re.compile(r"\S+://\S*|www\.\S+|\S+@\S+|[@#]\w+")
_CODE_CHARS = re.compile(r"[{}()\[\];=<>$\\|&*/_]")
# Characters of written Cantonese that Mandarin does not use: two make Chinese text Cantonese.
_CANTONESE = set("嘅係咗唔佢嘢啲喺冇嚟哋咁乜嗰噉")


class Route(NamedTuple):
    """Where `route` sends a text: 'und' (no language in it), 'script' (a script of one
    language), 'long' (CLD2 + n-gram model), 'sure' (a sentence CLD2 is sure of) or 'short' (lingua)."""

    path: str
    sample: str
    counts: dict[str, int]
    dominant: Optional[str]
    n_letters: int
    answer: Optional[cld2.Answer]  # CLD2's on `sample`, when it was asked on the way (always on 'long')


def _looks_like_code(text: str, n_letters: int) -> bool:
    n = len(_CODE_CHARS.findall(text))
    return n >= 3 and n >= 0.25 * (n_letters + n)


def route(text: str) -> Route:
    """The detector for `text`; fit_bias.py fits the short-text table on what goes to 'short'."""
    sample = text[:MAX_CHARS]
    if "@" in sample or "#" in sample or "://" in sample or "www." in sample:
        sample = _NON_LINGUISTIC.sub(" ", sample)
    counts = script_counts(sample)
    n_letters = sum(counts.values())
    dom = dominant_script(counts)

    def to(path: str, answer: Optional[cld2.Answer] = None) -> Route:
        return Route(path, sample, counts, dom, n_letters, answer)

    # One Han, kana or Hangul character is a word; one Latin letter is not.
    if n_letters < (1 if dom in ("Hani", "Kana", "Hang") else 2) or _looks_like_code(sample, n_letters):
        return to("und")  # numbers, links without words, emoji, punctuation, code
    if SCRIPT_LANGUAGE.get(dom) and counts[dom] >= 0.6 * n_letters:
        return to("script")
    if n_letters >= long_text.LONG_LETTERS or dom not in LINGUA_SCRIPTS:
        return to("long", cld2.detect(sample))
    answer = cld2.detect(sample) if cld2.worth_asking(dom, n_letters) else None
    return to("sure" if answer is not None and cld2.is_sure(answer) else "short", answer)


class LanguageIdentifier:
    """Identifies the language of texts. `full_ngrams` scores Latin-script short text with
    lingua's 5-gram models too (+0.4 GB; the shipped bias table was fitted without them);
    `ngrams_path` and `bias_path` point at other model files (research: see bench/language.py)."""

    def __init__(self, *, full_ngrams: bool = False, ngrams_path: str = MODEL_PATH,
                 bias_path: str = short_text.BIAS_PATH):
        self.full_ngrams = full_ngrams
        self.ngrams_path = ngrams_path
        self.bias_path = bias_path
        # Runs of another script (names: "BBC", "習近平") recur from article to article.
        self.identify_run = functools.lru_cache(maxsize=RUN_CACHE)(self.identify)

    @functools.cached_property
    def ngrams(self) -> NgramModel:
        return load_model(self.ngrams_path)

    @functools.cached_property
    def bias(self) -> dict:
        return short_text.load_bias(self.bias_path)

    def warm_up(self) -> None:
        """Loads everything identify() may need, so the first items pay nothing."""
        script_table()
        if any(t.get("lex") for t in self.bias.values()):
            word_lists()
        _ = self.ngrams  # loaded now rather than on the first paragraph
        lingua_scores.warm_up(self.full_ngrams)

    def identify(self, text: str, hint: Optional[str] = None) -> Language:
        """Language, confidence and script of `text`; `hint` (e.g. the feed's `lang_hint`) is a prior."""
        return self.decide(route(text), hint)

    def decide(self, r: Route, hint: Optional[str] = None) -> Language:
        """`identify` for a text already routed (the stage keeps the route's CLD2 answer)."""
        if r.path == "und":
            return UNDETERMINED
        sample, dom = r.sample, r.dominant
        script = reported_script(dom, sample)
        if r.path == "script":
            return Language(SCRIPT_LANGUAGE[dom], 0.99 if r.counts[dom] >= 3 else 0.9, script)
        hint = hint_code(hint)
        if r.path == "long":
            code, conf = long_text.decide(sample, dom, hint, self.ngrams, r.answer)
        elif r.path == "sure":
            code, conf = long_text.decide(sample, dom, hint, self.ngrams, r.answer, r.n_letters)
        else:
            code, conf = short_text.decide(sample, dom, hint, bias=self.bias, model=self.ngrams,
                                           full_ngrams=self.full_ngrams, answer=r.answer)
        if code == "und":
            return Language("und", 0.0, script)
        if code == "zh" and dom == "Hani" and sum(ch in _CANTONESE for ch in sample) >= 2:
            code = "yue"
        return Language(code, round(float(conf), 4), script)

    def odds(self, text: str, code: str) -> float:
        """How close `code` comes to lingua's first choice for short Latin-script `text`: its
        confidence over the leader's (1.0 when it leads, 0.0 outside the top eight). For callers
        that need to know whether a language is ruled out, not which one wins."""
        n_letters = short_text.letter_count(text, "Latn", short_text.TOKENS.findall(text))
        values = lingua_scores.lingua_values(text, "Latn", (), n_letters, full_ngrams=self.full_ngrams)
        return next((v for c, v in values if c == code), 0.0) / values[0][1] if values else 0.0


@functools.cache
def default_identifier() -> LanguageIdentifier:
    """The identifier of callers without settings (entities, tests): shipped models, no 5-grams."""
    return LanguageIdentifier()


def identify(text: str, hint: Optional[str] = None) -> Language:
    """Language, confidence and script of `text`; `hint` (e.g. the feed's `lang_hint`) is a prior."""
    return default_identifier().identify(text, hint)


def odds(text: str, code: str) -> float:
    """How close `code` comes to lingua's first choice for short Latin `text` (see LanguageIdentifier.odds)."""
    return default_identifier().odds(text, code)
