"""What the stories stage tells consumers on the `stories` topic: one event per new answer.

An article that starts a story gives `story-created`; every later article of it (a copy
included, with `duplicate_of`) gives `article-added`. Assignments are final: stories are never
merged or split afterwards, so there is no event for that. Events are keyed by `story_id`, so
one story's events stay in order on one partition.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional

STORY_EVENT_SCHEMA = "newsflow.story-event/1"


@dataclass(slots=True)
class StoryEvent:
    """A story got a new article (`article-added`) or began with one (`story-created`)."""

    type: Literal["story-created", "article-added"]
    story_id: str
    article_id: str
    score: float  # the article's `story_score`: 1.0 for the first article and for copies
    reason: list[str]  # its `story_reason`: the keys it shares with the story
    language: str  # the language stage's code of the article
    duplicate_of: Optional[str]  # the first article this one copies, if it is a copy
    at: str  # stream time of the event (when the pipeline received the article), ISO 8601 UTC
    schema: Literal["newsflow.story-event/1"] = STORY_EVENT_SCHEMA
