"""stories: exact and near copies (`content_hash`, `duplicate_of`) and online story clustering
(`story_id`, `story_score`, `story_reason`) across languages.

The stage runs after `entities` and keeps state (`StoryTracker`): every article is judged
against the articles before it, so its `batch` takes them one at a time in input order, and a
failing article becomes a dead letter without undoing the others.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Optional

from newsflow.agents.stage import Failure, Stage
from newsflow.agents.stories.clusters import StoryParams
from newsflow.agents.stories.tracker import StoryTracker
from newsflow.schemas import Article

if TYPE_CHECKING:
    from newsflow.streams.config import Settings

log = logging.getLogger("newsflow.stage")

__all__ = ["StoryParams", "StoryTracker", "make_stage"]


def _params(settings: "Optional[Settings]") -> StoryParams:
    params = StoryParams()
    if settings is not None:
        params.window_s = settings.story_window_hours * 3600.0
    return params


def make_stage(settings: "Optional[Settings]" = None) -> Stage:
    tracker = StoryTracker(_params(settings))

    def batch(articles: list[Article]) -> list[Any]:
        out: list[Any] = []
        for article in articles:
            try:
                out.append(tracker(article))
            except Exception as exc:  # one bad article must not re-run (and re-count) the others
                log.exception("stage stories crashed on item id=%s", article.id)
                out.append(Failure("internal-error", f"{type(exc).__name__}: {exc}", article))
        return out

    return Stage("stories", tracker, batch=batch)
