#!/usr/bin/env python3
"""Scores of the de/es/it/pt/nl NER models: per-label precision/recall/F1 of the bare model on
the held-apart test parts (data.py's DocBins), of the whole entities stage and of the place
gazetteer alone (what newsflow did before for these languages) on the hand-labelled news
sample (tests/fixtures/ner-news-<lang>/gold.jsonl), tokens/s on one thread and the RSS each
loaded model adds. `bench/entities.py --languages` prints the same table.

usage: OMP_NUM_THREADS=1 python models/ner-multi/evaluate.py [LANG ...] [--build-dir DIR] [--test-limit N]
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Iterable  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))

import data  # noqa: E402

LABELS = data.KEPT
Mention = tuple[int, int, str]  # (start char, end char, label)


def news_sample(lang: str) -> list[tuple[str, set[Mention]]]:
    """The hand-labelled NTREX sentences of `lang`: (text, gold mentions)."""
    path = REPO / "tests" / "fixtures" / f"ner-news-{lang}" / "gold.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(r["text"], {(e["start"], e["end"], e["label"]) for e in r["entities"]}) for r in rows]


def test_sets(lang: str, build_dir: Path, limit: int = 0) -> dict[str, list[tuple[str, set[Mention]]]]:
    """The held-apart test parts of `lang` (name -> (text, gold mentions)), from data.py's DocBins."""
    import spacy
    from spacy.tokens import DocBin

    vocab = spacy.blank(lang).vocab
    out = {}
    for path in sorted((build_dir / lang).glob("test-*.spacy")):
        docs = list(DocBin().from_disk(path).get_docs(vocab))
        docs = docs[:limit] if limit else docs
        out[path.stem.removeprefix("test-")] = [
            (d.text, {(e.start_char, e.end_char, e.label_) for e in d.ents}) for d in docs]
    return out


class Counts:
    """True positives, predictions and gold mentions per label (exact span and label match)."""

    def __init__(self) -> None:
        self.tp, self.pred, self.gold = Counter(), Counter(), Counter()

    def add(self, gold: set[Mention], pred: set[Mention]) -> None:
        pred = {m for m in pred if m[2] in LABELS}
        for counter, mentions in ((self.tp, gold & pred), (self.pred, pred), (self.gold, gold)):
            counter.update(m[2] for m in mentions)

    def prf(self, label: str | None = None) -> tuple[float, float, float]:
        """(precision, recall, F1) of one label, or micro over all with None."""
        pick = (lambda c: c[label]) if label else (lambda c: sum(c.values()))
        tp, pred, gold = pick(self.tp), pick(self.pred), pick(self.gold)
        p = tp / pred if pred else 0.0
        r = tp / gold if gold else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    def row(self) -> str:
        cells = [f"{lab} {p:.3f}/{r:.3f}/{f:.3f}" for lab in LABELS for p, r, f in [self.prf(lab)]]
        return f"F1 {self.prf()[2]:.3f}  " + "  ".join(cells) + f"  (n={sum(self.gold.values())})"


def score_model(nlp, sample: list[tuple[str, set[Mention]]]) -> tuple[Counts, int, float]:
    """The bare spaCy pipeline on `sample`: counts, tokens read and seconds spent."""
    counts, ntok = Counts(), 0
    t0 = time.perf_counter()
    docs = list(nlp.pipe((text for text, _ in sample), batch_size=256))
    secs = time.perf_counter() - t0
    for (_, gold), doc in zip(sample, docs):
        counts.add(gold, {(e.start_char, e.end_char, e.label_) for e in doc.ents})
        ntok += len(doc)
    return counts, ntok, secs


def score_stage(lang: str, sample: list[tuple[str, set[Mention]]], models: dict[str, str]) -> Counts:
    """The whole entities stage (model pass, gazetteer places, refine) with `models`, each text
    one article read in `lang`."""
    from newsflow.agents.entities import EntityRecognizer
    from newsflow.agents.segment import paragraphs, tokens
    from newsflow.schemas import Article, Language

    articles = [Article(id=f"{lang}-{i}", body=text, language=Language(lang, 1.0, "Latn"))
                for i, (text, _) in enumerate(sample)]
    for a in articles:
        a.paragraphs, a.tokens = paragraphs(a.body), tokens(a.body)
    EntityRecognizer(models=models).batch(articles)
    counts = Counts()
    for (_, gold), a in zip(sample, articles):
        counts.add(gold, {(e.start, e.end, e.label) for e in a.entities})
    return counts


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def report(langs: Iterable[str], build_dir: Path, test_limit: int = 0) -> None:
    """Prints, per language: the bare model on each held-apart test set and its speed beside the
    English model's on the same text, the RSS its loading added, the gazetteer alone on the
    test sets, then the stage and the gazetteer alone on the news sample."""
    from newsflow.agents.entities.ner_models import DEFAULT_MODELS, load, model_path, parse_ner_models

    english = load(model_path())  # loaded first: spaCy's own imports are not any one model's memory
    english("Warm-up.")
    for lang in langs:
        path = DEFAULT_MODELS[lang]
        before, t0 = rss_kib(), time.perf_counter()
        nlp = load(path)
        nlp("Warm-up.")
        secs, added = time.perf_counter() - t0, (rss_kib() - before) / 1024
        off = parse_ner_models(f"{lang}=")  # the place gazetteer alone, as before these models
        size = sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file()) / 2**20
        print(f"== {lang}: {Path(path).name} ({size:.1f} MB on disk; loaded in {secs:.2f} s, +{added:.0f} MB RSS)")
        for name, sample in test_sets(lang, build_dir, test_limit).items():
            counts, ntok, secs = score_model(nlp, sample)
            _, en_tok, en_secs = score_model(english, sample)  # the speed baseline, same text, same run
            print(f"  test {name:<9} model      {counts.row()}  {ntok / secs:,.0f} tokens/s "
                  f"(English model on the same text: {en_tok / en_secs:,.0f}; ratio {ntok / secs / (en_tok / en_secs):.2f})")
            print(f"  test {name:<9} gazetteer  {score_stage(lang, sample, off).row()}")
        for name, models in (("stage", DEFAULT_MODELS), ("gazetteer", off)):
            print(f"  news sample    {name:<10} {score_stage(lang, news_sample(lang), models).row()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("langs", nargs="*", default=list(data.LANGS))
    ap.add_argument("--build-dir", type=Path, default=data.default_build_dir())
    ap.add_argument("--test-limit", type=int, default=0, help="score only the first N sentences of each test set")
    args = ap.parse_args()
    report(args.langs, args.build_dir, args.test_limit)


if __name__ == "__main__":
    main()
