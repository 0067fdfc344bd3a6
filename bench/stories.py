"""Story clustering and copies on the development data, in the grader's stream order.

    .venv/bin/python bench/stories.py [--limit N] [--cache DIR] [--baseline-threshold 0.3]

ECB+ (same event vs same topic) and NTREX cross-lingual (one article in 19 languages): B-cubed
P/R/F1 and the share of gold clusters kept whole, for the stories stage and for the simple
baseline (online TF-IDF cosine to each story's centroid, a new story below a threshold). The
articles first go through the real language, segment and entities stages (`build_stages`, as
`newsflow enrich --stages language,segment,entities,stories` runs them); the stories stage's
CPU time per article is reported against theirs (target: at most 10%), over the whole stream
(a process meets every word for the first time) and over its second half (the stage's state and
every cache carried on from the first half, as in a worker that has run a while). With
`--cache`, their CPU time is the one recorded when the cache was built: leave it out for a
ratio of today's code.
"""
from __future__ import annotations

import argparse
import copy
import math
import pickle
import re
import sys
import time
from collections import Counter
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
sys.path.insert(0, str(EVAL))

from eval_stories import bcubed, data_path, load_docs, stream_order  # noqa: E402

from newsflow.agents import build_stages  # noqa: E402
from newsflow.agents.pipeline import Envelope, enrich_batch  # noqa: E402
from newsflow.agents.stage import run_stage, warm_up  # noqa: E402
from newsflow.schemas import Article  # noqa: E402
from newsflow.streams.config import Settings  # noqa: E402

DATASETS = ("ecbplus", "ntrex_crosslingual")
EARLIER = ("language", "segment", "entities")
_WORD = re.compile(r"\w+")


def enriched(dataset: str, docs: list[dict], cache: Path | None) -> tuple[list[list[Article]], list[float]]:
    """The articles after the earlier stages, in the stream's two halves, and their CPU seconds
    per article in each half."""
    path = cache / f"{dataset}-{len(docs)}-halves.pkl" if cache else None
    if path and path.exists():
        return pickle.loads(path.read_bytes())
    stages = build_stages(EARLIER, Settings.from_env())
    warm_up(stages.values())
    raws = [orjson.dumps({"id": str(d["id"]), "text": d["text"], **({"title": d["title"]} if d.get("title") else {})})
            for d in docs]
    halves, seconds = [], []
    for half in (raws[: len(raws) // 2], raws[len(raws) // 2 :]):
        started = time.process_time()
        out: list[Article] = []
        for i in range(0, len(half), 32):
            out += enrich_batch(list(stages.values()), [Envelope(r) for r in half[i : i + 32]])
        seconds.append((time.process_time() - started) / len(half))
        halves.append([a for a in out if isinstance(a, Article)])
    result = (halves, seconds)
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(result))
    return result


def stories(halves: list[list[Article]]) -> tuple[dict[str, str], list[float]]:
    """Story ids, and the stage's CPU seconds per article in each half (one stage: the second
    half carries on from the first)."""
    stage = build_stages(["stories"], Settings.from_env())["stories"]
    warm_up([stage])  # as the worker does: loading month names is no article's cost
    ids, seconds = {}, []
    for half in halves:
        articles = [copy.deepcopy(a) for a in half]
        started = time.process_time()
        results = run_stage(stage, articles)
        seconds.append((time.process_time() - started) / len(articles))
        ids.update({a.id: a.story_id for a in results if isinstance(a, Article)})
    return ids, seconds


def _mean(seconds: list[float], halves: list[list]) -> float:
    return sum(s * len(h) for s, h in zip(seconds, halves)) / sum(len(h) for h in halves)


def baseline(docs: list[dict], threshold: float) -> dict[str, int]:
    """Online TF-IDF cosine against each story's centroid; a new story below `threshold`."""
    df: Counter = Counter()
    centroids: list[dict[str, float]] = []
    pred: dict[str, int] = {}
    for n, d in enumerate(docs, start=1):
        tf = Counter(w.casefold() for w in _WORD.findall(f"{d.get('title') or ''}\n{d['text']}"))
        df.update(tf.keys())
        vec = {w: (1 + math.log(c)) * math.log((n + 1) / (df[w] + 0.5)) for w, c in tf.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vec = {w: v / norm for w, v in vec.items()}
        best, best_sim = -1, threshold
        for k, c in enumerate(centroids):
            cn = math.sqrt(sum(v * v for v in c.values())) or 1.0
            sim = sum(w * c.get(t, 0.0) for t, w in vec.items()) / cn
            if sim >= best_sim:
                best, best_sim = k, sim
        if best < 0:
            centroids.append(dict(vec))
            best = len(centroids) - 1
        else:
            c = centroids[best]
            for t, w in vec.items():
                c[t] = c.get(t, 0.0) + w
        pred[str(d["id"])] = best
    return pred


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, help="only the first N streamed documents of each set")
    ap.add_argument("--cache", type=Path, help="keep the earlier stages' output here between runs")
    ap.add_argument("--baseline-threshold", type=float, default=0.3)
    args = ap.parse_args()
    print(f"{'data':<20} {'method':<10} {'P':>6} {'R':>6} {'F1':>6} {'whole':>6} {'stories':>8}")
    for dataset in DATASETS:
        docs = stream_order(load_docs(data_path(dataset, "dev")))[: args.limit]
        gold = {str(d["id"]): d["cluster"] for d in docs}
        halves, earlier_s = enriched(dataset, docs, args.cache)
        ours, ours_s = stories(halves)
        for name, pred in (("stories", ours), ("tf-idf", baseline(docs, args.baseline_threshold))):
            m = bcubed(pred, gold)
            print(f"{dataset:<20} {name:<10} {m['b3_p']:6.3f} {m['b3_r']:6.3f} {m['b3_f1']:6.3f} "
                  f"{m['all_in_one']:6.2f} {m['n_pred']:8d}")
        whole = _mean(earlier_s, halves), _mean(ours_s, halves)
        print(f"{dataset:<20} CPU per article: earlier stages {whole[0] * 1000:.1f} ms, stories "
              f"{whole[1] * 1000:.2f} ms ({100 * whole[1] / whole[0]:.1f}%); second half, caches warm: "
              f"{earlier_s[1] * 1000:.1f} ms, {ours_s[1] * 1000:.2f} ms ({100 * ours_s[1] / earlier_s[1]:.1f}%)")


if __name__ == "__main__":
    main()
