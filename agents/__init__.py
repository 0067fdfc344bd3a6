"""The stages of newsflow, declared once each, in flow order.

Each stage is plain synchronous Python (no Kafka) in its own module or package under
`newsflow.agents`, exposing `make_stage(settings) -> Stage`. Everything else derives from
`STAGES`: the topology in `streams/topology.py`, the internal topics (`streams/topics.py`), the CLI's `--stages`,
the `stage` label of every metric and dead letter, and the README's stage table. Adding a
stage is one folder here and one line below.
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Iterable, Optional

from newsflow.agents.stage import Stage, StageError

if TYPE_CHECKING:
    from newsflow.streams.config import Settings


@dataclass(frozen=True)
class StageSpec:
    name: str  # --stages, the `stage` metric label, a dead letter's `stage`
    adds: str  # what it adds to the record: the README's stage table
    optional: bool = False  # left out of the default flow ("all"); selected by name in --stages
    ordered: bool = False  # keeps state across items: sees every item in input order, in one process

    @property
    def module(self) -> str:
        return f"newsflow.agents.{self.name}"

    def build(self, settings: "Settings") -> Stage:
        return import_module(self.module).make_stage(settings)


STAGES: tuple[StageSpec, ...] = (
    StageSpec("extract", "the article's text from HTML or text; title, dates, author"),
    StageSpec("language", "language and script of the article and of foreign spans"),
    StageSpec("segment", "paragraphs, sentences and tokens as offsets into the body"),
    StageSpec("entities", "named entities, entity groups, linked places"),
    StageSpec("stories", "story id, duplicates of earlier articles", optional=True, ordered=True),
)
STAGE_ORDER = tuple(s.name for s in STAGES)

__all__ = ["STAGES", "STAGE_ORDER", "Stage", "StageError", "StageSpec", "build_stages", "parse_stage_list"]


def parse_stage_list(spec: Optional[str]) -> list[str]:
    """'language,segment' -> in flow order; raises ValueError on unknown names. None or "all"
    is the default flow: every stage but the optional ones."""
    if not spec or spec == "all":
        return [s.name for s in STAGES if not s.optional]
    names = [s.strip() for s in spec.split(",") if s.strip()]
    unknown = sorted(set(names) - set(STAGE_ORDER))
    if unknown:
        raise ValueError(f"unknown stage(s) {', '.join(unknown)}; choose from {', '.join(STAGE_ORDER)}")
    return [s for s in STAGE_ORDER if s in names]


def build_stages(names: Iterable[str], settings: Optional["Settings"] = None) -> dict[str, Stage]:
    """Builds the requested stages; each stage's libraries are imported only when it is used."""
    from newsflow.streams.config import Settings

    settings = settings or Settings.from_env()
    wanted = set(names)
    return {s.name: s.build(settings) for s in STAGES if s.name in wanted}
