"""segment: paragraphs, sentences and tokens as offsets into `body`.

A paragraph is a non-blank line: extractors (and crawlers) put one paragraph per line, and
a sentence never crosses one, which also keeps unpunctuated headlines and datelines apart
from the text after them. Inside a paragraph, sentences come from our own rule-based
splitter (`boundaries`): one compiled regular expression per language finds the
candidate stops of every script, and a few cheap rules on the neighbouring words (per-language
abbreviations and sentence starters in `language_rules`) accept or reject each one. The
language stage's answer picks the rules; an unknown language gets the script-generic ones.
Headlines run into the next sentence on the same line are cut by a starter-word and
repetition cue (`headlines`, with its word table in `data/starters.json`).

Tokens (`article.tokens`, a flat ``[start0, end0, start1, end1, ...]`` list) come from
`tokenizer`: words, numbers and punctuation separately; Han and Kana one
character per token; Thai, Lao, Khmer and Myanmar runs between spaces and punctuation whole
(no dictionary), Tibetan per syllable. With `settings.tokens` False, `tokens` stays None.

Everything is linear in the input: the stage never backtracks over a paragraph and looks
at most a few dozen characters around each candidate stop.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from newsflow.agents.segment.boundaries import split as _split
from newsflow.agents.segment.tokenizer import tokens as _tokens
from newsflow.agents.segment.tokenizer import tokens  # public: entities tokenises the text it builds alike
from newsflow.agents.stage import Stage
from newsflow.schemas import Article, Span

if TYPE_CHECKING:
    from newsflow.streams.config import Settings

__all__ = ["paragraphs", "sentences", "segment", "tokens", "make_stage"]

_LINE = re.compile(r"[^\n]+")
_FALLBACK_LANGUAGE = "und"


def paragraphs(text: str) -> list[Span]:
    spans = []
    for m in _LINE.finditer(text):
        line = m.group()
        stripped = line.strip()
        if stripped:
            start = m.start() + (len(line) - len(line.lstrip()))
            spans.append(Span(start, start + len(stripped)))
    return spans


def sentences(text: str, paras: list[Span], lang: str) -> list[Span]:
    spans = []
    for p in paras:
        base = p.start
        for a, b in _split(text[p.start : p.end], lang):
            spans.append(Span(base + a, base + b))
    return spans


def _lang(article: Article) -> str:
    if article.language and article.language.code:
        return article.language.code
    return article.lang_hint or _FALLBACK_LANGUAGE


def segment(article: Article, *, tokens: bool = True) -> Article:
    body = article.body
    article.paragraphs = paragraphs(body)
    article.sentences = sentences(body, article.paragraphs, _lang(article))
    article.tokens = _tokens(body) if tokens else None
    return article


def make_stage(settings: "Settings | None" = None) -> Stage:
    """The segment stage; `settings.tokens` False keeps `article.tokens` None (smaller records)."""
    if settings is None or settings.tokens:
        return Stage("segment", segment)
    return Stage("segment", lambda a: segment(a, tokens=False))
