"""The `language` stage: the article's language and script, and the spans in other languages."""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Optional

from newsflow.agents.language.hints import hint_agrees
from newsflow.agents.language.identifier import LanguageIdentifier, default_identifier
from newsflow.agents.language.spans import by_majority, language_spans
from newsflow.agents.segment import paragraphs
from newsflow.agents.stage import Stage
from newsflow.schemas import Article

if TYPE_CHECKING:
    from newsflow.streams.config import Settings


def _paragraphs(article: Article) -> list[tuple[int, int]]:
    """The segment stage's paragraphs (trimmed non-blank lines), so spans line up with them."""
    return [(p.start, p.end) for p in (article.paragraphs or paragraphs(article.body))]


def detect_language(article: Article, identifier: Optional[LanguageIdentifier] = None) -> Article:
    """Sets `language` and `language_spans`; a `lang_hint` that disagrees is noted on the article."""
    identifier = identifier or default_identifier()
    hint = article.lang_hint
    lang = identifier.identify(article.body, hint)
    article.language = lang
    if hint_agrees(hint, lang) is False:
        article.processing.notes.append(f"language: lang_hint {hint!r} disagrees with detected {lang.code!r}")
    if lang.code != "und":
        paras = _paragraphs(article)
        spans = language_spans(article.body, paras, lang, identifier)
        article.language, article.language_spans = by_majority(article.body, paras, lang, spans, identifier)
    return article


def make_stage(settings: "Settings | None" = None) -> Stage:
    """The stage; `settings.lang_full_ngrams` loads lingua's Latin 5-gram models too."""
    identifier = LanguageIdentifier(full_ngrams=bool(settings and settings.lang_full_ngrams))
    return Stage("language", functools.partial(detect_language, identifier=identifier),
                 warm_up=identifier.warm_up)
