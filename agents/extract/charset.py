"""Page bytes in any encoding -> text: the declared charset, else a BOM, else the page's own
`<meta charset>`, else strict UTF-8, else charset-normalizer's best guess (Windows-1252 when that guess
is some Latin single-byte code page and Windows-1252 decodes the bytes; KOI8-R or
Windows-1251 when the guess is not Latin and one of them gives mostly lower-case Cyrillic,
which short Russian pages need).

A declaration is trusted only when the bytes decode under it without error, so a wrong
HTTP header (pages saying ISO-8859-1 and sending UTF-8 are common) does not win; the
WHATWG aliases apply (`iso-8859-1`/`latin1`/`ascii` mean Windows-1252, `gb2312`/`gbk`
mean GB18030, `shift_jis` means the CP932 superset).
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from typing import Optional

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
_WHATWG = {
    "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "l1": "cp1252", "ascii": "cp1252",
    "us-ascii": "cp1252", "windows-1252": "cp1252", "cp1252": "cp1252", "iso8859-1": "cp1252",
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb18030": "gb18030",
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932", "ms_kanji": "cp932",
    "windows-31j": "cp932", "koi8-r": "koi8_r", "koi8r": "koi8_r", "utf8": "utf-8", "utf-8": "utf-8",
}
_LATIN = {
    "cp1250", "cp1252", "cp1254", "cp1257", "latin_1", "iso8859_2", "iso8859_4", "iso8859_9", "iso8859_10",
    "iso8859_13", "iso8859_14", "iso8859_15", "iso8859_16", "mac_roman", "mac_latin2", "mac_iceland", "mac_turkish",
}
def _cyrillic_lower(text: str) -> float:
    """Share of lower case among the Cyrillic letters, or 0 unless the text reads as
    Cyrillic: nearly all non-ASCII characters (punctuation aside) are Cyrillic letters,
    and the words holding them are Cyrillic throughout (Czech or French decoded as
    Cyrillic gives mixed words like "krбsnй")."""
    marks = [c for c in text if ord(c) > 127 and unicodedata.category(c)[0] not in "PZ"][:20000]
    cyr = [c for c in marks if 0x400 <= ord(c) <= 0x4FF and c.isalpha()]
    if not marks or len(cyr) < 0.95 * len(marks):
        return 0.0
    words = [w for w in _WORD.findall(text) if any(ord(c) > 127 for c in w)]
    if sum(all(ord(c) > 127 for c in w) for w in words) < 0.8 * len(words):
        return 0.0
    return sum(c.islower() for c in cyr) / len(cyr)


_GREEK = {"cp1253", "iso8859_7", "mac_greek", "cp737", "cp869"}
_WORD = re.compile(r"[^\W\d_]+")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _codec(label: Optional[str]) -> Optional[str]:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    name = _WHATWG.get(label, label)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _try(data: bytes, name: Optional[str]) -> Optional[str]:
    if not name:
        return None
    try:
        return data.decode(name)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_html(data: bytes, declared: Optional[str] = None) -> tuple[str, str]:
    """(text, codec used). Never raises: the last resort decodes with replacement characters."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data.decode(name, errors="replace"), name
    candidates = [_codec(declared)]
    m = _META_CHARSET.search(data[:4096])
    candidates.append(_codec(m.group(1).decode("ascii", "ignore")) if m else None)
    # a page that decodes as UTF-8 is UTF-8: legacy encodings of real text almost never do
    text = _try(data, "utf-8")
    if text is not None:
        return text, "utf-8"
    for name in candidates:
        text = _try(data, name)
        if text is not None:
            return text, name
    best = from_bytes(data[:65536]).best()
    if best is None or best.encoding not in _LATIN | _GREEK:
        # on a short page the statistics mistake KOI8-R / Windows-1251 for Hebrew, Thai or
        # Shift-JIS: Russian decoded right is Cyrillic letters, mostly lower case (decoded
        # with the other of the two, the case comes out inverted)
        cyrillic = [(share, name, text) for name in ("koi8_r", "cp1251") if (text := _try(data, name)) is not None
                    and (share := _cyrillic_lower(text)) >= 0.7]
        if cyrillic:
            _, name, text = max(cyrillic)
            return text, name
    if best is not None:
        # among Latin single-byte guesses on little text, Windows-1252 (the web's default
        # for undeclared pages) is by far the likeliest
        if best.encoding in _LATIN and (text := _try(data, "cp1252")) is not None:
            return text, "cp1252"
        text = _try(data, best.encoding)
        if text is not None:
            return text, best.encoding
    fallback = next((c for c in candidates if c), "cp1252")
    return data.decode(fallback, errors="replace"), fallback
