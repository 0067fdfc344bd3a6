"""Where an article's language changes: paragraphs in another language, runs of another
script inside a paragraph (a name in Han characters in an English story), and the document's
language when other-language paragraphs hold most of its letters."""
from __future__ import annotations

import re
from typing import Optional

from newsflow.agents.language import cld2
from newsflow.agents.language.identifier import LanguageIdentifier
from newsflow.agents.language.scripts import han_script, script_counts, script_of
from newsflow.schemas import Language, LanguageSpan

_MIN_SPAN_LETTERS = 20
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


def language_spans(body: str, paras, doc: Language, identifier: LanguageIdentifier) -> list[LanguageSpan]:
    """Spans of `body` (paragraphs, or script runs inside them) not in the document's language."""
    spans: list[LanguageSpan] = []
    doc_script = (doc.script or "")[:4]
    doc_base = "Hani" if doc_script in ("Hans", "Hant") else doc_script
    for start, end in paras:
        text = body[start:end]
        counts = script_counts(text)
        n = sum(counts.values())
        if n >= _MIN_SPAN_LETTERS:
            reliable, details = cld2.detect(text)
            if reliable and details and details[0][0] == doc.code and len(counts) == 1:
                continue  # CLD2 agrees with the document and there is one script: nothing to mark
            lang = identifier.identify(text)
            if lang.code != "und" and (lang.code != doc.code or lang.script != doc.script) and lang.confidence >= 0.6:
                spans.append(LanguageSpan(start, end, lang.code, lang.confidence, lang.script))
                continue
        present = {"Hani" if k == "Kana" else k for k in counts}
        for scr in present - {doc_base}:
            rx = _RUN_PATTERNS.get(scr)
            if rx is None:
                continue
            for m in rx.finditer(text):
                run = m.group()
                lang = identifier.identify(run)
                if lang.code == "und":
                    if scr != "Hani":
                        continue
                    lang = Language("zh", 0.5, han_script(run))
                spans.append(LanguageSpan(start + m.start(), start + m.end(), lang.code,
                                          min(lang.confidence, 0.9), lang.script or script_of(run)))
    spans.sort(key=lambda s: s.start)
    return spans


def by_majority(body: str, paras, doc: Language, spans: list[LanguageSpan],
                identifier: LanguageIdentifier) -> tuple[Language, list[LanguageSpan]]:
    """If paragraphs in one other language hold most of the letters, that is the document's
    (and the spans are found again against it)."""
    letters: dict[tuple[str, Optional[str]], int] = {}
    for s in spans:
        key = (s.code, s.script)
        letters[key] = letters.get(key, 0) + sum(ch.isalpha() for ch in body[s.start : s.end])
    if not letters:
        return doc, spans
    (code, script), n = max(letters.items(), key=lambda kv: kv[1])
    total = sum(ch.isalpha() for ch in body)
    if n <= total / 2:
        return doc, spans
    new_doc = Language(code, round(min(doc.confidence, n / total), 4), script)
    return new_doc, language_spans(body, paras, new_doc, identifier)
