"""stories: exact and near copies (`content_hash`, `duplicate_of`) and online story clustering
(`story_id`, `story_score`, `story_reason`) across languages.

The stage runs after `entities` and keeps state (`StoryTracker`): every article is judged
against the articles before it, so its `batch` takes them one at a time in input order, and a
failing article becomes a dead letter without undoing the others. In the worker the state is
the stage's `StoryState`: restored from its changelog topic when the worker takes the input
partition, its changes and events written with each batch (state.py).
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Optional

from newsflow.agents.stage import Failure, Stage
from newsflow.agents.stories import months
from newsflow.agents.stories.clusters import StoryParams
from newsflow.agents.stories.state import StoryState
from newsflow.agents.stories.tracker import StoryTracker
from newsflow.schemas import Article

if TYPE_CHECKING:
    from newsflow.streams.config import Settings

log = logging.getLogger("newsflow.stage")

__all__ = ["StoryParams", "StoryState", "StoryTracker", "make_stage"]


def _params(settings: "Optional[Settings]") -> StoryParams:
    params = StoryParams()
    if settings is not None:
        params.window_s = settings.story_window_hours * 3600.0
    return params


def make_stage(settings: "Optional[Settings]" = None) -> Stage:
    state = StoryState(_params(settings))

    def process(article: Article) -> Article:
        return state.tracker(article)  # the tracker of the moment: a restore replaces it

    def batch(articles: list[Article]) -> list[Any]:
        out: list[Any] = []
        for article in articles:
            try:
                out.append(process(article))
            except Exception as exc:  # one bad article must not re-run (and re-count) the others
                log.exception("stage stories crashed on item id=%s", article.id)
                out.append(Failure("internal-error", f"{type(exc).__name__}: {exc}", article))
        return out

    return Stage("stories", process, batch=batch, state=state, warm_up=months.load)
