"""The `cuts` layer: a mention edge inside a known place name of several words moves to the
name's edge, since the greedy model sometimes cuts "Hong | Kong Open" or stops a name short."""
from __future__ import annotations

import bisect

from newsflow.agents.entities.mentions import set_edges, token_edges
from newsflow.agents.entities.place_names import MAX_SCAN_NGRAM, names_at, scan_names
from newsflow.schemas import Article, Entity


def mend_place_cuts(article: Article, lang: str) -> None:
    """Widens mentions to the place names they cut; a mention the widened one then overlaps
    with the same label joins it, one with another label is not run into."""
    names = scan_names(lang)
    body = article.body
    starts, ends = token_edges(article)
    out: list[tuple[Entity, int]] = []  # the mentions kept, each with its end before widening
    for e in sorted(article.entities, key=lambda e: (e.start, -e.end)):
        start, end = e.start, e.end
        first, last = bisect.bisect_left(starts, start), bisect.bisect_left(ends, end)
        if first < len(starts) and starts[first] == start and last < len(ends) and ends[last] == end:
            start, end = _place_edges(body, starts, ends, first, last, names)
        if out and out[-1][0].end > start:
            prev, prev_end = out[-1]
            if prev.label == e.label:
                set_edges(prev, body, prev.start, max(prev.end, end))
                continue
            if prev.end > e.start:  # a widening may not run into a mention of another label
                set_edges(prev, body, prev.start, prev_end)
            start = max(start, e.start)
        before = e.end
        set_edges(e, body, start, end)
        out.append((e, before))
    article.entities[:] = [e for e, _ in out]


def _place_edges(body: str, starts: list[int], ends: list[int], first: int, last: int, names) -> tuple[int, int]:
    """The mention's tokens first..last widened to any place name of several tokens that
    crosses one of its edges (the longest such name on each side)."""
    start, end = starts[first], ends[last]
    for a in range(max(0, first - MAX_SCAN_NGRAM + 1), last + 1):
        k = next((k for k, _ in names_at(body, starts, ends, a, names)), 0)
        if k > 1 and (a < first <= a + k - 1 or a <= last < a + k - 1):
            start, end = min(start, starts[a]), max(end, ends[a + k - 1])
    return start, end
