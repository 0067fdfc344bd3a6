"""The `language` stage: the article's language and script, and the spans in other languages."""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Optional

from newsflow.agents.language.hints import hint_agrees
from newsflow.agents.language import cld2
from newsflow.agents.language.identifier import LanguageIdentifier, Route, default_identifier, route
from newsflow.agents.language.spans import by_majority, language_spans
from newsflow.agents.segment import paragraphs
from newsflow.agents.stage import Stage
from newsflow.schemas import Article

if TYPE_CHECKING:
    from newsflow.streams.config import Settings


def _paragraphs(article: Article) -> list[tuple[int, int]]:
    """The segment stage's paragraphs (trimmed non-blank lines), so spans line up with them."""
    return [(p.start, p.end) for p in (article.paragraphs or paragraphs(article.body))]


def _cld2_alone(body: str, r: Route) -> Optional[str]:
    """The one language CLD2 is sure the whole body is in (the route's answer when it read all of it)."""
    return cld2.alone(r.answer if r.answer is not None and r.sample == body else cld2.detect(body))


def detect_language(article: Article, identifier: Optional[LanguageIdentifier] = None) -> Article:
    """Sets `language` and `language_spans`; a `lang_hint` that disagrees is noted on the article.
    When CLD2 finds the document's language alone in the whole body, paragraphs are not asked
    one by one (the cost of the stage): only runs of another script are looked for."""
    identifier = identifier or default_identifier()
    hint = article.lang_hint
    body = article.body
    r = route(body)
    lang = identifier.decide(r, hint)
    article.language = lang
    if hint_agrees(hint, lang) is False:
        article.processing.notes.append(f"language: lang_hint {hint!r} disagrees with detected {lang.code!r}")
    if lang.code != "und":
        paras = _paragraphs(article)
        spans = language_spans(body, paras, lang, identifier, agreed=_cld2_alone(body, r) == lang.code)
        article.language, article.language_spans = by_majority(body, paras, lang, spans, identifier)
    return article


def make_stage(settings: "Settings | None" = None) -> Stage:
    """The stage; `settings.lang_full_ngrams` loads lingua's Latin 5-gram models too."""
    identifier = LanguageIdentifier(full_ngrams=bool(settings and settings.lang_full_ngrams))
    return Stage("language", functools.partial(detect_language, identifier=identifier),
                 warm_up=identifier.warm_up)
