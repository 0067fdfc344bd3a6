"""HTML -> main text and metadata, parsing each page once (lexbor, via selectolax).

**Main content.** A fast pass finds the node holding the article: a known article-body
container (`itemprop=articleBody`, `<article>`, `.entry-content`, ...) that holds most of
the page's paragraph text, else the element whose child paragraphs carry the most text.
It strips figures, asides, share/related/newsletter boxes, forms and link lists from that
node and reads its blocks as paragraphs. When the pass is unsure (no node holds
`MIN_SHARE` of the page's paragraph text, too little text, or links dominate) the page
goes to trafilatura with `favor_precision`, first without its own fallbacks and, when
that finds little (< 1000 characters), with them; `method` says which ran (`fast` or
`trafilatura`).

**Metadata** comes from the same parse: JSON-LD (`datePublished`, `author`, `publisher`,
`headline`), Open Graph, article and Dublin Core meta tags, `itemprop` microdata,
`<time datetime>`, `<link rel=canonical>`, and as a last resort a `/2019/11/19/` date in
the URL. Dates are kept as precise as stated (ISO 8601; human-written ones are converted
by `agents.extract_dates`); placeholders such as year 1 are dropped.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Optional

import orjson
import trafilatura
from selectolax.lexbor import LexborHTMLParser, LexborNode

from newsflow.agents.extract_dates import parse_human_date
from newsflow.agents.extract_text import CONTENT, JUNK, classify_line

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
_WS = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")


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
        line = _WS.sub(" ", chunk).strip()
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


# ---------------------------------------------------------------- metadata ----


def _meta(tree: LexborHTMLParser) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in tree.css("meta"):
        attrs = m.attributes
        key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").strip().lower()
        value = (attrs.get("content") or "").strip()
        if key and value and key not in out:
            out[key] = value
    return out


def _ld_objects(tree: LexborHTMLParser) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(obj: Any) -> None:
        if isinstance(obj, list):
            for o in obj:
                walk(o)
        elif isinstance(obj, dict):
            found.append(obj)
            if "@graph" in obj:
                walk(obj["@graph"])

    for s in tree.css('script[type="application/ld+json"]'):
        try:
            walk(orjson.loads(s.text(deep=True)))
        except orjson.JSONDecodeError:
            continue
    return found


def _name(value: Any) -> Optional[str]:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):
        names = [n for n in (_name(v) for v in value) if n]
        return ", ".join(dict.fromkeys(names)) or None
    if isinstance(value, dict):
        return _name(value.get("name"))
    return None


_ARTICLE_TYPES = ("article", "newsarticle", "blogposting", "reportagenewsarticle", "webpage", "report")


_DATE_KEYS = (
    "article:published_time", "article:published", "og:published_time", "og:article:published_time",
    "datepublished", "pubdate", "publishdate", "publish-date", "publish_date", "date", "dc.date.issued",
    "dc.date", "dcterms.created", "sailthru.date", "parsely-pub-date", "article.published",
)
_DATE_KEY = re.compile(r"publish|pub.?date|post.?date|release.?date|created", re.I)
_NOT_PUBLISHED = re.compile(r"modif|updat|expir", re.I)
_ISO_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](\d{2})[/-](\d{2})(?:/|-|$)")
_BY = re.compile(r"^\s*(?:[Bb][Yy]|[Pp]ar|[Vv]on|[Pp]or)(?:\s+|(?=[A-Z]))")


def _iso_date(value: Optional[str]) -> Optional[str]:
    """A stated date as ISO 8601 (as precise as stated); None for placeholders like year 1."""
    if not value:
        return None
    value = value.strip()
    if _ISO_LIKE.match(value):
        value = value.replace(" ", "T", 1)
    else:
        value = parse_human_date(value.replace("/", "-")) or ""
    return value if value[:2] in ("19", "20") else None


def _url_date(url: Optional[str]) -> Optional[str]:
    m = _URL_DATE.search(url or "")
    if not m or not (1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31):
        return None
    return f"{m.group(1)}-{m.group(2)}-{m.group(3)}"


_TITLE_SEP = re.compile(r"\s+[|\-–—:·•]\s+")


def _clean_title(title: Optional[str], site: Optional[str]) -> Optional[str]:
    """The headline without the " | Site" or "Site - " the page wraps it in."""
    if not title:
        return None
    title = _WS.sub(" ", title).strip()
    seps = list(_TITLE_SEP.finditer(title))
    if seps and site:
        key = site.casefold().replace(" ", "")
        last = title[seps[-1].end():].casefold().replace(" ", "")
        first = title[: seps[0].start()].casefold().replace(" ", "")
        if last and (last in key or key in last):
            return title[: seps[-1].start()].strip() or title
        if first and (first in key or key in first):
            return title[seps[0].end():].strip() or title
    return title or None


def _byline(value: Optional[str]) -> Optional[str]:
    if not value or value.startswith("http") or len(value) > 120:
        return None
    return _BY.sub("", _WS.sub(" ", value)).strip() or None


def metadata(tree: LexborHTMLParser, url: Optional[str] = None) -> dict[str, Optional[str]]:
    meta = _meta(tree)
    ld = [o for o in _ld_objects(tree)]
    ld_article = next(
        (o for o in ld if any(str(t).lower() in _ARTICLE_TYPES for t in (o.get("@type") if isinstance(o.get("@type"), list) else [o.get("@type")]))),
        None,
    )
    ld_article = ld_article or next((o for o in ld if "datePublished" in o), None) or {}

    published = (
        _name(ld_article.get("datePublished"))
        or next((meta[k] for k in _DATE_KEYS if meta.get(k)), None)
        or next((v for k, v in meta.items() if _DATE_KEY.search(k) and not _NOT_PUBLISHED.search(k)), None)
    )
    if not published:
        for el in tree.css('[itemprop~="datePublished"], time[datetime]'):
            published = el.attributes.get("content") or el.attributes.get("datetime") or el.text(strip=True)
            if published:
                break
    published = _iso_date(published) or _url_date(url)
    author = (
        _name(ld_article.get("author")) or meta.get("author") or meta.get("article:author")
        or meta.get("parsely-author") or meta.get("dc.creator") or meta.get("sailthru.author")
        or _byline(meta.get("byl"))
    )
    if not author:
        el = tree.css_first('[itemprop~="author"] [itemprop~="name"], [itemprop~="author"], a[rel~="author"]')
        if el is not None:
            author = el.attributes.get("content") or el.text(deep=True, strip=True)
    author = _byline(author)
    canonical = None
    link = tree.css_first('link[rel="canonical"]')
    if link is not None:
        canonical = (link.attributes.get("href") or "").strip() or None
    canonical = canonical or meta.get("og:url")
    site = next(
        (v for v in (meta.get("og:site_name"), _name(ld_article.get("publisher")), meta.get("application-name"))
         if v and not v.startswith("http")),
        None,
    )
    title = meta.get("og:title") or _name(ld_article.get("headline"))
    if not title:
        h1 = tree.css_first("h1")
        title = h1.text(deep=True, strip=True) if h1 is not None else None
    if not title and tree.css_first("title") is not None:
        title = tree.css_first("title").text(strip=True)
    return {
        "title": _clean_title(title, site),
        "published_at": published,
        "author": author,
        "canonical_url": canonical,
        "site_name": site,
    }


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
        method = "trafilatura"
        text = _trafilatura(html, url, fast=True)
        if len(text) < FULL_TRAFILATURA_BELOW:  # short: let trafilatura try its own fallbacks
            text = _trafilatura(html, url, fast=False) or text
    return HtmlResult(text=text, method=method, **info)


def _trafilatura(html: str, url: Optional[str], *, fast: bool) -> str:
    return trafilatura.extract(
        html, url=url, fast=fast, favor_precision=True, include_comments=False, include_tables=False
    ) or ""

