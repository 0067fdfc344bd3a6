#!/usr/bin/env python3
"""Rebuild every shipped de/es/it/pt/nl NER model (models/ner-<lang>/model/) with one command.

For each language, one at a time: the DocBins (data.py, from the local data directory), then
`spacy train config.cfg` on one thread with a fixed seed, the model chosen on the dev part
(model-best), then installed as models/ner-<lang>/. The test parts are not read here.

usage (from the repo root; needs `pip install -e ".[train]"` and the files of README.md):
  nice -n 10 .venv/bin/python models/ner-multi/train.py [LANG ...] [--data-dir DIR]
        [--build-dir DIR] [--no-install] [-- extra `spacy train` overrides]
"""
import os

# one BLAS/OpenMP thread unless the caller asks otherwise (set before numpy loads)
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
MODELS = HERE.parent
sys.path.insert(0, str(HERE))

import data  # noqa: E402


def train(lang: str, build_dir: Path, overrides: list[str]) -> Path:
    """`spacy train` for one language inside its build dir (relative corpus paths, so the saved
    config holds no path of this machine); returns model-best."""
    work = build_dir / lang
    out = work / "train"
    if out.exists():
        shutil.rmtree(out)
    cmd = [sys.executable, "-m", "spacy", "train", str(HERE / "config.cfg"), "--output", "train",
           "--nlp.lang", lang, "--paths.train", "train.spacy", "--paths.dev", "dev.spacy", *overrides]
    print(f"[{lang}] {' '.join(cmd)}", flush=True)
    t0 = time.time()
    subprocess.run(cmd, cwd=work, check=True)
    print(f"[{lang}] trained in {time.time() - t0:.0f}s", flush=True)
    return out / "model-best"


def install(best: Path, lang: str) -> Path:
    """model-best as models/ner-<lang>/ (the folder name is what `processing.notes` names), its
    meta.json saying what it was trained on and under which licence, without the strings of
    the training text."""
    target = MODELS / f"ner-{lang}"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(best, target)
    meta_path = target / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta.update(name=f"ner_{lang}", **data.PROVENANCE[lang])
    meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    # the training text's strings (1.4 MB) are never read back: the hash embeddings hash each
    # token's text as it comes, and spaCy adds a new text's strings itself (same predictions)
    (target / "vocab" / "strings.json").write_text(json.dumps(sorted(meta["labels"]["ner"])))
    return target


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("langs", nargs="*", default=list(data.LANGS))
    ap.add_argument("--data-dir", type=Path, default=data.default_data_dir())
    ap.add_argument("--build-dir", type=Path, default=data.default_build_dir())
    ap.add_argument("--no-install", action="store_true", help="train but leave models/ner-<lang>/ alone")
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    args, overrides = ap.parse_args(argv[:cut]), argv[cut + 1:]
    for lang in args.langs:
        print(f"[{lang}] data {data.build(lang, args.data_dir, args.build_dir.resolve())}", flush=True)
        best = train(lang, args.build_dir.resolve(), overrides)
        if not args.no_install:
            print(f"[{lang}] installed {install(best, lang)}", flush=True)


if __name__ == "__main__":
    main()
