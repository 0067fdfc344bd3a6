"""Plain text as a crawler scraped it -> the story (or stories) a reader would see.

Works on whole lines only (classified by `text_lines`), so every kept line is a verbatim
piece of the input.

**Boilerplate** (`clean_text`). Each story's body runs from its first to its last `content`
line (not counting lines of < 25 words ending in `?`, headline-like). When the item shows
boilerplate (at least one `junk` line), the lines above a story (site name, headline, photo
captions) and below it (teaser headlines, menus) are dropped too; `short` lines inside it
(subheads, pull quotes) are kept. An item with no `junk` line keeps every line; one with no
`content` line loses only its `junk` lines (all of them junk: nothing is dropped). A story's
headline (the first `short` line of >= 3 words not ending in a full stop above it, after
its page's timestamp or menu if any) becomes `title`, and a "Last Updated"/"Published" line
in its span gives `published_at`, when the item has none.

**What `body` is.** When no line is dropped and the item is one story, `body` is exactly
the normalised input (NFC, `\\r\\n` -> `\\n`). Otherwise it is the kept lines, each verbatim,
in input order, joined by `\\n`, or by `\\n\\n` where the input had at least one blank line
between them; nothing before the first kept line or after the last.

**Several stories** (`_boundaries`). Between two consecutive `content` lines A | B there is
a boundary, and the item is split there, when

* page furniture lies between them (a legal line, a menu, a "Most read" heading or a
  timestamp line) and >= 60 words of story follow: pages run together; or, where B can
  open a story (upper case, digit or quote first; never a lower-case or punctuation
  continuation):
* A is cut off (>= 15 words ending in `,` `;` `-` or a function word such as "the",
  "would", "by") or B opens with an upper-case kicker ("ALLIES: ...", "EUROPEAN FUTURE?");
* A has >= 20 words and no end punctuation at all and the topic shifts (cosine < 0.1 of
  the content words of the ~120 words before and after, both sides >= 60 words);
* inside a piece that ends cut off, at its sharpest topic shift if its cosine is < 0.06
  (a truncated story run into the one before).

Lines between two stories open the second, unless a page closed there (legal line, menu,
"Most read"): then they close the first. A topic shift with cosine < 0.02 anywhere else
only sets `multi_story: true` on the piece holding it (unsure: lexical shifts that strong
still occur inside single stories).

Pieces get ids `<id>#1`, `<id>#2`, ... (in input order); a piece (or an unsplit item)
whose last line is cut off gets `truncated: true` (in a split item, also one whose last
line has no end punctuation).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from newsflow.agents.extract.dates import parse_human_date
from newsflow.agents.extract.text_lines import (
    BLANK,
    CONTENT,
    DATE_LINE,
    JUNK,
    KICKER,
    SENTENCE_END,
    SHORT,
    classify_line,
    closes_page,
    ends_page,
    is_anchor,
    is_cut_off,
    is_unended,
    line_words,
    opens_story,
)
from newsflow.agents.extract.text_topics import TOPIC_MIN_WORDS, topic_cosines

FLAG_COSINE = 0.02  # below it, a topic shift only flags its piece `multi_story` (unsure)
TRUNCATED_SPLIT_COSINE = 0.06  # below it, the sharpest shift inside a piece that ends cut off splits it
UNENDED_SPLIT_COSINE = 0.1  # below it, a topic shift after a paragraph with no end splits


@dataclass
class Piece:
    """One story's lines: indexes into the item's lines."""

    lines: list[int]
    multi_story: bool = False
    truncated: bool = False
    title: Optional[str] = None  # its headline, from the lines above it
    published_at: Optional[str] = None  # from a "Last Updated"/"Published" line in its span


@dataclass
class TextResult:
    body_pieces: list[str]
    pieces: list[Piece]
    dropped: int
    title: Optional[str] = None
    published_at: Optional[str] = None
    notes: list[str] = field(default_factory=list)


def _join(lines: list[str], keep: list[int]) -> str:
    out: list[str] = []
    prev = None
    for i in keep:
        if prev is not None:
            gap = lines[prev + 1: i]
            out.append("\n\n" if any(not g.strip() for g in gap) else "\n")
        out.append(lines[i])
        prev = i
    return "".join(out)


def _boundaries(lines: list[str], classes: list[str]) -> tuple[dict[int, int], set[int]]:
    """Where stories start ({content line b: first line of its piece}) and where a topic
    shift leaves us unsure (content lines)."""
    content = [i for i, c in enumerate(classes) if c == CONTENT]
    pairs = list(zip(content, content[1:]))
    page_end = {b for a, b in pairs if any(classes[j] == JUNK and ends_page(lines[j]) for j in range(a + 1, b))}
    # ... when a story follows: not just a teaser or two below a page's legal line
    ends = sorted(page_end)
    page_end = {
        b for b, nxt in zip(ends, [*ends[1:], len(lines)])
        if sum(len(line_words(lines[i])) for i in content if b <= i < nxt and is_anchor(lines[i])) >= TOPIC_MIN_WORDS
    }
    hard = page_end | {
        b for a, b in pairs if opens_story(lines[b]) and (is_cut_off(lines[a]) or KICKER.match(lines[b]))
    }
    cosines = {b: c for b, c in topic_cosines(lines, content).items() if opens_story(lines[b])}
    # a long paragraph with no end at all (no punctuation: a pull quote, or a cut-off story)
    # is a boundary when the topic changes there too
    hard |= {b for a, b in pairs if b in cosines and cosines[b] < UNENDED_SPLIT_COSINE and is_unended(lines[a])}
    cuts = set(hard)
    # A piece that ends cut off was run into what came before it: it starts at the piece's
    # sharpest topic shift, when there is a clear one.
    starts = [content[0], *sorted(hard)] if content else []
    for lo, hi in zip(starts, [*sorted(hard), None]):
        inside = {b: c for b, c in cosines.items() if b > lo and (hi is None or b < hi)}
        last = [i for i in content if i >= lo and (hi is None or i < hi)]
        if inside and last and is_cut_off(lines[last[-1]]):
            b, c = min(inside.items(), key=lambda kv: kv[1])
            if c < TRUNCATED_SPLIT_COSINE:
                cuts.add(b)
    unsure = {b for b, c in cosines.items() if c < FLAG_COSINE and b not in cuts}
    before = dict((b, a) for a, b in pairs)
    starts_at = {}
    for b in cuts:
        a = before[b]
        # lines between two stories open the second (its headline), unless a page ended
        # there: then they close the first (teasers, menus) up to the last page-end line
        ends = [j for j in range(a + 1, b) if classes[j] == JUNK and closes_page(lines[j])]
        starts_at[b] = (ends[-1] + 1) if ends else a + 1
    return starts_at, unsure


def _piece(lines: list[str], classes: list[str], span: range, has_junk: bool) -> Piece:
    """One story's kept lines, headline and date, from its span of the item's lines."""
    content = [i for i in span if classes[i] == CONTENT]
    # the body runs between paragraphs that state something: a question-ended line is as
    # likely a headline or a teaser ("Will Tory tax cuts lift spirits?")
    anchors = [i for i in content if is_anchor(lines[i])] or content
    first, last = (anchors[0], anchors[-1]) if anchors else (span.start, span.stop - 1)
    keep = [
        i for i in span
        if classes[i] != BLANK and not (has_junk and (classes[i] == JUNK or i < first or i > last))
    ]
    # the headline: the first short line after the page's timestamp or furniture, if any
    marks = [i for i in range(span.start, first) if classes[i] == JUNK and ends_page(lines[i])]
    head = range(marks[-1] + 1 if marks else span.start, first)
    title = next((lines[i].strip() for i in head if classes[i] == SHORT and len(line_words(lines[i])) >= 3
                  and not SENTENCE_END.search(lines[i])), None)  # a headline does not end in a full stop
    published = next((d for i in span if classes[i] == JUNK and DATE_LINE.match(lines[i])
                      and (d := parse_human_date(lines[i]))), None)
    return Piece(keep, title=title, published_at=published)


def clean_text(text: str) -> TextResult:
    """Classify the lines of normalised `text`, drop boilerplate, split stories."""
    lines = text.split("\n")
    classes = [classify_line(l) for l in lines]
    has_junk = JUNK in classes
    if CONTENT not in classes:  # nothing paragraph-like: only the junk lines go
        published = next((d for i, c in enumerate(classes) if c == JUNK and DATE_LINE.match(lines[i])
                          and (d := parse_human_date(lines[i]))), None)
        keep = [i for i, c in enumerate(classes) if c not in (BLANK, JUNK)] or [
            i for i, c in enumerate(classes) if c != BLANK
        ]
        dropped = sum(1 for c in classes if c != BLANK) - len(keep)
        body = _join(lines, keep) if dropped else text
        notes = [f"extract: dropped {dropped} boilerplate lines"] if dropped else []
        return TextResult([body], [Piece(keep, published_at=published)], dropped, None, published, notes)
    starts_at, unsure = _boundaries(lines, classes)
    edges = [0, *sorted(starts_at.values()), len(lines)]
    pieces = [_piece(lines, classes, range(lo, hi), has_junk) for lo, hi in zip(edges, edges[1:])]
    pieces = [p for p in pieces if p.lines]
    for p in pieces:
        p.multi_story = any(p.lines[0] < u <= p.lines[-1] for u in unsure)
        end = lines[p.lines[-1]]
        p.truncated = is_cut_off(end) or (len(pieces) > 1 and is_unended(end))
    dropped = sum(1 for c in classes if c != BLANK) - sum(len(p.lines) for p in pieces)
    if dropped == 0 and len(pieces) == 1:
        bodies = [text]
    else:
        bodies = [_join(lines, p.lines) for p in pieces]
    notes = [f"extract: dropped {dropped} boilerplate lines"] if dropped else []
    return TextResult(bodies, pieces, dropped, pieces[0].title, pieces[0].published_at, notes)
