"""The stories stage's state and its one step: an article in, its copy and story marks set.

Order matters (the first article of a body or story names it), so articles go through one
tracker one at a time. An article id seen before gets its earlier answer again, so a redelivered
item does not become a copy of itself, and no second event. A recording tracker notes what
changed and the events of each new answer, for the changelog and the stories topic (state.py).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Optional

from newsflow.agents.stories.clusters import StoryIndex, StoryParams
from newsflow.agents.stories.features import features
from newsflow.agents.stories.fingerprint import DuplicateIndex, content_hash
from newsflow.agents.stories.journal import Journal
from newsflow.schemas import Article, StoryEvent


@dataclass(slots=True)
class Marks:
    content_hash: str
    duplicate_of: Optional[str]
    story_id: str
    story_score: float
    story_reason: list[str]
    seen_at: float


def event_time(article: Article) -> Optional[float]:
    """When the pipeline received the article (unix seconds), else when it was published: a
    story goes cold in stream time, which a stale or wrong `published_at` cannot jump."""
    if article.processing.received_at is not None:
        return article.processing.received_at
    if article.published_at:
        try:
            return datetime.fromisoformat(article.published_at.replace("Z", "+00:00")).timestamp()
        except ValueError:
            pass
    return None


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class StoryTracker:
    def __init__(self, params: Optional[StoryParams] = None, duplicate_threshold: float = 0.8,
                 recording: bool = False):
        self.params = params or StoryParams()
        self.stories = StoryIndex(self.params, recording)
        self.copies = DuplicateIndex(self.params.window_s, duplicate_threshold, recording=recording)
        self.marks: Journal = Journal(recording)  # article id -> its answer, oldest first
        self.clock = 0.0  # the latest event time seen: cold stories expire by it
        self.events: Optional[list[StoryEvent]] = [] if recording else None  # since the last drain

    def __call__(self, article: Article) -> Article:
        marks = self.marks.get(article.id)
        if marks is None:
            marks = self._mark(article)
        article.content_hash = marks.content_hash
        article.duplicate_of = marks.duplicate_of
        article.story_id = marks.story_id
        article.story_score = marks.story_score
        article.story_reason = list(marks.story_reason)
        return article

    def _mark(self, article: Article) -> Marks:
        t = event_time(article)
        self.clock = max(self.clock, t if t is not None else time.time())
        self._expire()
        feats = features(article)
        digest = content_hash(article.body)
        first = self.copies.match(article.id, digest, feats.words, self.clock)
        original = self.marks.get(first) if first is not None else None
        created = False
        if original is not None and self.stories.touch(original.story_id, self.clock):
            root = original.duplicate_of or first
            marks = Marks(digest, root, original.story_id, 1.0, [f"copy of {root}"], self.clock)
        else:
            a = self.stories.assign(article.id, feats, self.clock)
            marks = Marks(digest, first, a.story_id, a.score, a.reason, self.clock)
            created = a.created
        self.marks[article.id] = marks
        if self.events is not None:
            self.events.append(StoryEvent(
                type="story-created" if created else "article-added", story_id=marks.story_id,
                article_id=article.id, score=marks.story_score, reason=list(marks.story_reason),
                language=feats.lang, duplicate_of=marks.duplicate_of, at=iso(self.clock)))
        return marks

    def _expire(self) -> None:
        window = self.params.window_s
        while self.marks:
            marks = next(iter(self.marks.values()))
            if self.clock - marks.seen_at <= window and len(self.marks) <= self.params.max_stories * 4:
                return
            self.marks.popitem(last=False)
