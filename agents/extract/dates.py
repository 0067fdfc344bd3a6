"""Dates written for people ("Last Updated: Tuesday, 20 November 2007, 19:09 GMT") -> ISO 8601.

Only what a news page or feed line states: no guessing of a year or a time zone. The result
keeps the precision given: `2007-11-20T19:09Z`, `2007-11-20T19:09` (no zone stated),
`2007-11-20` (no time stated). `None` when nothing parses.
"""
from __future__ import annotations

import re
from typing import Optional

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan", "janvier", "januari"),
            ("february", "feb", "février", "fevrier", "februari"),
            ("march", "mar", "mars", "machi"),
            ("april", "apr", "avril", "aprili"),
            ("may", "mai", "mei"),
            ("june", "jun", "juin", "juni"),
            ("july", "jul", "juillet", "julai"),
            ("august", "aug", "août", "aout", "agosti"),
            ("september", "sep", "sept", "septembre", "septemba"),
            ("october", "oct", "octobre", "oktoba"),
            ("november", "nov", "novembre", "novemba"),
            ("december", "dec", "décembre", "decembre", "desemba"),
        ]
    )
    for m in names
}
_ZONES = {
    "gmt": "Z", "utc": "Z", "z": "Z", "bst": "+01:00", "cet": "+01:00", "cest": "+02:00",
    "eet": "+02:00", "eest": "+03:00", "est": "-05:00", "edt": "-04:00", "cst": "-06:00",
    "cdt": "-05:00", "mst": "-07:00", "mdt": "-06:00", "pst": "-08:00", "pdt": "-07:00",
    "ist": "+05:30", "jst": "+09:00", "hkt": "+08:00", "sgt": "+08:00", "aest": "+10:00",
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
# "20 November 2007" | "November 20, 2007"
_DMY = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th|er)?\.?\s+({_MONTH_RE})\.?,?\s+(\d{{4}})\b", re.I)
_MDY = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?")
_TIME = re.compile(r"\b(\d{1,2})[:.h](\d{2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?\s*(?:\(?\s*([A-Za-z]{1,4})\b\)?)?", re.I)


def _time_of(rest: str) -> Optional[str]:
    m = _TIME.search(rest)
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2))
    ampm = (m.group(4) or "").lower().replace(".", "")
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    zone = _ZONES.get((m.group(5) or "").lower(), "")
    secs = f":{int(m.group(3)):02d}" if m.group(3) else ""
    return f"T{hour:02d}:{minute:02d}{secs}{zone}"


def parse_human_date(text: str) -> Optional[str]:
    """The first full date in `text`, with the time (and zone) written next to it, as ISO 8601."""
    m = _ISO.search(text)
    if m:
        return m.group(0).replace(" ", "T")
    m = _DMY.search(text)
    if m:
        day, month, year = int(m.group(1)), _MONTHS[m.group(2).lower()], int(m.group(3))
    else:
        m = _MDY.search(text)
        if not m:
            return None
        month, day, year = _MONTHS[m.group(1).lower()], int(m.group(2)), int(m.group(3))
    if not (1 <= day <= 31 and 1900 <= year <= 2100):
        return None
    # the time may be written before or after the date
    around = text[m.end(): m.end() + 40] + " | " + text[max(0, m.start() - 30): m.start()]
    return f"{year:04d}-{month:02d}-{day:02d}" + (_time_of(around) or "")
