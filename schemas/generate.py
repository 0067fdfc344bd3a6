"""Writes the published JSON Schemas from the models: `python -m newsflow.schemas.generate`."""
from __future__ import annotations

import json
from pathlib import Path

import msgspec

from newsflow.schemas.models import (
    ARTICLE_SCHEMA,
    DEAD_LETTER_SCHEMA,
    RAW_ITEM_SCHEMA,
    Article,
    DeadLetter,
    RawItem,
)

HERE = Path(__file__).parent
PUBLISHED = {
    "raw-item.schema.json": (RawItem, RAW_ITEM_SCHEMA),
    "enriched-article.schema.json": (Article, ARTICLE_SCHEMA),
    "dead-letter.schema.json": (DeadLetter, DEAD_LETTER_SCHEMA),
}


def build(model: type, name: str) -> dict:
    schema = msgspec.json.schema(model)
    ref = schema.pop("$ref").rsplit("/", 1)[-1]
    top = schema["$defs"].pop(ref)
    out = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://newsflow.dev/schemas/{name}.json",
        "title": name,
        **top,
    }
    if model is RawItem:
        out["anyOf"] = [
            {"required": ["html"], "properties": {"html": {"type": "string"}}},
            {"required": ["text"], "properties": {"text": {"type": "string"}}},
        ]
    if "schema" in out.get("properties", {}):
        out["properties"]["schema"] = {"const": name}
    if schema["$defs"]:
        out["$defs"] = schema["$defs"]
    return out


def render(model: type, name: str) -> str:
    return json.dumps(build(model, name), indent=2, sort_keys=True) + "\n"


def main() -> None:
    for filename, (model, name) in PUBLISHED.items():
        (HERE / filename).write_text(render(model, name), encoding="utf-8")
        print(f"wrote schemas/{filename}")


if __name__ == "__main__":
    main()
