"""Does the stories stage's state stay flat over a day of news? Streams the cached development
articles (ECB+ and NTREX, after the earlier stages: `bench/stories.py --cache DIR` writes them)
again and again, shuffled, with fresh ids and `received_at` advancing at `--rate` articles per
hour of stream time, through a recording tracker drained every batch (as the worker does), and
prints the state's size every `--every` articles.

    NEWSFLOW_STORY_WINDOW_HOURS=6 .venv/bin/python bench/stories_memory.py --cache /tmp/stories-cache

Each pass gives every word a suffix of its own (its pass number in letters: "Merkel" ->
"Merkelbc"), so a pass is new news (new words, names, stories) and not a copy of the last: the
worst case for the state, whose vocabulary would otherwise stop growing after the first pass.
Numbers and places stay as they are.
"""
from __future__ import annotations

import argparse
import bisect
import dataclasses
import pickle
import random
import resource
import sys
import time
from pathlib import Path
from typing import Callable, Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsflow.agents.segment import tokens as tokenize  # noqa: E402
from newsflow.agents.stories import StoryState, _params  # noqa: E402
from newsflow.agents.stories.state import changes, events  # noqa: E402
from newsflow.schemas import Article  # noqa: E402
from newsflow.streams.config import Settings  # noqa: E402

BATCH = 32  # articles per drain, as a worker batch


def _suffix(n: int) -> str:
    """The pass number in letters (0 -> "a", 27 -> "bb"): a word stays a word."""
    out = ""
    while True:
        n, r = divmod(n, 26)
        out = chr(ord("a") + r) + out
        if not n:
            return out


def _retell(article: Article, suffix: str) -> tuple[str, list[int], Callable[[int], int]]:
    """The body with `suffix` after every word, its token offsets, and where an old offset went."""
    body, offsets = article.body, article.tokens or tokenize(article.body)
    ends: list[int] = []  # old ends of the words that get the suffix
    for i in range(0, len(offsets) - 1, 2):
        if body[offsets[i] : offsets[i + 1]].isalpha():
            ends.append(offsets[i + 1])
    parts, last = [], 0
    for end in ends:
        parts += [body[last:end], suffix]
        last = end
    parts.append(body[last:])

    def moved(pos: int) -> int:
        return pos + len(suffix) * bisect.bisect_right(ends, pos)

    return "".join(parts), [moved(p) for p in offsets], moved


def fresh(article: Article, n: int, passno: int, at: float) -> Article:
    """Article number `n` of the stream: a new id, received at `at`, its words those of pass `passno`."""
    suffix = _suffix(passno)
    body, offsets, moved = _retell(article, suffix)
    title = article.title and " ".join(w + suffix if w.isalpha() else w for w in article.title.split())
    return dataclasses.replace(
        article, id=f"day-{n}", body=body, tokens=offsets, title=title,
        sentences=[dataclasses.replace(s, start=moved(s.start), end=moved(s.end)) for s in article.sentences],
        entities=[dataclasses.replace(e, start=moved(e.start), end=moved(e.end)) for e in article.entities],
        processing=dataclasses.replace(article.processing, received_at=at),
    )


def stream(articles: list[Article], count: int, rate: float, start: float, seed: int) -> Iterator[Article]:
    rng = random.Random(seed)
    n, passno = 0, 0
    while True:
        order = articles[:]
        rng.shuffle(order)
        for a in order:
            if n == count:
                return
            yield fresh(a, n, passno, start + n * 3600.0 / rate)
            n += 1
        passno += 1


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def sizes(state: StoryState) -> dict[str, int]:
    """How much the tracker holds, by part: what must level off once cold stories expire."""
    t = state.tracker
    index, copies = t.stories, t.copies
    tables = [index.df, index.names, *index.term_df.values()]
    return {
        "stories": len(index.stories), "postings": len(index._postings),
        "story keys": sum(len(s.terms) + len(s.anchors) for s in index.stories.values()),
        "marks": len(t.marks), "prints": len(copies.prints), "bands": len(copies._bands),
        "weights": sum(len(w) for w in tables),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/stories-cache"))
    ap.add_argument("--hours", type=float, default=48.0, help="stream time to simulate")
    ap.add_argument("--rate", type=float, default=500.0, help="articles per hour of stream time")
    ap.add_argument("--every", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    articles = [a for path in sorted(args.cache.glob("*.pkl")) for a in pickle.loads(path.read_bytes())[0]]
    settings = Settings.from_env()
    state = StoryState(_params(settings))
    state.restore([])  # recording, as under Kafka
    count = int(args.hours * args.rate)
    print(f"{len(articles)} cached articles, {count} streamed over {args.hours:g} h "
          f"({args.rate:g}/h), window {settings.story_window_hours:g} h")
    header = None
    cpu, written, started = 0.0, 0, time.time()
    batch: list[Article] = []
    for n, article in enumerate(stream(articles, count, args.rate, started, args.seed), start=1):
        batch.append(article)
        report = n % args.every == 0 or n == count
        if len(batch) == BATCH or report:  # a report counts every article streamed so far
            t0 = time.process_time()
            for a in batch:
                state.tracker(a)
            written += len(changes(state.tracker))
            events(state.tracker)
            cpu += time.process_time() - t0
            batch = []
        if report:
            row = {"articles": n, "hours": round(n / args.rate, 1), **sizes(state),
                   "entries": written, "RSS MB": round(_rss_mb()), "ms/art": round(1000 * cpu / n, 2)}
            if header is None:
                header = " ".join(f"{k:>10}" for k in row)
                print(header)
            print(" ".join(f"{v:>10}" for v in row.values()), flush=True)


if __name__ == "__main__":
    main()
