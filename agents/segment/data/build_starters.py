"""Build starters.json: each language's sentence-starter words, for the segment stage's headline cue.

A word qualifies when it starts at least 3 sentences in at least 2 NTREX development
documents and starts a sentence in at least half of its occurrences (same spelling); the 80
most frequent starters of each language are kept, each with that share. A document's first
sentence (its headline) does not count.

    python agents/segment/data/build_starters.py            # all dev documents -> starters.json
    python agents/segment/data/build_starters.py --half even --out /tmp/starters_even.json
        # one hash half of the documents; bench/segmentation.py --heldout scores the other

Reads ../shared/data/segmentation/ntrex_sentences.jsonl.gz; the output is committed beside
this script.
"""
from __future__ import annotations

import argparse
import collections
import gzip
import json
import zlib
from pathlib import Path
from typing import Iterator, Optional

HERE = Path(__file__).resolve().parent
NTREX = HERE.parents[3] / "shared" / "data" / "segmentation" / "ntrex_sentences.jsonl.gz"
_LEADP = "\"'“‘«„‚([{‹¿¡「『（《-–—"


def ntrex_records(half: Optional[str] = None, langs: Optional[set] = None) -> Iterator[dict]:
    """NTREX paragraphs with their gold sentences, of one hash half of the documents
    (`even` or `odd`) when `half` is given."""
    with gzip.open(NTREX, "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if langs and r["lang"] not in langs:
                continue
            if half and (zlib.crc32(r["doc"].encode()) % 2) != (half == "odd"):
                continue
            yield r


def starter_table(half: Optional[str] = None, min_first: int = 3, min_docs: int = 2,
                  min_ratio: float = 0.5, top: int = 80) -> dict[str, dict[str, float]]:
    """{language: {word: share of its occurrences that start a sentence}}."""
    first = collections.defaultdict(collections.Counter)
    mid = collections.defaultdict(collections.Counter)
    docs = collections.defaultdict(lambda: collections.defaultdict(set))
    for r in ntrex_records(half):
        lang = r["lang"]
        for i, s in enumerate(r["expected"]):
            if i == 0 and r.get("first_in_doc"):
                continue  # the headline itself
            words = [w.lstrip(_LEADP) for w in s.split()]
            if not words:
                continue
            first[lang][words[0]] += 1
            docs[lang][words[0]].add(r["doc"])
            for w in words[1:]:
                mid[lang][w] += 1
    table = {}
    for lang in sorted(first):
        cands = []
        for w, f in first[lang].items():
            if not w or f < min_first or len(docs[lang][w]) < min_docs:
                continue
            ratio = f / (f + mid[lang][w])
            if ratio >= min_ratio:
                cands.append((f, w, round(ratio, 2)))
        cands.sort(reverse=True)
        table[lang] = {w: ratio for f, w, ratio in cands[:top]}
    return table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--half", choices=["even", "odd"], help="only NTREX documents of one hash half")
    ap.add_argument("--out", type=Path, default=HERE / "starters.json")
    a = ap.parse_args()
    if not NTREX.exists():
        raise SystemExit(f"{NTREX} is absent: this script needs ../shared")
    table = starter_table(a.half)
    # one language per line: reviewable diffs
    lines = [f"{json.dumps(lang)}: {json.dumps(words, ensure_ascii=False)}" for lang, words in table.items()]
    a.out.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")
    print(f"wrote {a.out}: {sum(len(v) for v in table.values())} words, {len(table)} languages")


if __name__ == "__main__":
    main()
