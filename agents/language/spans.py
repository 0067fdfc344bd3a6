"""Where an article's language changes: paragraphs in another language, runs of another
script inside a paragraph (a name in Han characters in an English story), and the document's
language when other-language paragraphs hold most of its letters."""
from __future__ import annotations

import re
from typing import Optional

from newsflow.agents.language import cld2
from newsflow.agents.language.identifier import LanguageIdentifier
from newsflow.agents.language.scripts import han_script, script_of, script_tags, tagged
from newsflow.schemas import Language, LanguageSpan

_MIN_SPAN_LETTERS = 20
# The script (as `_bases` counts them) of a document's own letters: Japanese mixes kana and Han,
# Korean is written in Hangul, Chinese in Han.
_BASE_OF = {"Jpan": "Hani", "Kore": "Hang", "Hans": "Hani", "Hant": "Hani"}
# A run of another script inside a paragraph.
_RUN_PATTERNS = {
    "Hani": re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff]+"),
    "Cyrl": re.compile(r"[\u0400-\u052f]{2,}(?:[\s\-][\u0400-\u052f]+)*"),
    "Arab": re.compile(r"[\u0600-\u06ff]{2,}(?:\s[\u0600-\u06ff]+)*"),
    "Hang": re.compile(r"[\uac00-\ud7af]+(?:\s[\uac00-\ud7af]+)*"),
    "Grek": re.compile(r"[\u0370-\u03ff]{2,}(?:\s[\u0370-\u03ff]+)*"),
    "Hebr": re.compile(r"[\u0590-\u05ff]{2,}(?:\s[\u0590-\u05ff]+)*"),
    "Deva": re.compile(r"[\u0900-\u097f]{2,}(?:\s[\u0900-\u097f]+)*"),
    "Thai": re.compile(r"[\u0e00-\u0e7f]{2,}"),
    "Latn": re.compile(r"[A-Za-z\u00c0-\u024f]{2,}(?:\s[A-Za-z\u00c0-\u024f]+)*"),
}


def language_spans(body: str, paras, doc: Language, identifier: LanguageIdentifier, *,
                   agreed: bool = False) -> list[LanguageSpan]:
    """Spans of `body` (paragraphs, or script runs inside them) not in the document's language.
    `agreed`: CLD2 found the document's language alone in the whole body, so a paragraph is
    identified again (lingua, for short ones) only where CLD2 is sure it is in another language."""
    doc_base = _BASE_OF.get(doc.script or "", doc.script)
    t = tagged(body)  # the body is translated once; paragraphs count their slice of it
    in_body = script_tags(t)
    spans: list[LanguageSpan] = []
    for start, end in paras:
        counts = {scr: n for scr, tag in in_body if (n := t.count(tag, start, end))}
        text = body[start:end]
        if sum(counts.values()) >= _MIN_SPAN_LETTERS:
            reliable, details = cld2.detect(text)
            agrees = reliable and details and details[0][0] == doc.code
            if agrees and len(counts) == 1:
                continue  # CLD2 agrees with the document and there is one script: nothing to mark
            if not agreed or (reliable and details and not agrees):
                lang = identifier.identify(text)
                if lang.code != "und" and (lang.code != doc.code or lang.script != doc.script) and lang.confidence >= 0.6:
                    spans.append(LanguageSpan(start, end, lang.code, lang.confidence, lang.script))
                    continue
            elif len(counts) == 1:
                continue  # CLD2 unsure of a paragraph of a document it found in one language
        for scr in _bases(counts) - {doc_base}:
            rx = _RUN_PATTERNS.get(scr)
            if rx is not None:
                spans.extend(_script_runs(text, start, rx, scr, identifier))
    spans.sort(key=lambda s: s.start)
    return spans


def _bases(counts: dict[str, int]) -> set[str]:
    """The scripts present, kana counted as Han (a run of either is one pattern)."""
    return {"Hani" if k == "Kana" else k for k in counts}


def _script_runs(text: str, offset: int, rx: re.Pattern, scr: str, identifier: LanguageIdentifier):
    """Runs of script `scr` in a paragraph (`offset` into the body), each with its language."""
    for m in rx.finditer(text):
        run = m.group()
        lang = identifier.identify_run(run)
        if lang.code == "und":
            if scr != "Hani":
                continue
            lang = Language("zh", 0.5, han_script(run))
        yield LanguageSpan(offset + m.start(), offset + m.end(), lang.code,
                           min(lang.confidence, 0.9), lang.script or script_of(run))


def by_majority(body: str, paras, doc: Language, spans: list[LanguageSpan],
                identifier: LanguageIdentifier) -> tuple[Language, list[LanguageSpan]]:
    """If paragraphs in one other language hold most of the letters, that is the document's
    (and the spans are found again against it)."""
    letters: dict[tuple[str, Optional[str]], int] = {}
    for s in spans:
        key = (s.code, s.script)
        letters[key] = letters.get(key, 0) + sum(map(str.isalpha, body[s.start : s.end]))
    if not letters:
        return doc, spans
    (code, script), n = max(letters.items(), key=lambda kv: kv[1])
    total = sum(map(str.isalpha, body))
    if n <= total / 2:
        return doc, spans
    new_doc = Language(code, round(min(doc.confidence, n / total), 4), script)
    return new_doc, language_spans(body, paras, new_doc, identifier)
