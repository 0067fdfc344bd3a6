#!/usr/bin/env python3
"""Sentence-segmentation bench: newsflow's `segment` stage against pySBD and blingfire.

Prints, in one run and for each segmenter:
  golden   pySBD golden rules (variants golden, more, regression): % exact, and the lowest
           language (% and name)
  ntrex    NTREX news paragraphs: exact sentence lists, macro % over languages, number of
           languages at 0 %
  chars/s  sentences+paragraphs over the NTREX texts, one process, one core (newsflow also
           with tokens)

The segmenters get the gold language (the pipeline gets it from the language stage).
Scoring matches ../shared/eval/eval_sbd.py: each sentence stripped, empty ones dropped.

usage: .venv/bin/python bench/segmentation.py [--per-lang N] [--libs newsflow,pysbd,blingfire]
       [--half even|odd] [--fails K] [--langs en,de] [--lang-table]
"""
from __future__ import annotations

import argparse
import collections
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "agents" / "segment" / "data"))
from build_starters import NTREX, ntrex_records, starter_table  # noqa: E402  (the starter table's own NTREX reader)

SHARED = ROOT.parent / "shared"
GOLDEN = SHARED / "data/sbd_golden_rules/pysbd_cases.jsonl"
VARIANTS = ("golden", "more", "regression", "regression_char_spans")


def norm(sents):
    return [s.strip() for s in sents if s and s.strip()]


# ------------------------------------------------------------------ segmenters
def newsflow_seg(tokens: bool = False):
    from newsflow.agents.segment import segment
    from newsflow.schemas import Article, Language

    def run(text, lang):
        a = segment(Article(id="b", body=text, language=Language(lang, 1.0)), tokens=tokens)
        return [text[s.start : s.end] for s in a.sentences]

    def timed(items):  # the stage itself, articles built outside the clock
        arts = [Article(id="b", body=t, language=Language(l, 1.0)) for t, l in items]
        t0 = time.perf_counter()
        for a in arts:
            segment(a, tokens=tokens)
        return time.perf_counter() - t0

    return run, timed


def pysbd_seg():
    import pysbd
    from pysbd.languages import LANGUAGE_CODES

    cache = {}

    def run(text, lang):
        L = lang if lang in LANGUAGE_CODES else "en"
        seg = cache.get(L) or cache.setdefault(L, pysbd.Segmenter(language=L, clean=False))
        return seg.segment(text)

    return run, None


def blingfire_seg():
    import blingfire

    def run(text, lang):
        _, offs = blingfire.text_to_sentences_and_offsets(text)
        return [text[a:b] for a, b in offs]

    return run, None


def sentencex_seg():
    import sentencex

    def run(text, lang):
        return list(sentencex.segment(lang, text))

    return run, None


MAKERS = {"newsflow": newsflow_seg, "pysbd": pysbd_seg, "blingfire": blingfire_seg, "sentencex": sentencex_seg}


# ------------------------------------------------------------------ data
def load_golden():
    cases = [json.loads(l) for l in GOLDEN.open(encoding="utf-8")]
    return [c for c in cases if c["variant"] in VARIANTS]


def load_ntrex(per_lang, half, langs, seed=13):
    by = collections.defaultdict(list)
    for r in ntrex_records(half, langs):
        by[r["lang"]].append(r)
    rng = random.Random(seed)
    out = []
    for lang in sorted(by):
        rs = by[lang]
        if per_lang and len(rs) > per_lang:
            rs = rng.sample(rs, per_lang)
        out.extend(rs)
    return out


# ------------------------------------------------------------------ scoring
def score_golden(run, cases, fails):
    per = collections.defaultdict(lambda: [0, 0])
    bad = []
    for c in cases:
        try:
            got = norm(run(c["text"], c["lang"]))
        except Exception as e:  # a crash is a failed case
            got = [f"<{type(e).__name__}: {e}>"]
        ok = got == norm(c["expected"])
        per[c["lang"]][0] += ok
        per[c["lang"]][1] += 1
        if not ok:
            bad.append((c["lang"], c["text"], c["expected"], got))
    n_ok = sum(p[0] for p in per.values())
    n = sum(p[1] for p in per.values())
    worst = min(per, key=lambda k: (per[k][0] / per[k][1], k))
    return {"pct": 100 * n_ok / n, "n_ok": n_ok, "n": n, "min_lang": worst,
            "min_pct": 100 * per[worst][0] / per[worst][1], "per": per, "fails": bad[:fails] if fails else []}


def score_ntrex(run, recs):
    per = collections.defaultdict(lambda: [0, 0])
    bad = []
    for r in recs:
        try:
            got = norm(run(r["text"], r["lang"]))
        except Exception as e:
            got = [f"<{type(e).__name__}: {e}>"]
        ok = got == norm(r["expected"])
        per[r["lang"]][0] += ok
        per[r["lang"]][1] += 1
        if not ok:
            bad.append((r["lang"], r["id"], r["expected"], got))
    pcts = {k: 100 * v[0] / v[1] for k, v in per.items()}
    return {"macro": sum(pcts.values()) / len(pcts), "zero": sorted(k for k, v in pcts.items() if v == 0),
            "n_lang": len(pcts), "per": pcts, "bad": bad}


def speed(run, timed, recs, rounds=1):
    items = [(r["text"], r["lang"]) for r in recs]
    chars = sum(len(t) for t, _ in items)
    best = None
    for _ in range(rounds):
        if timed is not None:
            dt = timed(items)
        else:
            t0 = time.perf_counter()
            for t, l in items:
                run(t, l)
            dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    return chars / best


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--libs", default="newsflow,pysbd,blingfire")
    ap.add_argument("--per-lang", type=int, default=100, help="NTREX paragraphs per language (0 = all)")
    ap.add_argument("--speed-per-lang", type=int, default=0,
                    help="paragraphs per language for the speed runs (default: same sample)")
    ap.add_argument("--half", choices=["even", "odd"], help="only NTREX documents of one hash half")
    ap.add_argument("--langs", help="comma-separated NTREX language filter")
    ap.add_argument("--fails", type=int, default=0, help="print this many golden failures (newsflow)")
    ap.add_argument("--ntrex-fails", help="print NTREX failures of newsflow for these languages")
    ap.add_argument("--lang-table", action="store_true", help="per-language NTREX table")
    ap.add_argument("--rounds", type=int, default=3, help="speed: best of N rounds")
    ap.add_argument("--heldout", choices=["even", "odd"],
                    help="honest NTREX figure: starter words rebuilt from the other half of the documents, "
                         "scored on this half only")
    a = ap.parse_args()
    if a.heldout:
        from newsflow.agents.segment import headlines

        other = "even" if a.heldout == "odd" else "odd"
        headlines._starters = starter_table(other)
        a.half = a.heldout
        print(f"held-out: starter words from the {other} half of the NTREX documents, scored on the {a.heldout} half")
    if not GOLDEN.exists() or not NTREX.exists():
        raise SystemExit(f"data not found under {SHARED / 'data'}")
    golden = load_golden()
    recs = load_ntrex(a.per_lang, a.half, set(a.langs.split(",")) if a.langs else None)
    speed_recs = recs if not a.speed_per_lang else load_ntrex(a.speed_per_lang, a.half, None)
    print(f"golden rules: {len(golden)} cases; NTREX: {len(recs)} paragraphs, "
          f"{len({r['lang'] for r in recs})} languages"
          f"{' (half ' + a.half + ')' if a.half else ''}; speed on {sum(len(r['text']) for r in speed_recs)} chars")
    print(f"{'segmenter':<12} {'golden%':>8} {'min lang':>14} {'NTREX%':>7} {'zero':>5} {'chars/s':>10}  notes")
    tables = {}
    for name in a.libs.split(","):
        try:
            run, timed = MAKERS[name]()
        except ImportError as e:
            print(f"{name:<12} skipped: {e}")
            continue
        g = score_golden(run, golden, a.fails if name == "newsflow" else 0)
        nt = score_ntrex(run, recs)
        cps = speed(run, timed, speed_recs, a.rounds)
        note = ""
        if name == "newsflow":
            run_t, timed_t = newsflow_seg(tokens=True)
            note = f"with tokens {speed(run_t, timed_t, speed_recs, a.rounds) / 1e6:.2f} M chars/s"
        tables[name] = nt["per"]
        print(f"{name:<12} {g['pct']:>7.1f}% {g['min_lang']:>6} {g['min_pct']:>6.1f}% {nt['macro']:>6.1f}% "
              f"{len(nt['zero']):>5} {cps / 1e6:>8.2f} M  {note}"
              + (f" zero: {','.join(nt['zero'])}" if nt["zero"] else ""))
        sys.stdout.flush()
        if name == "newsflow":
            low = sorted((v[0] / v[1], k) for k, v in g["per"].items() if v[0] < v[1])
            print("   golden languages below 100%: " + ", ".join(f"{k} {100 * p:.0f}%" for p, k in low))
            for lang, text, exp, got in g["fails"]:
                print(f"   FAIL[{lang}] {text[:200]!r}\n      expected {exp}\n      got      {got}")
            if a.ntrex_fails:
                want = set(a.ntrex_fails.split(","))
                for lang, rid, exp, got in nt["bad"]:
                    if lang in want:
                        print(f"   NTREX[{rid}]\n      expected {exp}\n      got      {got}")
    if a.lang_table and tables:
        names = list(tables)
        print("lang  " + " ".join(f"{n:>10}" for n in names))
        for lang in sorted(next(iter(tables.values()))):
            print(f"{lang:<5} " + " ".join(f"{tables[n].get(lang, float('nan')):>10.1f}" for n in names))


if __name__ == "__main__":
    main()
