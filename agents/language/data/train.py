"""Train newsflow's character n-gram model (multinomial naive Bayes) for the language stage.

It is a second opinion used only where the fast detectors are weak: languages CLD2/lingua do
not know (e.g. Dari, Sorani, Bemba, Ewe, Tahitian, Cantonese) and close groups they confuse
(Bosnian/Croatian/Serbian, Malay/Indonesian). Data: the NTREX-128 development half in
../shared/data/langid (document-disjoint from the held-out half kept outside the project).

    python agents/language/data/train.py                      # all dev documents -> ngrams.npz
    python agents/language/data/train.py --docs even --out /tmp/ngrams_even.npz
        # even-position documents only: the odd ones stay unseen for an honest check

The output is small (a few MB) and committed beside this script; nothing is downloaded.
"""
from __future__ import annotations

import argparse
import collections
import gzip
import json
import math
import os

import numpy as np

from newsflow.agents.language.ngram_model import ngrams  # one featuriser for training and use

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))  # the checkout: agents/language/data -> .
DEFAULT_DATA = os.path.join(ROOT, "..", "shared", "data", "langid", "ntrex_paragraphs.jsonl.gz")


def doc_order(items):
    order = {}
    for it in items:
        order.setdefault(it["doc"], len(order))
    return order


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--docs", choices=["all", "even", "odd"], default="all")
    ap.add_argument("--top", type=int, default=6000, help="n-grams kept per language")
    ap.add_argument("--out", default=os.path.join(HERE, "ngrams.npz"))
    a = ap.parse_args(argv)
    with gzip.open(a.data, "rt", encoding="utf-8") as f:
        items = [json.loads(line) for line in f if line.strip()]
    order = doc_order(items)
    if a.docs != "all":
        parity = 0 if a.docs == "even" else 1
        items = [it for it in items if order[it["doc"]] % 2 == parity]
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for it in items:
        # Serbian is written in two scripts: one model each, or the Latin half drowns.
        label = it["lang"] + ("-Latn" if it.get("orig_lang") == "srp-Latn" else "")
        counts[label].update(ngrams(it["text"]))
    langs = sorted(counts)
    kept = {l: dict(c.most_common(a.top)) for l, c in counts.items()}
    vocab = sorted(set().union(*kept.values()))
    index = {g: i for i, g in enumerate(vocab)}
    rows, cols, vals, floors = [], [], [], []
    for j, l in enumerate(langs):
        total = sum(counts[l].values())
        denom = total + 0.5 * len(vocab)
        floors.append(math.log(0.5 / denom))
        for g, n in kept[l].items():
            rows.append(index[g])
            cols.append(j)
            vals.append(math.log((n + 0.5) / denom))
    np.savez_compressed(
        a.out,
        langs=np.array(langs),
        vocab=np.array(vocab),
        rows=np.array(rows, dtype=np.int32),
        cols=np.array(cols, dtype=np.int16),
        vals=np.array(vals, dtype=np.float16),
        floors=np.array(floors, dtype=np.float32),
    )
    print(f"{len(items)} paragraphs, {len(langs)} languages, {len(vocab)} n-grams -> {a.out} "
          f"({os.path.getsize(a.out) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
