"""The enriched article as published on `enriched-articles`: what the four stages always leave.

`Article` also carries the records between stages (no language yet, no paragraphs yet), so it
stays permissive; this stricter twin is what the published schema is generated from, so an
internal record cannot pass for a final one. It is derived from `Article` field by field, so
the two cannot disagree on names or order.
"""
from __future__ import annotations

import typing
from dataclasses import fields, make_dataclass
from typing import Annotated, Any, Literal

from msgspec import Meta

from newsflow.schemas.models import ARTICLE_SCHEMA, Article, Language, Processing, Span

# The stages whose work a consumer relies on. Each leaves its time in `processing.stage_ms`,
# the one trace that tells a final article without entities from one that stopped after
# segment. Not `extract`: without it (`--stages` minus extract) the body is the item's text.
ENRICHED_BY = ("language", "segment", "entities")

# extract dead-letters a blank body, so segment always finds a paragraph and a sentence.
NonEmptySpans = Annotated[list[Span], Meta(min_length=1)]


def _written_in_full(model: type, name: str, doc: str, **narrowed: Any) -> type:
    """`model` without defaults (the encoder writes every field, so a reader finds each one)
    and with the `narrowed` fields' types replaced."""
    hints = typing.get_type_hints(model, include_extras=True)
    return make_dataclass(
        name,
        [(f.name, narrowed.get(f.name, hints[f.name])) for f in fields(model)],
        namespace={"__doc__": doc, "__module__": __name__},
        slots=True,
    )


EnrichedProcessing = _written_in_full(
    Processing, "EnrichedProcessing",
    "How the article was made; `extract` is null when the item's text was taken as sent.",
    received_at=float,  # the pipeline stamps every item it takes
    stage_ms=Annotated[dict[str, float], Meta(extra_json_schema={"required": list(ENRICHED_BY)})],
)

EnrichedArticle = _written_in_full(
    Article, "EnrichedArticle",
    "An article after every stage, as consumers receive it; offsets all index `body`.",
    schema=Literal[ARTICLE_SCHEMA],
    language=Language,
    paragraphs=NonEmptySpans,
    sentences=NonEmptySpans,
    processing=EnrichedProcessing,
)
