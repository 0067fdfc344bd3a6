"""The stages of newsflow, one module each, in flow order.

Each stage is plain synchronous Python (no Kafka): `streams/` wraps them in Faust agents and
`newsflow enrich` runs them in-process.
"""
from __future__ import annotations

from importlib import import_module
from typing import Iterable, Optional

from agents.stage import Stage, StageError

STAGE_ORDER = ("extract", "language", "segment", "entities")

__all__ = ["STAGE_ORDER", "Stage", "StageError", "build_stages", "parse_stage_list"]


def parse_stage_list(spec: Optional[str]) -> list[str]:
    """'language,segment' -> in flow order; raises ValueError on unknown names."""
    if not spec or spec == "all":
        return list(STAGE_ORDER)
    names = [s.strip() for s in spec.split(",") if s.strip()]
    unknown = sorted(set(names) - set(STAGE_ORDER))
    if unknown:
        raise ValueError(f"unknown stage(s) {', '.join(unknown)}; choose from {', '.join(STAGE_ORDER)}")
    return [s for s in STAGE_ORDER if s in names]


def build_stages(
    names: Iterable[str],
    *,
    ner_model: Optional[str] = None,
    ner_models: Optional[str] = None,
    tokens: bool = True,
) -> dict[str, Stage]:
    """Builds the requested stages; each stage's libraries are imported only when it is used."""
    options = {"entities": {"path": ner_model, "models": ner_models}, "segment": {"tokens": tokens}}
    return {n: import_module(f"agents.{n}").make_stage(**options.get(n, {})) for n in names}
