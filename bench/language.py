"""Language identification: newsflow's `language` stage against the libraries it builds on.

Prints one table (macro accuracy over languages, strict code match, scored by
../shared/eval/eval_langid.py's rules) for: lingua sentences / word pairs / single words,
NTREX paragraphs (70 lingua languages / all 120), and texts per CPU second (sentences /
paragraphs). Every predictor runs in its own process, so its peak memory is its own.

    python bench/language.py --sample-per-lang 40          # a few minutes
    python bench/language.py                               # everything (long: lingua is slow)
    python agents/language_model/train.py --docs even --out /tmp/ngrams_even.npz
    python agents/language_model/fit_bias.py --half 0 --out /tmp/bias_half0.json
    NEWSFLOW_LANG_NGRAMS=/tmp/ngrams_even.npz NEWSFLOW_LANG_BIAS=/tmp/bias_half0.json \
        python bench/language.py --heldout       # honest: scores only what those two never saw
        # (NTREX odd-position documents; lingua items in id half 1)
"""
from __future__ import annotations

import argparse
import collections
import gzip
import hashlib
import json
import os
import resource
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(ROOT, "..", "shared")
DATA = os.path.join(SHARED, "data", "langid")
FILES = [("sentences", "lingua_sentences"), ("word pairs", "lingua_word_pairs"),
         ("single words", "lingua_single_words"), ("NTREX", "ntrex_paragraphs")]
PREDICTORS = ["newsflow", "lingua-high", "lingua-low", "pycld2-besteffort"]


def _eval_module():
    sys.path.insert(0, os.path.join(SHARED, "eval"))
    import eval_langid

    return eval_langid


def load(name, per_lang, heldout=False):
    with gzip.open(os.path.join(DATA, name + ".jsonl.gz"), "rt", encoding="utf-8") as f:
        items = [json.loads(line) for line in f if line.strip()]
    if heldout and name == "ntrex_paragraphs":
        order = {}
        for it in items:
            order.setdefault(it["doc"], len(order))
        items = [it for it in items if order[it["doc"]] % 2 == 1]
    if heldout and name != "ntrex_paragraphs":
        items = [it for it in items if int(hashlib.md5(it["id"].encode()).hexdigest(), 16) % 2 == 1]
    if per_lang:  # the grader's deterministic, evenly spaced sample per (kind, lang)
        groups = collections.defaultdict(list)
        for i, it in enumerate(items):
            groups[(it["kind"], it["lang"])].append(i)
        keep = set()
        for idx in groups.values():
            n, k = len(idx), min(len(idx), per_lang)
            keep.update(idx[(j * n) // k] for j in range(k))
        items = [it for i, it in enumerate(items) if i in keep]
    return items


def worker(name, per_lang, heldout):
    ev = _eval_module()
    if name == "newsflow":
        sys.path.insert(0, ROOT)
        from agents.language import identify, warm_up

        warm_up()

        class P:
            def predict(self, texts):
                out = []
                for t in texts:
                    r = identify(t)
                    out.append((r.code, r.confidence))
                return out
        pred = P()
    else:
        base = ev.PREDICTORS[name](set(ev.LINGUA75))

        class P:
            def predict(self, texts):
                return [(c, None) for c in base.predict(texts)]
        pred = P()
    res = {}
    for col, fname in FILES:
        items = load(fname, per_lang, heldout)
        texts = [it["text"] for it in items]
        pred.predict(texts[:: max(1, len(texts) // 200)][:200])  # warm-up, untimed
        c0 = time.process_time()
        out = pred.predict(texts)
        cpu = time.process_time() - c0
        norm = [ev.normalise_code(c) for c, _ in out]
        sc = ev.score(items, norm)[items[0]["kind"]]
        r = {"n": len(items), "per_s": len(items) / cpu if cpu else None,
             "lingua75": 100 * sc["lingua75"]["macro"], "all": 100 * sc["all"]["macro"]}
        confs = [(c, p == it["lang"]) for (_, c), p, it in zip(out, norm, items) if c is not None]
        if confs:
            hi = [ok for c, ok in confs if c >= 0.9]
            r["conf90_share"] = len(hi) / len(items)
            r["conf90_acc"] = sum(hi) / len(hi) if hi else None
        res[col] = r
    res["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(res))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sample-per-lang", type=int, default=0)
    ap.add_argument("--only", help="comma list of " + ",".join(PREDICTORS))
    ap.add_argument("--heldout", action="store_true",
                    help="NTREX odd-position documents and lingua items in id half 1 only")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if not os.path.isdir(DATA):
        print(f"no data at {DATA}")
        return 0
    if a.worker:
        worker(a.worker, a.sample_per_lang, a.heldout)
        return 0
    names = a.only.split(",") if a.only else PREDICTORS
    rows = {}
    for name in names:
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", name,
               "--sample-per-lang", str(a.sample_per_lang)] + (["--heldout"] if a.heldout else [])
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            print(f"{name}: failed\n{p.stderr[-2000:]}", file=sys.stderr)
            continue
        rows[name] = json.loads(p.stdout.strip().splitlines()[-1])
    print(f"sample per language: {a.sample_per_lang or 'all'}{'; held-out halves only (NTREX odd documents, lingua id half 1)' if a.heldout else ''}")
    print("| library / mode | sentences | word pairs | single words | NTREX-70 | NTREX-120 "
          "| texts/s CPU (sentences / paragraphs) | peak RSS MB | NTREX conf>=0.9: share, accuracy |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, r in rows.items():
        nt = r["NTREX"]
        cal = (f"{100 * nt['conf90_share']:.1f}%, {100 * nt['conf90_acc']:.2f}"
               if nt.get("conf90_acc") is not None else "-")
        print(f"| {name} | {r['sentences']['lingua75']:.1f} | {r['word pairs']['lingua75']:.1f} "
              f"| {r['single words']['lingua75']:.1f} | {nt['lingua75']:.1f} | {nt['all']:.1f} "
              f"| {r['sentences']['per_s']:,.0f} / {nt['per_s']:,.0f} | {r['max_rss_mb']:.0f} | {cal} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
