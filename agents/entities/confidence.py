"""A confidence per mention: the precision measured for mentions like it.

English: the precision on CoNLL-2003 valid (document units) of mentions with the same label,
the same source, the same support (a linked place, a demonym's country, a listed organisation
or a rule) and the same group size (1 / 2-3 / more); `bench/entities.py --calibrate` rebuilds
the table. Other languages: the precision per label on hand-labelled samples (data/README.md).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from newsflow.agents.entities.rules import ORG_FORMS
from newsflow.schemas import Article, Entity

# (label, source, support, group size 1 / 2-3 / 4+) -> precision on CoNLL-2003 valid
# (document units, all layers on), shrunk toward 0.85 by 5 pseudo-counts; cells with fewer
# than 20 mentions fall back to the label's precision. Printed by `bench/entities.py
# --calibrate` (with models/ner-en/model, valid F1 0.924; in-sample, so a little optimistic).
_CONFIDENCE: dict[tuple[str, str, bool, int], float] = {
    ("LOC", "model", False, 1): 0.854,  # 239/280
    ("LOC", "model", False, 2): 0.918,  # 149/162
    ("LOC", "model", False, 4): 0.89,  # 131/147
    ("LOC", "model", True, 1): 0.984,  # 345/350
    ("LOC", "model", True, 2): 0.98,  # 475/484
    ("LOC", "model", True, 4): 0.971,  # 420/432
    ("MISC", "model", False, 1): 0.783,  # 215/275
    ("MISC", "model", False, 2): 0.905,  # 164/181
    ("MISC", "model", False, 4): 0.853,  # 35/41
    ("MISC", "model", True, 1): 0.976,  # 110/112
    ("MISC", "model", True, 2): 0.977,  # 155/158
    ("MISC", "model", True, 4): 0.994,  # 120/120
    ("ORG", "model", False, 1): 0.854,  # 621/727
    ("ORG", "model", False, 2): 0.943,  # 392/415
    ("ORG", "model", False, 4): 0.912,  # 128/140
    ("PER", "model", False, 1): 0.93,  # 876/941
    ("PER", "model", False, 2): 0.944,  # 447/473
    ("PER", "model", False, 4): 0.94,  # 427/454
}
_CONFIDENCE_BY_LABEL = {"PER": 0.94, "LOC": 0.95, "ORG": 0.89, "MISC": 0.90}
# Gazetteer LOC in languages no model reads: 48/50 right on a hand-labelled MasakhaNEWS fr/sw
# sample (data/README.md); 0.9 rather than 0.96 for a sample that small.
_GAZETTEER_CONFIDENCE = 0.9


@dataclass(frozen=True)
class SamplePrecision:
    """Precision of a non-English model's output on hand-labelled samples of the stage's
    output (data/README.md); about 60 mentions a label, so +-0.06."""

    by_label: dict[str, float]
    linked_place: float  # a LOC linked to a place
    gazetteer: float  # the gazetteer's places the model missed

    def of(self, e: Entity) -> float:
        if _from_gazetteer(e):
            return self.gazetteer
        if e.label == "LOC" and e.place is not None:
            return self.linked_place
        return self.by_label.get(e.label, 0.5)


# ORG includes the measured effect of joining an ORG to the place it was cut from.
MODEL_PRECISION = {"fr": SamplePrecision({"PER": 0.83, "ORG": 0.64, "LOC": 0.57}, linked_place=0.91, gazetteer=0.86)}


def confidence_key(e: Entity, group_size: int) -> tuple[str, str, bool, int]:
    """The cell of the English table a mention falls in."""
    support = e.place is not None or e.related is not None or e.source == "rule"
    if e.label == "ORG" and e.text in ORG_FORMS:
        support = True
    bucket = 1 if group_size <= 1 else 2 if group_size <= 3 else 4
    return e.label, e.source or "model", support, bucket


def set_confidence(article: Article, modelled: bool, lang: str) -> None:
    """Sets each mention's and each group's confidence; `modelled`: a model read the article."""
    sizes = {gi: g.count for gi, g in enumerate(article.entity_groups)}
    # the other languages' figures hold for their model's output; without it, a gazetteer-only
    # article is the case the gazetteer's own sample measured
    sample: Optional[SamplePrecision] = MODEL_PRECISION.get(lang) if modelled else None
    for e in article.entities:
        if sample is not None:
            e.confidence = sample.of(e)
        elif _from_gazetteer(e):
            e.confidence = _GAZETTEER_CONFIDENCE
        else:
            key = confidence_key(e, sizes.get(e.group, 1))
            e.confidence = _CONFIDENCE.get(key, _CONFIDENCE_BY_LABEL.get(e.label, 0.5))
    for g in article.entity_groups:
        confs = [article.entities[i].confidence or 0.0 for i in g.mentions]
        g.confidence = round(max(confs), 3) if confs else None


def _from_gazetteer(e: Entity) -> bool:
    """The gazetteer's answer as it gave it: a layer that relabelled the mention made it another case."""
    return e.source == "gazetteer" and e.revised_by is None
