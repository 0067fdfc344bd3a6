"""The entities stage: each article of a batch read by its language's model (or the place
gazetteer), then refined by the rule layers."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Optional

from newsflow.agents.entities.layers import LAYERS, parse_entity_layers
from newsflow.agents.entities.ner_models import check_model, load, model_path, parse_ner_models
from newsflow.agents.entities.place_names import gazetteer_locations, scan_names
from newsflow.agents.entities.reading import Reading, note_reading, reading_language, warm_up as warm_up_reading
from newsflow.agents.entities.recognise import recognise
from newsflow.agents.entities.refine import refine
from newsflow.agents.stage import Stage
from newsflow.schemas import Article

if TYPE_CHECKING:
    from newsflow.streams.config import Settings


class EntityRecognizer:
    """`path`: the English model (default: the packaged one); `models`: language -> spaCy
    pipeline for the others (default: `ner_models.DEFAULT_MODELS`); `layers`: the rule layers
    (default: all of `LAYERS`)."""

    def __init__(
        self,
        path: Optional[str] = None,
        *,
        layers: Optional[Iterable[str]] = None,
        models: Optional[dict[str, str]] = None,
    ):
        self.path = model_path(path)
        self.layers = frozenset(LAYERS if layers is None else layers)
        self.models = {"en": self.path, **(parse_ner_models(None) if models is None else models)}
        for lang, name in self.models.items():
            check_model(lang, name)

    def warm_up(self) -> None:
        """Loads every model before traffic. newsflow's own small ones (OWN_LANGUAGES: about 1 CPU-s
        and 30 MB for the four) once loaded lazily, at the first article in their language; but a
        worker's and `enrich --jobs`'s processes are forked after warm-up, so each child loaded its
        own copies and stalled a batch for it, where the parent's are shared."""
        for name in self.models.values():
            load(name)
        scan_names("en")  # the gazetteer and its names common to all languages
        warm_up_reading()

    def reading(self, article: Article, language: Optional[str] = None) -> Reading:
        """How the article is read: in `language` (default: `reading_language`), by its model if
        there is one."""
        language = language or reading_language(article)
        return Reading(article, language, language in self.models)

    def __call__(self, article: Article) -> Article:
        return self.batch([article])[0]

    def batch(self, articles: list[Article]) -> list[Article]:
        self.read([self.reading(a) for a in articles])
        return articles

    def read(self, readings: list[Reading]) -> None:
        """The whole stage on the articles of `readings`, replacing any mentions they held."""
        for r in readings:
            r.article.entities = []
            r.article.entity_groups = []
            note_reading(r)
        recognise(readings, self.models)
        for r in readings:
            if not r.modelled:
                gazetteer_locations(r.article, lang=r.language)
            refine(r.article, self.layers, modelled=r.modelled, lang=r.language)


def make_stage(settings: "Settings | None" = None) -> Stage:
    """The stage from the `ner_model`, `ner_models` and `entity_layers` settings (None: defaults)."""
    if settings is None:
        recognizer = EntityRecognizer()
    else:
        recognizer = EntityRecognizer(
            settings.ner_model or None, models=parse_ner_models(settings.ner_models),
            layers=parse_entity_layers(settings.entity_layers),
        )
    return Stage("entities", recognizer, batch=recognizer.batch, warm_up=recognizer.warm_up)
