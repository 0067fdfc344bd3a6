"""Writes the published JSON Schemas from the models: `python -m newsflow.schemas.generate`."""
from __future__ import annotations

import json
from pathlib import Path

import msgspec

from newsflow.schemas.enriched_article import EnrichedArticle
from newsflow.schemas.story_event import STORY_EVENT_SCHEMA, StoryEvent
from newsflow.schemas.models import (
    ARTICLE_SCHEMA,
    CONTENT_FIELDS,
    DEAD_LETTER_SCHEMA,
    RAW_ITEM_SCHEMA,
    DeadLetter,
    RawItem,
)

HERE = Path(__file__).parent
DRAFT = "https://json-schema.org/draft/2020-12/schema"
PUBLISHED = {
    "raw-item.schema.json": (RawItem, RAW_ITEM_SCHEMA),
    "enriched-article.schema.json": (EnrichedArticle, ARTICLE_SCHEMA),
    "dead-letter.schema.json": (DeadLetter, DEAD_LETTER_SCHEMA),
    "story-event.schema.json": (StoryEvent, STORY_EVENT_SCHEMA),
}


def _one_content_field(schema: dict) -> None:
    """A raw item needs some content: a non-null `html`, `html_b64` or `text`."""
    schema["anyOf"] = [{"required": [f], "properties": {f: {"type": "string"}}} for f in CONTENT_FIELDS]


def _every_field_required(schema: dict) -> None:
    """orjson writes every field of every record, nulls included: a consumer may rely on each key."""
    for obj in [schema, *schema.get("$defs", {}).values()]:
        obj["required"] = list(obj["properties"])
        for prop in obj["properties"].values():
            prop.pop("default", None)


def build(model: type, name: str) -> dict:
    schema = msgspec.json.schema(model)
    ref = schema.pop("$ref").rsplit("/", 1)[-1]
    out = {**schema["$defs"].pop(ref), "$schema": DRAFT, "$id": f"https://newsflow.dev/schemas/{name}.json"}
    out["title"] = name
    if schema["$defs"]:
        out["$defs"] = schema["$defs"]
    if "schema" in out["properties"]:
        out["properties"]["schema"] = {"const": name}
    if model is RawItem:
        _one_content_field(out)
    if model in (EnrichedArticle, StoryEvent):
        _every_field_required(out)
    return out


def render(model: type, name: str) -> str:
    return json.dumps(build(model, name), indent=2, sort_keys=True) + "\n"


def main() -> None:
    for filename, (model, name) in PUBLISHED.items():
        (HERE / filename).write_text(render(model, name), encoding="utf-8")
        print(f"wrote schemas/{filename}")


if __name__ == "__main__":
    main()
