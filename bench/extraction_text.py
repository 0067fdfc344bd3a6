"""Plain-text boilerplate and story splitting, measured on a labelled set built at run time.

    .venv/bin/python bench/extraction_text.py [--n 600] [--seed 0]

The set: the two seeds (labelled by hand below) plus real article bodies from
../shared/data/news_corpus/ (BBC en, MasakhaNEWS fr/sw) wrapped in junk lines of the kinds
crawlers bring along: site names and section menus, promos, timestamps, bylines, headlines
and photo captions above the story; adverts, share links, labelled captions and "Read more"
teasers inside it; legal lines, teaser headlines of other stories and region menus below.
Every line of the article body is labelled *keep*, every added line *drop*. Prints
line-level precision and recall of the kept lines (over non-blank lines, micro-averaged),
the share of items whose body came out exactly right, and how often a clean, unwrapped
article is altered. A second part runs feed dumps (2-4 stories run together, all but the
last cut off mid-sentence) and page dumps (2-3 wrapped pages run together) and counts the
items split into exactly the right number of stories. Nothing is written to disk.
"""
from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsflow.agents.extract.text_stories import clean_text  # noqa: E402

CORPUS = ROOT.parent / "shared" / "data" / "news_corpus"
SEEDS = ROOT / "tests" / "fixtures" / "seeds"

SITES = ["BBC News", "The Gazette", "Reuters", "Le Monde Afrique", "Daily Nation", "News24", "RFI"]
MENUS = [
    "Home | News | Sport | Business | Culture | Weather",
    "Americas Africa Europe Middle East South Asia Asia Pacific",
    "News Sport Business Technology Science Health Entertainment",
    "Accueil • Afrique • Monde • Économie • Sport",
    "World › Europe › Kosovo",
    "Habari | Michezo | Biashara | Burudani",
]
PROMOS = ["watch One-Minute World News", "Listen to the latest bulletin", "Live: follow the latest updates",
          "Watch: the moment the bridge reopened", "Video: what we know so far"]
DATES = ["Last Updated: Tuesday, 20 November 2007, 19:09 GMT", "Published: 14 March 2025", "Updated 2 hours ago",
         "12 January 2020", "Posted on March 3, 2014 at 5:30 pm EST", "Publié le 12 janvier 2020 à 10:05",
         "5 hours ago"]
BYLINES = ["By John Smith", "By Amina Yusuf, BBC News, Nairobi", "Par Claire Martin", "By Staff Reporter"]
INSIDE = ["Advertisement", "Share this article", "Share | Tweet | Email", "Image caption Protesters outside parliament",
          "Image source, Getty Images", "Read more: {t}", "Related: {t}", "Lire aussi : {t}", "Soma pia: {t}",
          "Photo: AFP", "Sponsored content", "Follow us on Twitter for the latest news"]
FOOTER = ["The BBC is not responsible for the content of external internet sites",
          "© 2025 The Gazette. All rights reserved.", "Copyright 2024 Reuters. All rights reserved.",
          "Terms of Use | Privacy Policy | Cookies", "Sign up for our daily newsletter",
          "Back to top", "Most read", "Top Stories", "Related Topics"]
CAPTIONS = ["Election posters in Kosovo", "The bridge has been closed since 2023", "Supporters gathered in the capital",
            "A file photo of the central bank", "Players celebrate after the final whistle"]


def load_articles() -> list[dict]:
    arts = []
    for name in ("bbc_news.jsonl.gz", "masakhanews_fr_sw.jsonl.gz"):
        with gzip.open(CORPUS / name, "rt", encoding="utf-8") as f:
            arts += [json.loads(line) for line in f]
    return [a for a in arts if a.get("text", "").strip()]


def wrap(art: dict, others: list[dict], rng: random.Random) -> tuple[list[str], list[bool]]:
    """(lines, keep labels): the article's own lines are kept, the junk is not."""
    lines: list[str] = []
    keep: list[bool] = []

    def add(line: str, k: bool) -> None:
        lines.append(line)
        keep.append(k)

    teaser = lambda: rng.choice(others)["title"]  # noqa: E731
    add(rng.choice(SITES), False)
    if rng.random() < 0.6:
        add(rng.choice(MENUS), False)
    if rng.random() < 0.5:
        add(rng.choice(PROMOS), False)
    add(rng.choice(DATES), False)
    add(art["title"], False)
    if rng.random() < 0.5:
        add(rng.choice(BYLINES), False)
    for _ in range(rng.randint(0, 2)):
        add(rng.choice(CAPTIONS), False)
    body = [l for l in art["text"].strip().split("\n")]
    for i, line in enumerate(body):
        add(line, bool(line.strip()))
        if line.strip() and 0 < i < len(body) - 2 and rng.random() < 0.12:
            add("", False)
            add(rng.choice(INSIDE).format(t=teaser()), False)
            add("", False)
    add("", False)
    for _ in range(rng.randint(1, 2)):
        add(rng.choice(FOOTER), False)
    for _ in range(rng.randint(0, 3)):
        add(teaser(), False)
    if rng.random() < 0.5:
        add(rng.choice(MENUS), False)
    return lines, keep


def seed_items() -> list[tuple[list[str], list[bool]]]:
    bbc = (SEEDS / "bbc_page_with_boilerplate.txt").read_text(encoding="utf-8").split("\n")
    start = next(i for i, l in enumerate(bbc) if l.startswith("Serbian and Kosovo Albanian leaders"))
    end = next(i for i, l in enumerate(bbc) if l.startswith("The Serbian government had called"))
    wire = (SEEDS / "wire_items_concatenated.txt").read_text(encoding="utf-8").split("\n")
    return [
        (bbc, [start <= i <= end and bool(l.strip()) for i, l in enumerate(bbc)]),
        (wire, [bool(l.strip()) for l in wire]),
    ]


def kept_lines(lines: list[str]) -> set[int]:
    result = clean_text("\n".join(lines))
    return {i for p in result.pieces for i in p.lines}


def boilerplate(items) -> dict:
    tp = fp = fn = exact = 0
    for lines, gold in items:
        kept = kept_lines(lines)
        want = {i for i, k in enumerate(gold) if k}
        kept = {i for i in kept if lines[i].strip()}
        tp += len(kept & want)
        fp += len(kept - want)
        fn += len(want - kept)
        exact += kept == want
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"items": len(items), "P": p, "R": r, "F1": 2 * p * r / (p + r) if p + r else 0.0,
            "exact": exact / len(items), "fp_lines": fp, "fn_lines": fn}


def cut(text: str, rng: random.Random) -> str:
    words = " ".join(l for l in text.split("\n") if l.strip()).split(" ")
    n = rng.randint(40, min(140, max(41, len(words) - 1)))
    return " ".join(words[:n]).rstrip(".!?\"”") + ("," if rng.random() < 0.3 else "")


def dumps(arts: list[dict], n: int, rng: random.Random) -> dict:
    exact = flagged = 0
    for _ in range(n):
        k = rng.randint(2, 4)
        stories = rng.sample(arts, k)
        parts = [cut(s["text"], rng) for s in stories[:-1]] + [" ".join(l for l in stories[-1]["text"].split("\n") if l.strip())]
        result = clean_text("\n".join(parts))
        exact += len(result.pieces) == k
        flagged += len(result.pieces) != k and any(p.multi_story for p in result.pieces)
    return {"dumps": n, "split_exactly": exact / n, "not_split_but_flagged": flagged / n}


def page_dumps(arts: list[dict], n: int, rng: random.Random) -> dict:
    """2-3 scraped pages (each wrapped in junk) run together: split exactly, and lines."""
    exact = 0
    items = []
    for _ in range(n):
        k = rng.randint(2, 3)
        lines: list[str] = []
        gold: list[bool] = []
        for story in rng.sample(arts, k):
            story_lines, story_gold = wrap(story, arts, rng)
            lines += story_lines
            gold += story_gold
        result = clean_text("\n".join(lines))
        exact += len(result.pieces) == k
        items.append((lines, gold))
    return {"pages": n, "split_exactly": exact / n, **{k: v for k, v in boilerplate(items).items() if k in ("P", "R")}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=600, help="corpus articles to wrap")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    if not CORPUS.exists():
        sys.exit(f"{CORPUS} is absent: this benchmark needs ../shared")
    rng = random.Random(a.seed)
    arts = load_articles()
    sample = rng.sample(arts, min(a.n, len(arts)))
    wrapped = [wrap(x, arts, rng) for x in sample]
    seeds = seed_items()
    clean = [(x["text"].split("\n"), [bool(l.strip()) for l in x["text"].split("\n")]) for x in sample]
    altered = sum(clean_text(x["text"]).body_pieces != [x["text"]] for x in sample)
    fmt = lambda m: " ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in m.items())  # noqa: E731
    print("seeds           ", fmt(boilerplate(seeds)))
    print("wrapped corpus  ", fmt(boilerplate(wrapped)))
    print("all             ", fmt(boilerplate(seeds + wrapped)))
    print("clean corpus    ", fmt(boilerplate(clean)), f"altered={altered}/{len(sample)}")
    print("feed dumps      ", fmt(dumps(arts, 300, rng)))
    print("page dumps      ", fmt(page_dumps(arts, 200, rng)))


if __name__ == "__main__":
    main()
