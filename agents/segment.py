"""segment: paragraphs and sentences as offsets into `body`.

A paragraph is a non-blank line: extractors (and crawlers) put one paragraph per line, and
a sentence never crosses one, which also keeps unpunctuated headlines and datelines apart
from the text after them. Sentences come from pySBD, the most accurate rule-based splitter
on its golden rules, using the language stage's answer to pick the rules.
"""
from __future__ import annotations

import functools
import re

import pysbd
from pysbd.languages import LANGUAGE_CODES

from agents.stage import Stage
from schemas import Article, Span

_LINE = re.compile(r"[^\n]+")
_FALLBACK_LANGUAGE = "en"


@functools.cache
def _segmenter(lang: str) -> pysbd.Segmenter:
    return pysbd.Segmenter(language=lang, clean=False)


def paragraphs(text: str) -> list[Span]:
    spans = []
    for m in _LINE.finditer(text):
        start, end = m.start(), m.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append(Span(start, end))
    return spans


def sentences(text: str, paras: list[Span], lang: str) -> list[Span]:
    segmenter = _segmenter(lang if lang in LANGUAGE_CODES else _FALLBACK_LANGUAGE)
    spans = []
    for p in paras:
        chunk = text[p.start : p.end]
        cursor = 0
        for piece in segmenter.segment(chunk):
            piece = piece.strip()
            if not piece:
                continue
            # pySBD returns substrings; locating them ourselves keeps offsets exact even
            # where its own char_span mode misaligns on repeated sentences.
            at = chunk.find(piece, cursor)
            if at < 0:
                continue
            spans.append(Span(p.start + at, p.start + at + len(piece)))
            cursor = at + len(piece)
        if not spans or spans[-1].end <= p.start:
            spans.append(Span(p.start, p.end))  # the splitter found nothing: keep the line whole
    return spans


def segment(article: Article) -> Article:
    lang = article.language.code if article.language else _FALLBACK_LANGUAGE
    article.paragraphs = paragraphs(article.body)
    article.sentences = sentences(article.body, article.paragraphs, lang)
    return article


def make_stage() -> Stage:
    return Stage("segment", segment)
