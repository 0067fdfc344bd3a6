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
    """Character ranges already covered by a mention: one byte per character, so a check costs
    the mention's length, not the number of mentions (that was quadratic on long articles)."""

    def __init__(self, ents: list[Entity]):
        self.covered = bytearray()
        for e in ents:
            self.add(e.start, e.end)

    def free(self, start: int, end: int) -> bool:
        return self.covered.find(1, start, end) == -1

    def add(self, start: int, end: int) -> None:
        if end > len(self.covered):
            self.covered.extend(bytes(end - len(self.covered)))
        self.covered[start:end] = b"\x01" * (end - start)
