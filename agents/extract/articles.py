"""The extract stage: a raw item -> the article(s) a reader would see, with title, date and provenance.

* **HTML** (`html_content`, `html_metadata`): the page is parsed once (lexbor); a fast pass
  reads the article node, and trafilatura (`favor_precision`) takes over when the fast pass
  is unsure. Title, `published_at`, `author`, `canonical_url` and `site_name` come from the
  page's JSON-LD, meta tags and `<time>` elements, unless the item already has them (the
  crawler's own fields win). Bytes sent as `html_b64` are decoded by `agents.ingest` (with
  `charset`).
* **Plain text** (`text_lines`, `text_stories`): whole-line boilerplate removal, the
  headline as `title` and a "Last Updated"/"Published" line as `published_at` when the item
  has none, and multi-story detection. The exact rules are in those modules' docstrings; in
  short:

  - nothing dropped and one story: `body` is exactly the normalised input (NFC, `\\r\\n` ->
    `\\n`), so offsets can be checked against it;
  - lines dropped: `body` is the kept lines, verbatim, in order, joined by `\\n` (`\\n\\n`
    where the input had a blank line between them);
  - several stories: split where pages run together (a legal line, menu or timestamp
    between two stories), where a paragraph is cut off mid-sentence or the next opens with
    an upper-case kicker ("ALLIES: ..."), where an unpunctuated paragraph meets a topic
    shift, and, inside a piece that ends cut off, at its sharpest topic shift; the stage
    then returns one Article per story, in input order, with ids `<id>#1`, `<id>#2`, ...,
    each with its own headline and date when it has them and a note naming the item. A
    sharp topic shift with no such evidence only sets `multi_story: true` (unsure). A story
    whose last paragraph is cut off gets `truncated: true`.

`processing.extract.method` is `fast` or `trafilatura` for HTML, and `text` (unchanged),
`text-lines` (boilerplate lines dropped) or `text-split` (stories split) for plain text;
`kept_ratio` is the share of input characters that made it into the body (summed over
the pieces of a split item).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Union

from newsflow.agents.extract.html_content import extract_html
from newsflow.agents.extract.html_depth import check_depth
from newsflow.agents.extract.text_stories import clean_text
from newsflow.agents.ingest import normalise_text, to_article
from newsflow.agents.stage import Stage, StageError
from newsflow.schemas import Article, ExtractInfo, RawItem, story_id

if TYPE_CHECKING:
    from newsflow.streams.config import Settings

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
    check_depth(html)
    doc = extract_html(html, item.url)
    body = normalise_text(doc.text.strip())
    if not body:
        raise StageError("empty-extraction", "no main content found in the HTML")
    article = to_article(item, body)
    article.title = article.title or doc.title
    article.published_at = article.published_at or doc.published_at
    article.author = doc.author
    article.canonical_url = doc.canonical_url
    article.site_name = doc.site_name
    article.processing.extract = ExtractInfo(doc.method, round(len(body) / max(len(html), 1), 4))
    return article


def _from_text(item: RawItem) -> Union[Article, list[Article]]:
    article = to_article(item)
    _check_text(article.body, "text")
    text = article.body
    result = clean_text(text)
    article.title = article.title or result.title
    article.published_at = article.published_at or result.published_at
    article.processing.notes.extend(result.notes)
    total = max(len(text), 1)
    if len(result.pieces) == 1:
        body = result.body_pieces[0]
        _check_text(body, "text")
        article.body = body
        article.multi_story = result.pieces[0].multi_story
        article.truncated = result.pieces[0].truncated
        method = "text" if body == text else "text-lines"
        article.processing.extract = ExtractInfo(method, round(len(body) / total, 4))
        return article
    kept = round(sum(len(b) for b in result.body_pieces) / total, 4)
    out = []
    n = len(result.pieces)
    for k, (piece, body) in enumerate(zip(result.pieces, result.body_pieces), start=1):
        part = to_article(item, body)
        part.id = story_id(article.id, k)
        # the item's own title names its first story; each story may have its own headline
        part.title = (item.title or piece.title) if k == 1 else piece.title
        part.published_at = item.published_at or piece.published_at
        part.multi_story = piece.multi_story
        part.truncated = piece.truncated
        part.processing.notes = [*result.notes, f"extract: story {k} of {n} split from item {article.id}"]
        part.processing.extract = ExtractInfo("text-split", kept)
        out.append(part)
    return out


def extract(item: RawItem) -> Union[Article, list[Article]]:
    # Text wins when both are present: the crawler already did the extraction.
    return _from_text(item) if item.text is not None else _from_html(item)


def make_stage(settings: "Settings | None" = None) -> Stage:
    return Stage("extract", extract)
