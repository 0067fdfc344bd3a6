#!/usr/bin/env python3
"""Training, dev and test DocBins for the de/es/it/pt/nl NER models, from public files the user
has copied into a local directory (nothing is downloaded: see README.md for where each file
comes from and its licence).

Every corpus is read as token/tag lines, sentences separated by blank lines, tags in IOB2.
Only PER, ORG and LOC are kept (MISC and anything else becomes O): the models tag what
newsflow's French model keeps. A sentence becomes one spaCy Doc whose text is its tokens joined
by single spaces, so each entity edge falls on a space and aligns with spaCy's tokenizer.

usage: python models/ner-multi/data.py [--data-dir DIR] [--build-dir DIR] [LANG ...]
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

KEPT = ("PER", "ORG", "LOC")
LANGS = ("de", "es", "it", "pt", "nl")
SPLITS = ("train", "dev", "test")

Sentence = list[tuple[str, str]]  # (token, IOB2 tag)


@dataclass(frozen=True)
class Part:
    """A file (relative to the data dir) or a slice of its sentences, [start, end) as fractions,
    so one file can give a train and a held-apart part without overlap. `layout`: "tags" (token
    and tag lines, blank lines between sentences), "running" (token and tag lines with no
    sentence breaks: Europeana) or "ntrex" (unlabelled news, `ntrex_lines`)."""

    path: str
    start: float = 0.0
    end: float = 1.0
    layout: str = "tags"


# language -> split -> named test sets or parts; the test parts are never trained or selected on.
# Italian: the only Italian NER data found is non-commercial (WikiNEuRal, CC BY-NC-SA 4.0), and
# only its val and test files (the train file is over the size limit): val and the first half
# of test train, the next 15% of test selects, the last 35% is held apart.
# WikiANN's sentences are mostly short fragments of Wikipedia (titles, lists): alone, they teach
# a German or Dutch model that a capitalised noun in running text is a name. German also gets
# GermEval 2014 (news and Wikipedia sentences; its train file is over the size limit: its test
# file trains, half its dev file selects, the other half is held apart), Dutch the Europeana
# newspapers (running text, 80/10/10). Selection reads the first 3000 dev sentences
# (config.cfg), so the running-text part comes first in each dev split.
_IT = "wikineural/data/wikineural/it/"
_GERMEVAL = "davidsbatista/GermEval2014/NER-de-"
_ENP_NL = "europeana/enp_NL.kb.bio"
# Unlabelled news (NTREX-128, CC BY-SA 4.0) in every language, three times over (`partial_doc`):
# where running text holds no name. The clusters of the hand-labelled sample are left out.
_NTREX = [Part("ntrex/ntrex_crosslingual.jsonl.gz", layout="ntrex")] * 3
NEWS_SAMPLE_CLUSTERS = frozenset({"bbc.381736", "nytimes.184804"})
SOURCES: dict[str, dict[str, dict[str, list[Part]]]] = {
    "de": {
        "train": {"wikiann": [Part("davidsbatista/WikiANN/de/train")], "germeval": [Part(_GERMEVAL + "test.tsv")],
                  "ntrex": _NTREX},
        "dev": {"germeval": [Part(_GERMEVAL + "dev.tsv", 0.0, 0.5)], "wikiann": [Part("davidsbatista/WikiANN/de/dev")]},
        "test": {"wikiann": [Part("davidsbatista/WikiANN/de/test")], "germeval": [Part(_GERMEVAL + "dev.tsv", 0.5, 1.0)]},
    },
    "nl": {
        "train": {"wikiann": [Part("davidsbatista/WikiANN/nl/train")],
                  "europeana": [Part(_ENP_NL, 0.0, 0.8, "running")], "ntrex": _NTREX},
        "dev": {"europeana": [Part(_ENP_NL, 0.8, 0.9, "running")], "wikiann": [Part("davidsbatista/WikiANN/nl/dev")]},
        "test": {"wikiann": [Part("davidsbatista/WikiANN/nl/test")], "europeana": [Part(_ENP_NL, 0.9, 1.0, "running")]},
    },
    "es": {s: {"wikiann": [Part(f"wikineural/data/wikiann/es/{f}.conllu")], **({"ntrex": _NTREX} if s == "train" else {})}
           for s, f in zip(SPLITS, ("train", "val", "test"))},
    "pt": {s: {"bosque": [Part(f"UNER_Portuguese-Bosque/pt_bosque-ud-{s}.iob2")],
               "wikiann": [Part(f"davidsbatista/Portuguese/WikiANN/{s}")], **({"ntrex": _NTREX} if s == "train" else {})}
           for s in SPLITS},
    "it": {
        "train": {"wikineural": [Part(_IT + "val.conllu"), Part(_IT + "test.conllu", 0.0, 0.5)], "ntrex": _NTREX},
        "dev": {"wikineural": [Part(_IT + "test.conllu", 0.5, 0.65)]},
        "test": {"wikineural": [Part(_IT + "test.conllu", 0.65, 1.0)]},
    },
}


# what each model was trained on and the licence it inherits (meta.json of the shipped model)
_WIKIANN = "WikiANN (Pan et al. 2017; machine-made labels from Wikipedia links; no licence stated)"
_NTREX_SRC = "; NTREX-128 news sentences, partial labels (CC BY-SA 4.0)"
PROVENANCE: dict[str, dict[str, str]] = {
    "de": {"sources": _WIKIANN + ": davidsbatista/NER-datasets WikiANN/de; GermEval 2014 (Benikova et al.): "
           "davidsbatista/NER-datasets GermEval2014" + _NTREX_SRC, "license": "CC BY-SA 4.0 (NTREX); WikiANN and "
           "GermEval 2014 state none"},
    "nl": {"sources": _WIKIANN + ": davidsbatista/NER-datasets WikiANN/nl; Europeana Newspapers (CC0): "
           "EuropeanaNewspapers/ner-corpora enp_NL.kb" + _NTREX_SRC, "license": "CC BY-SA 4.0 (NTREX); WikiANN "
           "states none"},
    "es": {"sources": _WIKIANN + ": Babelscape/wikineural data/wikiann/es" + _NTREX_SRC,
           "license": "CC BY-SA 4.0 (NTREX); WikiANN states none"},
    "pt": {"sources": "UNER Portuguese-Bosque (CC BY-SA 4.0) + " + _WIKIANN + ": davidsbatista/NER-datasets "
           "Portuguese/WikiANN" + _NTREX_SRC, "license": "CC BY-SA 4.0 (UNER Portuguese-Bosque, NTREX)"},
    "it": {"sources": "WikiNEuRal Italian (Tedeschi et al. 2021): Babelscape/wikineural data/wikineural/it"
           + _NTREX_SRC, "license": "CC BY-NC-SA 4.0 (WikiNEuRal): non-commercial use only"},
}


def default_data_dir() -> Path:
    return Path(os.environ.get("NEWSFLOW_NER_MULTI_DATA") or Path(tempfile.gettempdir()) / "newsflow-ner-multi")


def default_build_dir() -> Path:
    return Path(os.environ.get("NEWSFLOW_NER_MULTI_BUILD") or default_data_dir() / "build")


def cut_running(path: Path, longest: int = 40) -> Iterator[Sentence]:
    """`Wort B-PER` lines of running text (Europeana) as sentences: cut after a token ending in
    a full stop, "!" or "?", or after `longest` tokens, never inside a name."""
    sent: Sentence = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) != 2:
                continue
            token, tag = parts[0], kept_tag(parts[1])
            if sent and (sent[-1][0][-1] in ".!?" or len(sent) >= longest) and not tag.startswith("I-"):
                yield sent
                sent = []
            sent.extend(unglued(token, tag))
    if sent:
        yield sent


_GLUED = re.compile(r"""([(\["'«„“]*)(.*?)([.,;:!?)\]"'»”]*)""")


def unglued(token: str, tag: str) -> Sentence:
    """Europeana's token with the punctuation glued to it as tokens of their own, outside the
    name ("Londen," B-LOC: "Londen" B-LOC, "," O), as spaCy's tokenizer will cut it."""
    lead, core, trail = _GLUED.fullmatch(token).groups()
    if not core:
        return [(token, "O" if tag.startswith("B-") else tag)]
    return [*((c, "O") for c in lead), (core, tag), *((c, "O") for c in trail)]


def read_sentences(path: Path) -> Iterator[Sentence]:
    """Token/tag lines in any of the layouts of these corpora: `de:Wort<TAB>B-PER` (WikiANN),
    `3<TAB>Wort<TAB>B-PER` (WikiNEuRal) and `3<TAB>Wort<TAB>B-PER<TAB>...` (UNER, GermEval's
    outer tags, with `#` comment lines)."""
    sent: Sentence = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if not line.strip():
                if sent:
                    yield sent
                sent = []
            elif not line.startswith("#"):
                token, tag = (parts[0].split(":", 1)[-1], parts[1]) if len(parts) == 2 else (parts[1], parts[2])
                sent.append((token, kept_tag(tag)))
    if sent:
        yield sent


def kept_tag(tag: str) -> str:
    """The IOB2 tag with only PER/ORG/LOC left."""
    return tag if tag[2:] in KEPT and tag[:2] in ("B-", "I-") else "O"


def ntrex_lines(path: Path, lang: str) -> Iterator[str]:
    """The headlines and sentences of NTREX's articles in `lang`, but those of the clusters the
    hand-labelled news sample comes from."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r["lang"] == lang and r["cluster"] not in NEWS_SAMPLE_CLUSTERS:
                yield from (s for s in (r["title"], *r["text"].split("\n")) if s.strip())


def read_part(data_dir: Path, part: Part, lang: str) -> list[Sentence | str]:
    path = data_dir / part.path
    if not path.is_file():
        raise FileNotFoundError(f"missing {path}: copy it there (models/ner-multi/README.md says from where)")
    reader = {"tags": read_sentences, "running": cut_running, "ntrex": lambda p: ntrex_lines(p, lang)}[part.layout]
    sents = list(reader(path))
    return sents[round(part.start * len(sents)):round(part.end * len(sents))]


def spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """[(start, end_exclusive, label)] token spans by conlleval's chunking (a stray I- opens one)."""
    out, start, label = [], None, None
    for i, t in enumerate([*tags, "O"]):
        if t == "O" or t.startswith("B-") or t[2:] != label:
            if start is not None:
                out.append((start, i, label))
            start, label = (i, t[2:]) if t != "O" else (None, None)
    return out


def partial_doc(nlp, text: str):
    """Unlabelled news text as a Doc that says only where no name is: each number, and each
    lower-case word that starts a word of the text (not the "un" of "Kim Jong-un", which the
    Italian tokenizer cuts off) and is not between two capitalised ones (not the "del" of "Corea
    del Norte"); every other token's label is left unknown. WikiANN's fragments nearly always
    hold a name, and a model trained on them alone finds names in the common words of running text."""
    doc = nlp.make_doc(text)
    caps = [t.text[:1].isupper() for t in doc]
    outside = [doc[i:i + 1] for i, t in enumerate(doc) if t.is_digit or (
        t.text[:1].islower() and (i == 0 or doc[i - 1].whitespace_)
        and not (0 < i < len(doc) - 1 and caps[i - 1] and caps[i + 1]))]
    doc.set_ents([], outside=outside, default="missing")
    return doc


def to_doc(nlp, sent: Sentence | str):
    """The sentence as a Doc of the blank pipeline `nlp`, its entities set from the tags (text
    without tags: `partial_doc`)."""
    if isinstance(sent, str):
        return partial_doc(nlp, sent)
    starts, pos = [], 0
    for token, _ in sent:
        starts.append(pos)
        pos += len(token) + 1
    doc = nlp.make_doc(" ".join(t for t, _ in sent))
    ents = [doc.char_span(starts[a], starts[b - 1] + len(sent[b - 1][0]), label=label)
            for a, b, label in spans([tag for _, tag in sent])]
    doc.ents = [e for e in ents if e is not None]  # a token with a space inside cannot align
    return doc


def build(lang: str, data_dir: Path, build_dir: Path) -> dict[str, int]:
    """Writes <build_dir>/<lang>/{train,dev}.spacy and test-<set>.spacy; returns Docs per file."""
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank(lang)
    out = build_dir / lang
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for split in SPLITS:
        sets = SOURCES[lang][split]
        named = {split: [s for parts in sets.values() for p in parts for s in read_part(data_dir, p, lang)]} \
            if split != "test" else {f"test-{name}": [s for p in parts for s in read_part(data_dir, p, lang)]
                                     for name, parts in sets.items()}
        for name, sents in named.items():
            DocBin(docs=(to_doc(nlp, s) for s in sents), store_user_data=False).to_disk(out / f"{name}.spacy")
            counts[name] = len(sents)
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("langs", nargs="*", default=list(LANGS))
    ap.add_argument("--data-dir", type=Path, default=default_data_dir())
    ap.add_argument("--build-dir", type=Path, default=default_build_dir())
    args = ap.parse_args()
    for lang in args.langs:
        print(lang, build(lang, args.data_dir, args.build_dir), flush=True)


if __name__ == "__main__":
    main()
