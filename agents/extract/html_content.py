"""HTML -> main text and metadata, parsing each page once (lexbor, via selectolax).

A fast pass finds the node holding the article: a known article-body container
(`itemprop=articleBody`, `<article>`, `.entry-content`, ...) that holds most of the page's
paragraph text, else the element whose child paragraphs carry the most text. It strips
figures, asides, share/related/newsletter boxes, forms and link lists from that node and
reads its blocks as paragraphs. When the pass is unsure (no node holds `MIN_SHARE` of the
page's paragraph text, too little text, or links dominate) the page goes to trafilatura
with `favor_precision`, first without its own fallbacks and, when that finds little
(< 1000 characters), with them; `method` says which ran (`fast` or `trafilatura`). The
metadata comes from the same parse (`html_metadata`).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Optional

import trafilatura
from selectolax.lexbor import LexborHTMLParser, LexborNode

from newsflow.agents.extract.html_metadata import SPACES, metadata
from newsflow.agents.extract.text_lines import CONTENT, JUNK, classify_line
from newsflow.agents.stage import StageError, check_deadline

log = logging.getLogger("newsflow.extract")

# Known article-body containers, most specific first.
_BODY_SELECTORS = (
    '[itemprop="articleBody"], [itemprop="articlebody"], #articleBody, #article-body, .article-body, '
    ".article__body, .articleBody, .article-content, .article__content, .article-text, .articletext, "
    ".story-body, .story-content, .entry-content, .post-content, .post-body, .post-entry, "
    ".c-entry-content, .td-post-content, .field-name-body, .content-body, .body-text, article"
)
# Removed from the chosen node before reading it.
_STRIP = (
    "script, style, noscript, template, iframe, svg, canvas, form, button, input, select, textarea, "
    "figure, figcaption, aside, nav, footer, header, [hidden], [aria-hidden=true], "
    '[class*="photo"], [class*="gallery"], '
    '[class*="share"], [class*="social"], [class*="related"], [class*="newsletter"], [class*="subscribe"], '
    '[class*="advert"], [class*="promo"], [class*="caption"], [class*="byline"], [class*="author"], '
    '[class*="tags"], [class*="breadcrumb"], [class*="comment"], [id*="comment"], [class*="sidebar"], '
    '[class*="recommend"], [class*="read-more"], [class*="readmore"], [class*="more-stories"], '
    '[class*="toolbar"], [class*="meta"], [class*="timestamp"], [class*="dateline"], [class*="credit"], '
    '[class*="cookie"], [class*="modal"], [class*="popup"], [role="complementary"], [role="navigation"]'
)
_BLOCKS = "p, h2, h3, h4, h5, h6, li, blockquote, pre, dd, dt, tr, div, section, br"
MIN_SHARE = 0.6  # of the page's paragraph text the chosen node must hold
MIN_CHARS = 400
MAX_LINK_SHARE = 0.35
FULL_TRAFILATURA_BELOW = 1000  # chars: a shorter fallback result gets trafilatura's full run
LINK_BOX_SHARE = 0.5
# Work bounds (the benchmark's largest article node holds ~360 boxes): past them the page
# goes to trafilatura rather than cost time quadratic in its nesting.
MAX_BOXES = 2000
MAX_CANDIDATES = 200
# trafilatura's cost grows with the (opening) tags (~45 ms per 1,000): past these it is not run (the full
# run, not run again), so one page stays under a second. Real pages hold 1,000-3,500 tags.
TRAFILATURA_MAX_TAGS = 20_000
FULL_TRAFILATURA_MAX_TAGS = 8_000
_OPEN_TAG = re.compile(r"<[a-zA-Z]")
# A heading that ends the story: what follows are other stories.
_TAIL_MARKER = re.compile(
    r"^\s*(most (read|popular|viewed|shared)|you (may|might) also (like|be interested)|related (stories|articles|news|posts)"
    r"|more (stories|from|on this)|recommended( for you)?|read (more|next)|top stories|trending( now)?|latest news"
    r"|don'?t miss|see also|also read|lire aussi|à lire aussi|sur le même sujet|weitere artikel|lesen sie auch|leer más|artículos relacionados"
    r"|leia também|veja também|baca juga|самые популярные|читайте также|похожие)\b[^.]{0,40}$"
    r"|^\s*(関連記事|関連する記事|相关文章|相關文章|相关阅读|推荐阅读|人気記事)\s*$",
    re.I,
)
# Page furniture that plain text rarely carries (so not in the plain-text rules).
_PAGE_JUNK = re.compile(
    r"delivered to your inbox|meet your inbox|(sign up|subscribe|subscribing) (to|for) (our|the)( daily| free| weekly)? "
    r"newsletter|successfully subscribed|problem subscribing|^explore further$|^citation:|subject to copyright"
    r"|^from https?://|^(share|tweet|email|print)( this)?( article| story)?$|enable javascript|^loading\b"
    r"|^(iklan|publicidade|anúncio|werbung|anzeige|реклама|广告|廣告|スポンサー(ド)?リンク|sponsored links?)$"
    r"|^(filed under|tags?|タグ|标签|etiquetas|schlagwörter)\s*[:：]",
    re.I,
)


@dataclass
class HtmlResult:
    text: str
    method: str
    title: Optional[str] = None
    published_at: Optional[str] = None
    author: Optional[str] = None
    canonical_url: Optional[str] = None
    site_name: Optional[str] = None


def _ptext(node: LexborNode) -> int:
    return sum(len(p.text(deep=True, strip=True)) for p in node.css("p"))


def _density_node(tree: LexborHTMLParser) -> Optional[LexborNode]:
    """The element whose child paragraphs carry the most text (readability's core idea)."""
    scores: dict[int, list] = {}
    for p in tree.css("p"):
        parent = p.parent
        if parent is None:
            continue
        n = len(p.text(deep=True, strip=True))
        if n < 25:
            continue
        key = parent.mem_id
        entry = scores.setdefault(key, [parent, 0])
        entry[1] += n
        grand = parent.parent
        if grand is not None:
            g = scores.setdefault(grand.mem_id, [grand, 0])
            g[1] += n / 2
    if not scores:
        return None
    return max(scores.values(), key=lambda e: e[1])[0]


def _pick(tree: LexborHTMLParser) -> Optional[LexborNode]:
    body = tree.body
    if body is None:
        return None
    total = _ptext(body)
    if total < MIN_CHARS:
        return None
    best = None
    best_len = -1
    for node in tree.css(_BODY_SELECTORS)[:MAX_CANDIDATES]:
        n = _ptext(node)
        if n >= MIN_SHARE * total and (best is None or len(node.html or "") < best_len):
            best, best_len = node, len(node.html or "")
    if best is not None:
        return best
    node = _density_node(tree)
    if node is not None and _ptext(node) >= MIN_SHARE * total:
        return node
    return None


def _same(a: str, b: str) -> bool:
    a, b = a.casefold().strip(), b.casefold().strip()
    return bool(a) and bool(b) and (a == b or b.startswith(a) or a.startswith(b))


def _read(node: LexborNode, title: Optional[str] = None) -> Optional[str]:
    """The node's text as paragraphs, or None when it looks like no article."""
    for junk in node.css(_STRIP):
        junk.decompose()
    for h in node.css("h1")[:MAX_CANDIDATES]:
        # the headline is the title, not the body; other h1s in the story are its subheads
        if not title or _same(h.text(deep=True, strip=True), title):
            h.decompose()
    node_len = len(node.text(deep=True, strip=True))
    for h in node.css("h2, h3, h4, h5, h6")[:MAX_CANDIDATES]:
        # a "Most read" box: its heading and the box holding it
        if _TAIL_MARKER.match(h.text(deep=True, strip=True)):
            box = h.parent
            if (
                box is not None and box.mem_id != node.mem_id and len(box.css("a")) >= 2
                and len(box.text(deep=True, strip=True)) < 0.3 * node_len
            ):
                box.decompose()  # else the text pass skips the teasers after the heading
    text_len = len(node.text(deep=True, strip=True))
    if text_len < MIN_CHARS:
        return None
    link_len = sum(len(a.text(deep=True, strip=True)) for a in node.css("a"))
    if link_len > MAX_LINK_SHARE * text_len:
        return None
    boxes = node.css("div, section, ul, ol, table")
    if len(boxes) > MAX_BOXES:  # a hostile or broken page: each check below reads a whole subtree
        return None
    for box in boxes:
        # teaser boxes: several links making up most of a not-too-long block
        anchors = box.css("a")
        if len(anchors) >= 3:
            t = len(box.text(deep=True, strip=True))
            if t < 3000 and sum(len(a.text(deep=True, strip=True)) for a in anchors) > LINK_BOX_SHARE * t:
                box.decompose()
    for block in node.css("li, p, div, section, blockquote, pre, dd, tr, h2, h3, h4, h5, h6"):
        # link lists and one-line link boxes inside the body
        t = block.text(deep=True, strip=True)
        if t and len(t) < 200:
            links = sum(len(a.text(deep=True, strip=True)) for a in block.css("a"))
            if links > 0.8 * len(t):
                block.decompose()
    for block in node.css(_BLOCKS):
        block.insert_after("\n\n")
    raw = node.text(deep=True, separator="")
    paras = []
    skipping = False
    for chunk in raw.split("\n"):
        line = SPACES.sub(" ", chunk).strip()
        if not line:
            continue
        if _TAIL_MARKER.match(line):
            skipping = True  # "Most read", "You may also like": teasers follow, up to the next paragraph
            continue
        cls = classify_line(line)
        if skipping and cls != CONTENT:
            continue
        skipping = False
        if cls != JUNK and not (len(line) < 300 and _PAGE_JUNK.search(line)):
            paras.append(line)
    return "\n\n".join(paras) if paras else None


def extract_html(html: str, url: Optional[str] = None) -> HtmlResult:
    text = None
    try:
        tree = LexborHTMLParser(html)
        info = metadata(tree, url)
        node = _pick(tree)
        if node is not None:
            text = _read(node, info["title"])
    except Exception:  # a page the fast pass cannot read still has trafilatura
        log.warning("fast HTML pass failed on %s; trying trafilatura", url, exc_info=True)
        info = dict.fromkeys(("title", "published_at", "author", "canonical_url", "site_name"))
    method = "fast"
    if text is None:
        tags = len(_OPEN_TAG.findall(html))
        if tags > TRAFILATURA_MAX_TAGS:
            raise StageError(
                "pathological-html", f"{tags} tags and no article node the fast pass trusts: too costly to read"
            )
        method = "trafilatura"
        check_deadline()
        text = _trafilatura(html, url, fast=True)
        if len(text) < FULL_TRAFILATURA_BELOW and tags <= FULL_TRAFILATURA_MAX_TAGS:
            check_deadline()  # short: let trafilatura try its own fallbacks
            text = _trafilatura(html, url, fast=False) or text
    return HtmlResult(text=text, method=method, **info)


def _trafilatura(html: str, url: Optional[str], *, fast: bool) -> str:
    return trafilatura.extract(
        html, url=url, fast=fast, favor_precision=True, include_comments=False, include_tables=False
    ) or ""

