"""Topic shifts between the paragraphs of plain text: the cosine of the content words
(>= 4 letters, no stop words or numbers) of the ~120 words before and after each paragraph
edge, from per-line word bags so the cost is linear in the item's lines."""
from __future__ import annotations

import math
from collections import Counter

from newsflow.agents.extract.text_lines import FUNCTION_WORDS, line_words

_STOP = FUNCTION_WORDS | set(
    """said says also been more most other some than then them they there what when which will with
    were year years told just like over after first last into only could would about against people""".split()
)
TOPIC_MIN_WORDS = 60
WINDOW_WORDS = 120


def _line_bag(line: str) -> tuple[Counter, int]:
    words = line_words(line)
    bag = Counter(lw for lw in (w.lower() for w in words) if len(lw) >= 4 and lw not in _STOP and not lw.isdigit())
    return bag, len(words)


def _window(bags: list[tuple[Counter, int]], order: range) -> tuple[Counter, int]:
    """The content words of lines taken in `order` until ~WINDOW_WORDS words."""
    bag: Counter = Counter()
    n = 0
    for k in order:
        line_bag, words = bags[k]
        bag.update(line_bag)
        n += words
        if n >= WINDOW_WORDS:
            break
    return bag, n


def _cosine(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 0.0
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))


def topic_cosines(lines: list[str], content: list[int]) -> dict[int, float]:
    """Cosine of the content words ~120 words before vs after each boundary (keyed by the
    line that would start the new piece), where both sides are long enough to judge."""
    out = {}
    bags = [_line_bag(lines[i]) for i in content]
    for k in range(1, len(content)):
        bag_a, n_a = _window(bags, range(k - 1, -1, -1))
        bag_b, n_b = _window(bags, range(k, len(content)))
        if n_a >= TOPIC_MIN_WORDS and n_b >= TOPIC_MIN_WORDS:
            out[content[k]] = _cosine(bag_a, bag_b)
    return out
