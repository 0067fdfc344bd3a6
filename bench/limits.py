"""Cost of one item by size and shape: seconds and peak RSS of `newsflow enrich` per item.

    .venv/bin/python bench/limits.py [--sizes 100000,300000,1000000,3000000] [--only text,html,hostile]

Each item runs in its own `newsflow enrich` process (models loaded, one process), so the
peak RSS is that item's plus the models'. The baseline is 64 ordinary BBC articles in one
such process (the models plus a full NER batch's working memory, which every worker pays);
`ratio` is (peak - baseline) / item bytes (the goal: under 30). Text items are BBC articles
run together; HTML pages are the same text in `<p>`s; the hostile pages are the shapes that
stalled workers (deep nesting, no spaces, many tiny elements, nested tables).
"""
from __future__ import annotations

import argparse
import gzip
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
SIZES = (100_000, 300_000, 1_000_000, 3_000_000)


def _news(size: int) -> list[str]:
    """Whole BBC paragraphs, in corpus order, until `size` characters."""
    paras: list[str] = []
    total = 0
    with gzip.open(DATA / "news_corpus" / "bbc_news.jsonl.gz", "rb") as f:
        while total < size:
            for line in f:
                for p in orjson.loads(line)["text"].split("\n\n"):
                    paras.append(p)
                    total += len(p) + 2
                if total >= size:
                    break
            f.seek(0)
    return paras


def text_item(size: int) -> dict:
    return {"id": f"text-{size}", "text": "\n\n".join(_news(size)), "lang_hint": "en"}


def html_item(size: int) -> dict:
    body = "".join(f"<p>{p}</p>\n" for p in _news(size))
    return {"id": f"html-{size}", "html": f"<html><head><title>t</title></head><body><article>{body}</article></body></html>"}


def hostile_items() -> list[dict]:
    para = "<p>" + " ".join(_news(2000)) + "</p>"
    return [
        {"id": "nested-divs-50k", "html": "<html><body>" + "<div>" * 50_000 + para + "</div>" * 50_000 + "</body></html>"},
        {"id": "no-spaces-1MB-html", "html": "<html><body><p>" + "x" * 1_000_000 + "</p></body></html>"},
        {"id": "no-spaces-1MB-text", "text": "x" * 1_000_000},
        {"id": "tiny-elements-200k", "html": "<html><body>" + "<span>a</span>" * 200_000 + para + "</body></html>"},
        {"id": "nested-tables-5k", "html": "<html><body>" + "<table><tr><td>" * 5_000 + para
         + "</td></tr></table>" * 5_000 + "</body></html>"},
    ]


def ordinary_batch(n: int = 64) -> list[dict]:
    with gzip.open(DATA / "news_corpus" / "bbc_news.jsonl.gz", "rb") as f:
        rows = [orjson.loads(line) for _, line in zip(range(n), f)]
    return [{"id": r["id"], "title": r["title"], "text": r["text"], "lang_hint": "en"} for r in rows]


def run_one(item: dict | list[dict], workdir: Path) -> dict:
    """One `newsflow enrich` process on one item (or a batch): seconds, peak RSS (MB), outcome."""
    items = item if isinstance(item, list) else [item]
    src = workdir / "item.jsonl"
    src.write_bytes(b"".join(orjson.dumps(i) + b"\n" for i in items))
    out, dead = workdir / "out.jsonl", workdir / "dead.jsonl"
    cmd = [sys.executable, "-m", "newsflow.cli", "enrich", "--jobs", "1", "--quiet",
           "--dead-letters", str(dead), str(src)]
    started = time.perf_counter()
    with open(out, "wb") as f:
        proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    articles = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    dead_letters = [orjson.loads(line) for line in dead.read_bytes().splitlines()] if dead.exists() else []
    stage_ms = sum(sum(a["processing"]["stage_ms"].values()) for a in articles)
    outcome = f"{len(articles)} article(s)" if articles else ", ".join(d["reason"] for d in dead_letters) or "-"
    return {"id": items[0]["id"], "bytes": src.stat().st_size, "seconds": seconds, "stage_s": stage_ms / 1000,
            "peak_mb": usage.ru_maxrss / 1024, "exit": os.waitstatus_to_exitcode(status), "outcome": outcome}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)), help="item sizes, characters")
    ap.add_argument("--only", default="text,html,hostile", help="which kinds of item")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    kinds = set(args.only.split(","))
    items = [text_item(s) for s in sizes if "text" in kinds] + [html_item(s) for s in sizes if "html" in kinds]
    items += hostile_items() if "hostile" in kinds else []
    with tempfile.TemporaryDirectory() as tmp:
        base = run_one(ordinary_batch(), Path(tmp))
        print(f"baseline (models loaded, 64 BBC articles): {base['peak_mb']:.0f} MB, {base['seconds']:.1f} s")
        print(f"{'item':<22} {'bytes':>10} {'wall s':>7} {'stages s':>8} {'peak MB':>8} {'ratio':>6}  outcome")
        for item in items:
            r = run_one(item, Path(tmp))
            ratio = (r["peak_mb"] - base["peak_mb"]) * 2**20 / r["bytes"]
            print(f"{r['id']:<22} {r['bytes']:>10} {r['seconds']:>7.1f} {r['stage_s']:>8.2f} {r['peak_mb']:>8.0f} "
                  f"{ratio:>6.1f}  {r['outcome']}" + (f" (exit {r['exit']})" if r["exit"] else ""), flush=True)


if __name__ == "__main__":
    main()
