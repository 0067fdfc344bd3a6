"""Record models and the published JSON Schemas of newsflow."""
import logging

from newsflow.schemas.enriched_article import ENRICHED_BY, EnrichedArticle
from newsflow.schemas.models import (
    ARTICLE_SCHEMA,
    DEAD_LETTER_SCHEMA,
    ENTITY_LABELS,
    PIPELINE_VERSION,
    RAW_ITEM_SCHEMA,
    Article,
    DeadLetter,
    Entity,
    EntityGroup,
    ExtractInfo,
    Language,
    LanguageSpan,
    Place,
    Processing,
    RawItem,
    Span,
    item_id_of,
    story_id,
)
from newsflow.schemas.story_event import STORY_EVENT_SCHEMA, StoryEvent

__all__ = [
    "ARTICLE_SCHEMA",
    "DEAD_LETTER_SCHEMA",
    "ENRICHED_BY",
    "ENTITY_LABELS",
    "PIPELINE_VERSION",
    "RAW_ITEM_SCHEMA",
    "STORY_EVENT_SCHEMA",
    "Article",
    "DeadLetter",
    "EnrichedArticle",
    "Entity",
    "EntityGroup",
    "ExtractInfo",
    "Language",
    "LanguageSpan",
    "Place",
    "Processing",
    "RawItem",
    "Span",
    "StoryEvent",
    "item_id_of",
    "story_id",
]

logging.getLogger("newsflow").addHandler(logging.NullHandler())
