"""Small helpers on mentions shared by the model pass and the layers: token edges, taken
ranges, moving a mention's edges."""
from __future__ import annotations

from newsflow.agents.segment import tokens as segment_tokens
from newsflow.schemas import Article, Entity


def token_edges(article: Article) -> tuple[list[int], list[int]]:
    """Start and end offsets of the segment tokens (tokenised here when the record has none)."""
    toks = article.tokens if article.tokens is not None else segment_tokens(article.body)
    return toks[0::2], toks[1::2]


def set_edges(e: Entity, body: str, start: int, end: int) -> None:
    """Moves a mention to (start, end); a rule layer did it."""
    if (start, end) != (e.start, e.end):
        e.start, e.end, e.text = start, end, body[start:end]
        e.revised_by = "rule"


class Taken:
    """Character ranges already covered by a mention."""

    def __init__(self, ents: list[Entity]):
        self.spans = [(e.start, e.end) for e in ents]

    def free(self, start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in self.spans)

    def add(self, start: int, end: int) -> None:
        self.spans.append((start, end))
