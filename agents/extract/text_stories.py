"""Plain text as a crawler scraped it -> the story (or stories) a reader would see.

Works on whole lines only, so every kept line is a verbatim piece of the input.

**Boilerplate** (`clean_text`). Each line gets a class from rules and simple features
(word count, terminal punctuation, share of capitalised words, position):

* `junk`: matched by a rule anywhere (share/follow links, "watch ..." promos, timestamps
  and "Last Updated" lines, legal lines, "Advertisement", "Read more"/"Related" teasers,
  photo credits and "Image caption" lines, bylines, region/section menus).
* `content`: a paragraph (>= 6 words ending a sentence with `.`/`!` or a closed quote,
  >= 10 words ending in `?`, or >= 20 words).
* otherwise `short` (headlines, captions, subheads, teasers, pull quotes).

Each story's body runs from its first to its last `content` line (not counting lines of
< 25 words ending in `?`, headline-like). When the item shows boilerplate (at least one
`junk` line), the lines above a story (site name, headline, photo captions) and below it
(teaser headlines, menus) are dropped too; `short` lines inside it (subheads, pull
quotes) are kept. An item with no `junk` line keeps every line; one with no `content`
line loses only its `junk` lines (all of them junk: nothing is dropped). A story's headline (the
first `short` line of >= 3 words not ending in a full stop above it, after its page's
timestamp or menu if any)
becomes `title`, and a "Last Updated"/"Published" line in its span gives `published_at`,
when the item has none.

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
still occur inside ~1% of single BBC stories).

Pieces get ids `<id>#1`, `<id>#2`, ... (in input order); a piece (or an unsplit item)
whose last line is cut off gets `truncated: true` (in a split item, also one whose last
line has no end punctuation).
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Optional

from newsflow.agents.extract_dates import parse_human_date

_WORD = re.compile(r"\w+(?:['’]\w+)*", re.UNICODE)
_TERMINAL = re.compile(r"[.!?…:\"”’'»)\]]\s*$")

_JUNK_RULES = [
    # legal and site furniture
    r"\bis not responsible for the content of external",
    r"\ball rights reserved\b", r"^\s*(©|\(c\)|copyright\b)", r"\bcopyright\s+(©\s*)?\d{4}",
    r"^\s*(terms (of|and) (use|service|conditions)|privacy policy|cookie (policy|settings)|contact us|about us)\b",
    r"^\s*(skip to (main )?content|back to top|top of page|jump to)\b",
    r"\b(we use cookies|accept (all )?cookies)\b",
    # promos, share and follow
    r"^\s*(watch|listen)\b[^.!?]{0,70}$", r"^\s*(video|audio|live|play)\s*(:|\||$)",
    r"^\s*(share|tweet|email|print|facebook|twitter|whatsapp|linkedin|pinterest|reddit|copy link|partager|imprimer)"
    r"(\s*(this|the)?\s*(article|story|page|link|on \w+))?\s*([|•·,/]\s*\w+\s*)*$",
    r"^\s*(follow us|subscribe|sign up|newsletter|download (our|the) app|get the app|log ?in|sign in)\b[^.]{0,80}$",
    r"^\s*(advertisement|advertising|sponsored( content)?|publicité|promoted|ad)\s*$",
    # teasers and cross-links
    r"^\s*(read more|more on this story|more from|see also|also read|you may also like|lire aussi|à lire aussi|"
    r"soma pia|habari zaidi)\b",
    r"^\s*(related( stories| articles| content| topics| links)?|recommended|most read|most popular|top stories)"
    r"\s*(:|\||$)",
    r"^\s*(click here|tap here|find out more)\b",
    # credits, captions with a label (timestamps and bylines: _DATE_LINE, _BYLINE)
    r"^\s*(image|photo|picture|media) (caption|source|copyright|credit)\b",
    r"^\s*(photo|image|picture|video|graphic)s?\s*(:|by\b)",
    r"\b(getty images|afp|reuters|ap photo|epa|pa media|shutterstock)\s*\)?\s*$",
]
_JUNK = re.compile("|".join(f"(?:{r})" for r in _JUNK_RULES), re.I)
_LEGAL = re.compile("|".join(f"(?:{r})" for r in _JUNK_RULES[:6]), re.I)
_SECTION = re.compile(r"^\s*(most (read|popular|viewed)|top stories|related (topics|stories)|more stories)\s*$", re.I)
# a bare date/time line: "20 November 2007", "19:09 GMT", "2 hours ago"
_DATE_ONLY = re.compile(
    r"^\s*([A-Za-z]+,?\s+)?(\d{1,2}\s+[A-Za-zéû]+\.?\s+\d{4}|[A-Za-z]+\.?\s+\d{1,2},?\s+\d{4}|\d{4}-\d{2}-\d{2}|"
    r"\d{1,2}[/.]\d{1,2}[/.]\d{2,4})([,\s]+(at\s+)?\d{1,2}[:.]\d{2}(\s*[ap]\.?m\.?)?(\s*[A-Z]{2,4})?)?\s*$"
    r"|^\s*\d+\s+(minutes?|hours?|days?|weeks?)\s+ago\s*$",
    re.I,
)
_SEPARATED_MENU = re.compile(r"^\s*[^|•·›»]{1,30}(\s*[|•·›»]\s*[^|•·›»]{1,30}){2,}\s*$")
# How a paragraph ends (a headline may end in a quote or a question mark, a paragraph rarely
# ends in a bare quote unless the sentence inside it ended)
_SENTENCE_END = re.compile(r"[.!…]['\"”’»)\]]*\s*$|[.!?,]['\"”’»]\s*$")
_QUESTION_END = re.compile(r"\?['\"”’»)\]]*\s*$")
_ENTITY_END = re.compile(r"&#?\w+;$")  # "&lt;" left by a scraper is no cut-off comma
_PUNCT = re.compile(r"[^\w\s&]")
_RULER = re.compile(r"^\s*[-=*_#~+•·]{3,}\s*$")
_MENU_GLUE = {"and", "&", "of", "the", "de", "la", "le", "et", "des", "na", "ya", "za", "-", "+"}
_DATE_LINE = re.compile(
    r"^\s*(last updated|updated|published|posted|first published|modified|mis à jour|publié le|date)\b", re.I
)
_CLOCK = re.compile(r"\b\d{1,2}[:.h]\d{2}\b|\bago\b", re.I)
# "By John Smith", "By Amina Yusuf, BBC News, Nairobi": names in capitals (case-sensitive)
_BYLINE = re.compile(
    r"^\s*(?:[Bb]y|BY|[Pp]ar|PAR|[Vv]on|[Pp]or)\s+[A-Z][\w'’.-]+(?:\s+(?:[A-Z][\w'’.-]+|de|van|von|da|al|bin))"
    r"{0,3}\s*(?:,\s*[A-Z][\w ]{0,40}){0,3}$"
)

# Words a cut-off line tends to end on (en, fr, sw): a whole paragraph never ends on them.
_FUNCTION_WORDS = set(
    """a an the of to in on at by for from with and or but nor as that which who whom whose than
    would will could should can may might must shall is are was were be been being has have had do does did
    not his her its their our your my this these those such into onto about after before during while
    when where if because although though since until unless over under between among against
    they he she it we you i them him us whether both either very more less so
    le la les un une des du de au aux et ou mais que qui dont dans sur par pour avec sans est sont était
    ya wa za la kwa na katika kuwa ni""".split()
)
_KICKER = re.compile(r"^\s*[A-ZÀ-Ý][A-ZÀ-Ý0-9'’\-]+(?:\s+[A-ZÀ-Ý0-9'’\-]+){0,4}\s*[:?!]\s+\S")
_STOP = _FUNCTION_WORDS | set(
    """said says also been more most other some than then them they there what when which will with
    were year years told just like over after first last into only could would about against people""".split()
)

CONTENT, SHORT, JUNK, BLANK = "content", "short", "junk", "blank"
SPLIT_COSINE = 0.02  # below it, a topic shift flags the piece
FLAG_COSINE = 0.06
UNENDED_COSINE = 0.1  # below it, a topic shift after a paragraph with no end splits
TOPIC_MIN_WORDS = 60
WINDOW_WORDS = 120


def _words(line: str) -> list[str]:
    return _WORD.findall(line)


def _is_menu(line: str, words: list[str]) -> bool:
    if _SEPARATED_MENU.match(line) and len(words) <= 20:
        return True
    if len(words) < 5 or _PUNCT.search(line) or line.isupper():  # an all-caps line is a heading
        return False
    return all(w[0].isupper() or w.lower() in _MENU_GLUE for w in words)


def classify_line(line: str) -> str:
    """`blank`, `junk`, `content` or `short` for one line, out of context."""
    if not line.strip():
        return BLANK
    words = _words(line)
    if not words:
        return JUNK if _RULER.match(line) else SHORT
    if len(words) <= 25 and (
        _JUNK.search(line) or _DATE_ONLY.match(line) or _BYLINE.match(line) or _is_menu(line, words)
        or _is_date_line(line)
    ):
        return JUNK
    if len(words) >= 20 or (len(words) >= 6 and _SENTENCE_END.search(line)) or (
        len(words) >= 10 and _QUESTION_END.search(line)
    ):
        return CONTENT
    return SHORT


def is_cut_off(line: str) -> bool:
    """A paragraph that stops mid-sentence: long, ending on a comma, dash or function word."""
    words = _words(line)
    if len(words) < 15:
        return False
    tail = _ENTITY_END.sub("", line.rstrip())
    if tail.endswith((",", ";", "-", "–", "—")):
        return True
    if _TERMINAL.search(tail):
        return False
    return words[-1].lower() in _FUNCTION_WORDS


def _unended(line: str) -> bool:
    return len(_words(line)) >= 20 and not _TERMINAL.search(_ENTITY_END.sub("", line.rstrip()))


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


def _line_bag(line: str) -> tuple[Counter, int]:
    words = _words(line)
    bag = Counter(lw for lw in (w.lower() for w in words) if len(lw) >= 4 and lw not in _STOP and not lw.isdigit())
    return bag, len(words)


def _window(bags: list[tuple[Counter, int]], order: range) -> tuple[Counter, int]:
    """The content words of lines taken in `order` until ~WINDOW_WORDS words."""
    bag: Counter = Counter()
    n = 0
    for k in order:
        line_bag, words = bags[k]
        bag.update(line_bag)
        n += words
        if n >= WINDOW_WORDS:
            break
    return bag, n


def _cosine(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 0.0
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))


def _opens(line: str) -> bool:
    """Could start a story: not a lower-case or punctuation continuation of the line before."""
    head = line.lstrip()[:1]
    return bool(head) and (head.isupper() or head.isdigit() or head in "\"“‘'«(")


def _topic_cosines(lines: list[str], content: list[int]) -> dict[int, float]:
    """Cosine of the content words ~120 words before vs after each boundary (keyed by the
    line that would start the new piece), where both sides are long enough to judge."""
    out = {}
    bags = [_line_bag(lines[i]) for i in content]
    for k in range(1, len(content)):
        bag_a, n_a = _window(bags, range(k - 1, -1, -1))
        bag_b, n_b = _window(bags, range(k, len(content)))
        if n_a >= TOPIC_MIN_WORDS and n_b >= TOPIC_MIN_WORDS:
            out[content[k]] = _cosine(bag_a, bag_b)
    return out


def _anchor(line: str) -> bool:
    """A content line that states something (not a question-ended, headline-like line)."""
    return not _QUESTION_END.search(line) or len(_words(line)) >= 25


def _page_closer(line: str) -> bool:
    """Furniture that closes a page: legal lines, "Most read" headings, menus."""
    words = _words(line)
    return bool(_LEGAL.search(line) or _SECTION.match(line) or (words and _is_menu(line, words)))


def _page_end(line: str) -> bool:
    """Furniture between two pages: what closes one, or the next one's timestamp."""
    return _page_closer(line) or bool(_DATE_ONLY.match(line)) or _is_date_line(line)


def _is_date_line(line: str) -> bool:
    return bool(_DATE_LINE.match(line) and (_CLOCK.search(line) or parse_human_date(line)))


def _boundaries(lines: list[str], classes: list[str]) -> tuple[dict[int, int], set[int]]:
    """Where stories start ({content line b: first line of its piece}) and where a topic
    shift leaves us unsure (content lines)."""
    content = [i for i, c in enumerate(classes) if c == CONTENT]
    pairs = list(zip(content, content[1:]))
    page_end = {b for a, b in pairs if any(classes[j] == JUNK and _page_end(lines[j]) for j in range(a + 1, b))}
    # ... when a story follows: not just a teaser or two below a page's legal line
    ends = sorted(page_end)
    page_end = {
        b for b, nxt in zip(ends, [*ends[1:], len(lines)])
        if sum(len(_words(lines[i])) for i in content if b <= i < nxt and _anchor(lines[i])) >= TOPIC_MIN_WORDS
    }
    hard = page_end | {
        b for a, b in pairs if _opens(lines[b]) and (is_cut_off(lines[a]) or _KICKER.match(lines[b]))
    }
    cosines = {b: c for b, c in _topic_cosines(lines, content).items() if _opens(lines[b])}
    # a long paragraph with no end at all (no punctuation: a pull quote, or a cut-off story)
    # is a boundary when the topic changes there too
    hard |= {b for a, b in pairs if b in cosines and cosines[b] < UNENDED_COSINE and _unended(lines[a])}
    cuts = set(hard)
    # A piece that ends cut off was run into what came before it: it starts at the piece's
    # sharpest topic shift, when there is a clear one.
    starts = [content[0], *sorted(hard)] if content else []
    for lo, hi in zip(starts, [*sorted(hard), None]):
        inside = {b: c for b, c in cosines.items() if b > lo and (hi is None or b < hi)}
        last = [i for i in content if i >= lo and (hi is None or i < hi)]
        if inside and last and is_cut_off(lines[last[-1]]):
            b, c = min(inside.items(), key=lambda kv: kv[1])
            if c < FLAG_COSINE:
                cuts.add(b)
    unsure = {b for b, c in cosines.items() if c < SPLIT_COSINE and b not in cuts}
    before = dict((b, a) for a, b in pairs)
    starts_at = {}
    for b in cuts:
        a = before[b]
        # lines between two stories open the second (its headline), unless a page ended
        # there: then they close the first (teasers, menus) up to the last page-end line
        ends = [j for j in range(a + 1, b) if classes[j] == JUNK and _page_closer(lines[j])]
        starts_at[b] = (ends[-1] + 1) if ends else a + 1
    return starts_at, unsure


def _piece(lines: list[str], classes: list[str], span: range, has_junk: bool) -> Piece:
    """One story's kept lines, headline and date, from its span of the item's lines."""
    content = [i for i in span if classes[i] == CONTENT]
    # the body runs between paragraphs that state something: a question-ended line is as
    # likely a headline or a teaser ("Will Tory tax cuts lift spirits?")
    anchors = [i for i in content if _anchor(lines[i])] or content
    first, last = (anchors[0], anchors[-1]) if anchors else (span.start, span.stop - 1)
    keep = [
        i for i in span
        if classes[i] != BLANK and not (has_junk and (classes[i] == JUNK or i < first or i > last))
    ]
    # the headline: the first short line after the page's timestamp or furniture, if any
    marks = [i for i in range(span.start, first) if classes[i] == JUNK and _page_end(lines[i])]
    head = range(marks[-1] + 1 if marks else span.start, first)
    title = next((lines[i].strip() for i in head if classes[i] == SHORT and len(_words(lines[i])) >= 3
                  and not _SENTENCE_END.search(lines[i])), None)  # a headline does not end in a full stop
    published = next((d for i in span if classes[i] == JUNK and _DATE_LINE.match(lines[i])
                      and (d := parse_human_date(lines[i]))), None)
    return Piece(keep, title=title, published_at=published)


def clean_text(text: str) -> TextResult:
    """Classify the lines of normalised `text`, drop boilerplate, split stories."""
    lines = text.split("\n")
    classes = [classify_line(l) for l in lines]
    has_junk = JUNK in classes
    if CONTENT not in classes:  # nothing paragraph-like: only the junk lines go
        published = next((d for i, c in enumerate(classes) if c == JUNK and _DATE_LINE.match(lines[i])
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
        p.truncated = is_cut_off(end) or (len(pieces) > 1 and _unended(end))
    dropped = sum(1 for c in classes if c != BLANK) - sum(len(p.lines) for p in pieces)
    if dropped == 0 and len(pieces) == 1:
        bodies = [text]
    else:
        bodies = [_join(lines, p.lines) for p in pieces]
    notes = [f"extract: dropped {dropped} boilerplate lines"] if dropped else []
    return TextResult(bodies, pieces, dropped, pieces[0].title, pieces[0].published_at, notes)
