"""Language identification: newsflow's `language` stage against the libraries it builds on.

Prints one table (macro accuracy over languages, strict code match, scored by
../shared/eval/eval_langid.py's rules) for: lingua sentences / word pairs / single words,
NTREX paragraphs (70 lingua languages / all 120), and texts per CPU second (sentences /
paragraphs). Every predictor runs in its own process, so its peak memory is its own.

    python bench/language.py --sample-per-lang 40          # a few minutes
    python bench/language.py --speed                       # CPU ms per article on a news mix
    python bench/language.py                               # everything (long: lingua is slow)
    python agents/language/data/train.py --docs even --out /tmp/ngrams_even.npz
    python agents/language/data/fit_bias.py --half 0 --out /tmp/bias_half0.json
    python bench/language.py --heldout --ngrams /tmp/ngrams_even.npz --bias /tmp/bias_half0.json
        # honest: scores only what those two never saw (NTREX odd-position documents; lingua
        # items in id half 1)

For newsflow it also prints: paragraphs per CPU-second on NTREX (mean ~390 characters: the
news-length figure; all 120 languages and 15 major news languages), unrounded accuracies, and the
stage's RSS in a fresh process after a shuffled mix of every set and language (--mem-per-lang).
--full-ngrams scores as the stage does with `lang_full_ngrams` (lingua's 5-grams for every Latin
language, ~+0.4 GB); score it with a bias table fitted the same way (fit_bias.py --full-ngrams).
The other choices are constants in agents/language/ (what each cost: docs/experiments-language.md).
"""
from __future__ import annotations

import argparse
import collections
import gzip
import hashlib
import importlib
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


def _identifier(opts):
    from newsflow.agents.language import LanguageIdentifier

    paths = {k: v for k, v in (("ngrams_path", opts.ngrams), ("bias_path", opts.bias)) if v}
    identifier = LanguageIdentifier(full_ngrams=opts.full_ngrams, **paths)
    identifier.warm_up()
    return identifier


def worker(name, per_lang, heldout, opts):
    ev = _eval_module()
    if name == "newsflow":
        identifier = _identifier(opts)

        class P:
            def predict(self, texts):
                out = []
                for t in texts:
                    r = identifier.identify(t)
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
        if col == "NTREX":
            by_lang = collections.defaultdict(list)
            for it, t in zip(items, texts):
                by_lang[it["lang"]].append(t)
            r["per_lang_s"] = {}
            major_n, major_cpu = 0, 0.0
            for lang in MAJOR_NEWS:
                if lang in by_lang:
                    c0 = time.process_time()
                    pred.predict(by_lang[lang])
                    dt = time.process_time() - c0
                    major_n += len(by_lang[lang])
                    major_cpu += dt
            r["per_lang_s"] = {l: len(v) for l, v in by_lang.items()}
            r["major_per_s"] = major_n / major_cpu if major_cpu else None
        res[col] = r
    res["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(res))


def _rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process in MB, from /proc (Linux)."""
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line[:5]] = int(line.split()[1]) / 1024
    return out.get("VmRSS", 0.0), out.get("VmHWM", 0.0)


MAJOR_NEWS = "en es fr de pt it ru ar zh ja hi tr id ko fa".split()


def memory_worker(per_lang, heldout, opts):
    """A realistic worker: a fresh process, the stage warmed up, then short and long text in every
    language and script of all four sets, interleaved (the data is loaded and dropped first, so
    RSS is the stage's). Prints RSS after warm-up and after the mix."""
    import random

    mix = []
    for _, fname in FILES:
        mix.extend(it["text"] for it in load(fname, per_lang, heldout))
    random.Random(0).shuffle(mix)
    importlib.import_module("newsflow.agents.language")  # "after import" is measured without warm-up

    base, _ = _rss_mb()
    identifier = _identifier(opts)
    warm, _ = _rss_mb()
    for t in mix:
        identifier.identify(t)
    now, peak = _rss_mb()
    print(json.dumps({"n": len(mix), "base_mb": base, "warm_mb": warm, "after_mb": now, "peak_mb": peak}))


def mix_articles(n: int = 600) -> list[tuple[str, str, str]]:
    """(id, lang, body) of a fixed news mix of 1-10k-character articles: a third BBC English, a
    sixth each MasakhaNEWS French and Swahili, a third NTREX non-English (evenly spaced by id)."""
    def rows(*parts):
        with gzip.open(os.path.join(SHARED, "data", *parts), "rt", encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def spaced(items, k):
        items = sorted((r for r in items if 1000 <= len(r["text"]) <= 10000), key=lambda r: r["id"])
        k = min(k, len(items))
        return [items[(j * len(items)) // k] for j in range(k)]

    masakha = rows("news_corpus", "masakhanews_fr_sw.jsonl.gz")
    ntrex = [r for r in rows("news_clustering", "ntrex_crosslingual.jsonl.gz") if r["lang"] != "en"]
    picked = (spaced(rows("news_corpus", "bbc_news.jsonl.gz"), n // 3)
              + spaced([r for r in masakha if r["lang"] == "fr"], n // 6)
              + spaced([r for r in masakha if r["lang"] == "sw"], n // 6) + spaced(ntrex, n - n // 3 - 2 * (n // 6)))
    return [(r["id"], r["lang"], r["text"]) for r in picked]


def _cpu_ms(fn, bodies, repeats: int, fresh=None) -> tuple[float, float]:
    """(first pass, best of `repeats`) CPU ms per article; `fresh()` gives a new callable per pass."""
    times = []
    for _ in range(repeats):
        f = fresh() if fresh else fn
        c0 = time.process_time()
        for b in bodies:
            f(b)
        times.append(1000 * (time.process_time() - c0) / len(bodies))
    return times[0], min(times)


def speed(n: int, repeats: int = 3) -> None:
    """CPU ms per article on the news mix: the stage (a fresh stage per pass, warmed up untimed,
    so no pass reuses another's cache) next to pycld2 and lingua alone on the whole body."""
    import pycld2
    from lingua import LanguageDetectorBuilder

    from newsflow.agents.language import make_stage
    from newsflow.schemas import Article

    items = mix_articles(n)
    bodies = [b for _, _, b in items]

    def stage():
        st = make_stage(None)
        st.warm_up()
        return lambda body: st(Article(id="m", body=body))

    lingua = LanguageDetectorBuilder.from_all_languages().build()
    rows = [("newsflow language stage", _cpu_ms(None, bodies, repeats, stage)),
            ("pycld2 alone (bestEffort, whole body)", _cpu_ms(lambda b: pycld2.detect(b, bestEffort=True), bodies, repeats)),
            ("lingua alone (high accuracy, whole body)", _cpu_ms(lingua.detect_language_of, bodies, repeats))]
    mean = sum(map(len, bodies)) / len(bodies)
    print(f"news mix: {len(items)} articles, {mean:,.0f} characters on average; CPU ms per article")
    print(f"| detector | first pass | best of {repeats} |\n|---|---|---|")
    for name, (first, best) in rows:
        print(f"| {name} | {first:.2f} | {best:.2f} |")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sample-per-lang", type=int, default=0)
    ap.add_argument("--only", help="comma list of " + ",".join(PREDICTORS))
    ap.add_argument("--heldout", action="store_true",
                    help="NTREX odd-position documents and lingua items in id half 1 only")
    ap.add_argument("--mem-per-lang", type=int, default=20,
                    help="texts per language and set in the memory run (newsflow's stage RSS)")
    ap.add_argument("--ngrams", help="another n-gram model file (e.g. one trained on half the documents)")
    ap.add_argument("--bias", help="another short-text bias table (e.g. one fitted on half the ids)")
    ap.add_argument("--full-ngrams", action="store_true",
                    help="lingua's 5-gram models for Latin text too, as the stage with lang_full_ngrams")
    ap.add_argument("--speed", type=int, nargs="?", const=600, metavar="N",
                    help="CPU ms per article on a news mix of N articles (default 600), then exit")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if not os.path.isdir(DATA):
        print(f"no data at {DATA}")
        return 0
    if a.speed:
        speed(a.speed)
        return 0
    if a.worker == "memory":
        memory_worker(a.mem_per_lang, a.heldout, a)
        return 0
    if a.worker:
        worker(a.worker, a.sample_per_lang, a.heldout, a)
        return 0
    names = a.only.split(",") if a.only else PREDICTORS
    model = ((["--ngrams", a.ngrams] if a.ngrams else []) + (["--bias", a.bias] if a.bias else [])
             + (["--full-ngrams"] if a.full_ngrams else []))
    rows = {}
    for name in names:
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", name,
               "--sample-per-lang", str(a.sample_per_lang)] + (["--heldout"] if a.heldout else []) + model
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            print(f"{name}: failed\n{p.stderr[-2000:]}", file=sys.stderr)
            continue
        rows[name] = json.loads(p.stdout.strip().splitlines()[-1])
    mem = None
    if "newsflow" in names:
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", "memory",
               "--mem-per-lang", str(a.mem_per_lang)] + (["--heldout"] if a.heldout else []) + model
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode == 0:
            mem = json.loads(p.stdout.strip().splitlines()[-1])
        else:
            print(f"memory run failed\n{p.stderr[-2000:]}", file=sys.stderr)
    print(f"sample per language: {a.sample_per_lang or 'all'}{'; held-out halves only (NTREX odd documents, lingua id half 1)' if a.heldout else ''}")
    print("| library / mode | sentences | word pairs | single words | NTREX-70 | NTREX-120 "
          "| texts/s CPU (sentences / paragraphs) | bench worker peak RSS MB (data included) | NTREX conf>=0.9: share, accuracy |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, r in rows.items():
        nt = r["NTREX"]
        cal = (f"{100 * nt['conf90_share']:.1f}%, {100 * nt['conf90_acc']:.2f}"
               if nt.get("conf90_acc") is not None else "-")
        print(f"| {name} | {r['sentences']['lingua75']:.1f} | {r['word pairs']['lingua75']:.1f} "
              f"| {r['single words']['lingua75']:.1f} | {nt['lingua75']:.1f} | {nt['all']:.1f} "
              f"| {r['sentences']['per_s']:,.0f} / {nt['per_s']:,.0f} | {r['max_rss_mb']:.0f} | {cal} |")
    if "newsflow" in rows:
        nt = rows["newsflow"]["NTREX"]
        print(f"newsflow on news-length text (NTREX paragraphs, mean ~390 characters): "
              f"{nt['per_s']:,.0f} paragraphs per CPU-second over all {len(nt['per_lang_s'])} languages"
              + (f", {nt['major_per_s']:,.0f} over {len(MAJOR_NEWS)} major news languages ({' '.join(MAJOR_NEWS)})"
                 if nt.get("major_per_s") else ""))
        r = rows["newsflow"]
        print("newsflow unrounded: " + ", ".join(
            f"{c} {r[c]['lingua75']:.2f}" for c in ("sentences", "word pairs", "single words"))
              + f", NTREX-70 {r['NTREX']['lingua75']:.2f}, NTREX-120 {r['NTREX']['all']:.2f}")
    if mem:
        print(f"newsflow stage RSS (fresh process, {mem['n']:,} texts from all four sets, every "
              f"language, shuffled): {mem['base_mb']:.0f} MB after import, {mem['warm_mb']:.0f} MB after "
              f"warm_up, {mem['after_mb']:.0f} MB after the mix (peak {mem['peak_mb']:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
