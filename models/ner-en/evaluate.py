#!/usr/bin/env python3
"""Score the newsflow English NER model on CoNLL-2003 valid (entity-level, exact match).

Each unit (a sentence by default, or a whole -DOCSTART- document with
--unit document) becomes raw text: its gold tokens joined by single spaces.
The model runs on that text with its own tokenizer (as newsflow does on news
text); each predicted character span is mapped to the gold tokens it overlaps
(widened to whole tokens if it ends inside one), and scored with the CoNLL
rule: same type, same first and last token. Micro P/R/F1 and per type match
conlleval / seqeval and ../shared/eval/eval_conll.py.

Speed: nlp.pipe over all units after a warm-up, one thread unless
OMP_NUM_THREADS etc. are set; tokens/s counts CoNLL tokens (and spaCy tokens).

usage (from the repo root):
  .venv/bin/python models/ner-en/evaluate.py [--model DIR] [--data FILE] [--unit sentence|document]
"""
import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from train import REPO, iob2_spans, joined, read_conll  # noqa: E402

TYPES = ["PER", "LOC", "ORG", "MISC"]


def build_units(path, unit):
    """[(text, token_offsets, gold {(a, b, type)})] with tokens joined by single spaces."""
    units = []
    for cdoc in read_conll(path):
        groups = [cdoc] if unit == "document" else [[s] for s in cdoc]
        for sents in groups:
            text, offsets = joined(sents)
            gold, base = set(), 0
            for sent in sents:
                gold |= {(base + a, base + b, t) for a, b, t in iob2_spans([tag for _, tag in sent])}
                base += len(sent)
            units.append((text, offsets, gold))
    return units


def to_token_spans(ents, offsets):
    pred = set()
    for s, e, label in ents:
        toks = [i for i, (a, b) in enumerate(offsets) if a < e and b > s]
        if toks:
            pred.add((toks[0], toks[-1] + 1, label))
    return pred


def prf(tp, npred, ngold):
    p = tp / npred if npred else 0.0
    r = tp / ngold if ngold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=str(HERE / "model"))
    ap.add_argument("--data", type=Path, default=None,
                    help="CoNLL file (default $NEWSFLOW_CONLL_DIR/valid.txt or <repo>/../shared/data/conll2003/valid.txt)")
    ap.add_argument("--unit", choices=["sentence", "document"], default="sentence")
    ap.add_argument("--batch-size", type=int, default=None)
    ap.add_argument("--warmup", type=int, default=200, help="units run once before timing")
    args = ap.parse_args()
    data = args.data or Path(os.environ.get("NEWSFLOW_CONLL_DIR") or REPO.parent / "shared/data/conll2003") / "valid.txt"

    import spacy

    t0 = time.perf_counter()
    nlp = spacy.load(args.model)
    load_s = time.perf_counter() - t0
    units = build_units(data, args.unit)
    texts = [u[0] for u in units]
    kw = {"batch_size": args.batch_size} if args.batch_size else {}
    for _ in nlp.pipe(texts[: args.warmup], **kw):
        pass
    t1, c1 = time.perf_counter(), time.process_time()
    docs = list(nlp.pipe(texts, **kw))
    secs, cpu = time.perf_counter() - t1, time.process_time() - c1

    tp, npred, ngold = Counter(), Counter(), Counter()
    for (text, offsets, gold), doc in zip(units, docs):
        pred = to_token_spans([(e.start_char, e.end_char, e.label_) for e in doc.ents], offsets)
        for x in pred:
            npred[x[2]] += 1
        for x in gold:
            ngold[x[2]] += 1
        for x in pred & gold:
            tp[x[2]] += 1
    n_conll = sum(len(u[1]) for u in units)
    n_spacy = sum(len(d) for d in docs)
    p, r, f = prf(sum(tp.values()), sum(npred.values()), sum(ngold.values()))
    print(f"model {args.model}  pipes {nlp.pipe_names}  data {data} [{args.unit}, {len(units)} units]")
    print(f"  micro  P={100 * p:6.2f}  R={100 * r:6.2f}  F1={100 * f:6.2f}   "
          f"(gold {sum(ngold.values())}, pred {sum(npred.values())}, tp {sum(tp.values())})")
    for t in TYPES:
        p, r, f = prf(tp[t], npred[t], ngold[t])
        print(f"  {t:5s}  P={100 * p:6.2f}  R={100 * r:6.2f}  F1={100 * f:6.2f}   (gold {ngold[t]}, pred {npred[t]})")
    print(f"  speed  {n_conll / secs:,.0f} CoNLL tokens/s wall ({n_spacy / secs:,.0f} spaCy tokens/s; "
          f"{n_conll / cpu:,.0f} tokens/cpu-s) - {n_conll} tokens in {secs:.2f}s, "
          f"threads OMP={os.environ.get('OMP_NUM_THREADS')}, load {load_s:.2f}s, loadavg {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
