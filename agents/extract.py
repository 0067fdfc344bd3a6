"""extract: a raw item -> the canonical `body` a reader would see, plus title and date.

HTML goes through trafilatura (main-content extraction, well kept, fast enough for a first
version); plain text is only normalised so offsets can be checked against the input.
"""
from __future__ import annotations

import re

import trafilatura

from agents.ingest import normalise_text, to_article
from agents.stage import Stage, StageError
from schemas import Article, ExtractInfo, RawItem

# C0/C1 controls other than tab, newline and carriage return: text full of them is binary junk.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
MAX_CONTROL_SHARE = 0.01


def _check_text(text: str, what: str) -> None:
    if not text.strip():
        raise StageError("empty-body", f"{what} is empty after cleaning")
    controls = len(_CONTROL.findall(text))
    if "\x00" in text or controls > MAX_CONTROL_SHARE * len(text):
        raise StageError("binary-content", f"{what} holds {controls} control characters: binary, not text")


def _from_html(item: RawItem) -> Article:
    html = item.html or ""
    _check_text(html, "html")
    doc = trafilatura.bare_extraction(
        html,
        url=item.url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
    )
    text = (doc.text if doc is not None else None) or ""
    body = normalise_text(text.strip())
    if not body:
        raise StageError("empty-extraction", "no main content found in the HTML")
    article = to_article(item, body)
    if doc is not None:
        article.title = article.title or doc.title
        article.published_at = article.published_at or doc.date
    article.processing.extract = ExtractInfo("trafilatura", round(len(body) / max(len(html), 1), 4))
    return article


def _from_text(item: RawItem) -> Article:
    article = to_article(item)
    _check_text(article.body, "text")
    article.processing.extract = ExtractInfo("text", 1.0)
    return article


def extract(item: RawItem) -> Article:
    # Text wins when both are present: the crawler already did the extraction.
    return _from_text(item) if item.text is not None else _from_html(item)


def make_stage() -> Stage:
    return Stage("extract", extract)
