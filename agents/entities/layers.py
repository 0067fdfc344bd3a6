"""The rule layers around the English model, in the order they run, and the setting that picks them."""
from __future__ import annotations

from typing import Optional

# What each layer does: README.md. "none" runs the bare model (links, groups and confidence
# are still computed).
LAYERS = ("compounds", "cuts", "orgs", "titles", "repeats", "places", "aliases", "vote")
# Measured and left off by default (it lowered CoNLL valid F1): a PER mention that is exactly a
# country name becomes LOC, one that is a demonym becomes MISC.
OPTIONAL_LAYERS = ("kinds",)


def parse_entity_layers(value: Optional[str]) -> tuple[str, ...]:
    """The `entity_layers` setting: layer names, comma-separated, or "none"; empty for all."""
    if value is None or value.strip() == "":
        return LAYERS
    if value.strip() == "none":
        return ()
    wanted = {v.strip() for v in value.split(",")}
    known = LAYERS + OPTIONAL_LAYERS
    unknown = wanted - set(known)
    if unknown:
        raise ValueError(f"NEWSFLOW_ENTITY_LAYERS: unknown layer(s) {sorted(unknown)}; known: {known}")
    return tuple(l for l in known if l in wanted)
