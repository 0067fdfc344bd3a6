"""Page metadata from the one lexbor parse: title, `published_at`, author, canonical URL, site.

Sources, first found wins: JSON-LD (`datePublished`, `author`, `publisher`, `headline`),
Open Graph, article and Dublin Core meta tags, `itemprop` microdata, `<time datetime>`,
`<link rel=canonical>`, and as a last resort a `/2019/11/19/` date in the URL. Dates are
kept as precise as stated (ISO 8601; human-written ones are converted by `dates`);
placeholders such as year 1 are dropped.
"""
from __future__ import annotations

import re
from typing import Any, Optional

import orjson
from selectolax.lexbor import LexborHTMLParser

from newsflow.agents.extract.dates import parse_human_date

SPACES = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")  # runs of spaces (not newlines), any kind


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
    title = SPACES.sub(" ", title).strip()
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
    return _BY.sub("", SPACES.sub(" ", value)).strip() or None


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
