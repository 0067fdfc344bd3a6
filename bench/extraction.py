"""HTML main-content extraction: newsflow vs trafilatura, in one run, on the same pages.

    .venv/bin/python bench/extraction.py [--limit N] [--data PATH]

Reads ../shared/data/extraction/scrapinghub_aeb.jsonl.gz and scores with the grader's own
metric (../shared/eval/eval_extract.py: 4-token shingles, mean page P and R, F1 of the
means). Every extractor runs in this process on the same pages, one untimed warm-up call
first, timing only the extraction calls; pages/s = pages / wall seconds. newsflow is timed
through the whole `extract` stage (parse, metadata, fast pass or fallback, Article). For
the grader's subprocess view (start-up included) run eval_extract.py with
`--cmd "python newsflow_adapter.py extract"`.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(SHARED / "eval"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(SHARED / "data" / "extraction" / "scrapinghub_aeb.jsonl.gz"))
    ap.add_argument("--limit", type=int, default=0)
    a = ap.parse_args()
    if not Path(a.data).exists():
        sys.exit(f"{a.data} is absent: this benchmark needs ../shared")
    import eval_extract as grader
    import trafilatura

    from newsflow.agents.extract import extract
    from newsflow.schemas import RawItem

    pages = grader.load_jsonl(a.data)
    if a.limit:
        pages = pages[: a.limit]
    truth = {p["id"]: p["text"] for p in pages}
    methods: Counter = Counter()

    def newsflow(html: str, url: str) -> str:
        article = extract(RawItem(id="x", url=url, html=html))
        methods[article.processing.extract.method] += 1
        return article.body

    runs = [
        ("newsflow", newsflow),
        ("trafilatura", lambda h, u: trafilatura.extract(h, include_comments=False) or ""),
        ("trafilatura_precision", lambda h, u: trafilatura.extract(h, include_comments=False, favor_precision=True) or ""),
    ]
    speed = {}
    for name, fn in runs:
        fn(pages[0]["html"], pages[0].get("url"))
        methods.clear()
        preds = {}
        started = time.perf_counter()
        for p in pages:
            try:
                preds[p["id"]] = fn(p["html"], p.get("url"))
            except Exception as exc:  # an extractor failure counts as empty output
                print(f"  {name} failed on {p['id'][:12]}: {type(exc).__name__}: {exc}", file=sys.stderr)
                preds[p["id"]] = ""
        seconds = time.perf_counter() - started
        m, _ = grader.score(truth, preds, n_bootstrap=200)
        speed[name] = len(pages) / seconds
        extra = f" methods={dict(methods)}" if name == "newsflow" else ""
        print(f"{name:<22} P={m['precision']:.3f} R={m['recall']:.3f} F1={m['f1']:.3f}±{m['f1_std']:.3f} "
              f"empty={m['n_empty']} pages/s={speed[name]:.1f}{extra}", flush=True)
    print(f"newsflow speed = {speed['newsflow'] / speed['trafilatura']:.1f}x trafilatura default, "
          f"{speed['newsflow'] / speed['trafilatura_precision']:.1f}x favor_precision ({len(pages)} pages)")


if __name__ == "__main__":
    main()
