"""entities: PER/ORG/LOC/MISC mentions with offsets into `body`.

The model is newsflow's own, trained on CoNLL-2003 and shipped in `models/ner-en/` (see its
README to rebuild it): packaged spaCy models are not on PyPI and score worse on news
conventions. It runs per paragraph from the segment stage, batched with `nlp.pipe`, so the
worker pays one model call per batch. Text in languages the model was not trained for gets
no entities and a note, never English-model guesses.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Iterable, Optional

from agents.stage import Stage
from schemas import ENTITY_LABELS, Article, Entity, Span

DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "models" / "ner-en" / "model"
SUPPORTED_LANGUAGES = frozenset({"en"})
PIPE_BATCH = 64


@functools.cache
def _nlp(path: str):
    import spacy  # imported lazily: `newsflow enrich --stages language` should not pay for it

    return spacy.load(path, exclude=["parser", "tagger", "lemmatizer"])


def model_path(path: Optional[str] = None) -> str:
    return str(path or os.environ.get("NEWSFLOW_NER_MODEL") or DEFAULT_MODEL)


class EntityRecognizer:
    def __init__(self, path: Optional[str] = None):
        self.path = model_path(path)
        if not Path(self.path, "meta.json").is_file():
            # A deployment error, not bad input: fail at start-up rather than dead-letter everything.
            raise FileNotFoundError(
                f"NER model not found at {self.path}; rebuild it with `python models/ner-en/train.py` "
                "or point NEWSFLOW_NER_MODEL at one"
            )

    def warm_up(self) -> None:
        _nlp(self.path)

    def _regions(self, article: Article) -> list[Span]:
        return article.paragraphs or ([Span(0, len(article.body))] if article.body else [])

    def _supported(self, article: Article) -> bool:
        code = article.language.code if article.language else "en"
        if code in SUPPORTED_LANGUAGES:
            return True
        article.entities = []
        article.processing.notes.append(f"entities: no model for language '{code}'")
        return False

    def __call__(self, article: Article) -> Article:
        return self.batch([article])[0]

    def batch(self, articles: list[Article]) -> list[Article]:
        nlp = _nlp(self.path)
        supported = [a for a in articles if self._supported(a)]
        for a in supported:
            a.entities = []
        work = [(a, r) for a in supported for r in self._regions(a)]
        texts: Iterable[str] = (a.body[r.start : r.end] for a, r in work)
        for (article, region), doc in zip(work, nlp.pipe(texts, batch_size=PIPE_BATCH)):
            for ent in doc.ents:
                if ent.label_ not in ENTITY_LABELS:
                    continue
                start, end = region.start + ent.start_char, region.start + ent.end_char
                article.entities.append(Entity(article.body[start:end], ent.label_, start, end))
        return articles


def make_stage(path: Optional[str] = None) -> Stage:
    recognizer = EntityRecognizer(path)
    return Stage("entities", recognizer, batch=recognizer.batch, warm_up=recognizer.warm_up)
