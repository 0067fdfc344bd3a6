import json
import subprocess
import sys

import jsonschema
import pytest

from newsflow.schemas.generate import PUBLISHED, render
from tests.conftest import ROOT

SCHEMAS = {name: json.loads((ROOT / "schemas" / f).read_text()) for f, (_, name) in PUBLISHED.items()}


@pytest.mark.parametrize("filename", sorted(PUBLISHED))
def test_published_schema_is_generated_from_the_models(filename):
    model, name = PUBLISHED[filename]
    assert (ROOT / "schemas" / filename).read_text() == render(model, name), "run: python -m newsflow.schemas.generate"


def validate(record: dict) -> None:
    jsonschema.validate(record, SCHEMAS[record["schema"]])


def test_demo_items_are_valid_raw_items_except_the_broken_one(demo_items):
    ok = 0
    for line in demo_items:
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            continue
        jsonschema.validate(item, SCHEMAS["newsflow.raw-item/1"])
        ok += 1
    assert ok == len(demo_items) - 1


def test_raw_item_needs_html_or_text():
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"id": "x", "url": "u"}, SCHEMAS["newsflow.raw-item/1"])


def test_every_record_enrich_writes_validates(tmp_path):
    """Runs the real CLI over the demo items: every output line and dead letter validates."""
    dead = tmp_path / "dead.jsonl"
    out = subprocess.run(
        [sys.executable, "-m", "newsflow.cli", "enrich", str(ROOT / "newsflow" / "demo_items.jsonl"),
         "--dead-letters", str(dead)],
        capture_output=True, check=True, cwd=ROOT,
    )
    articles = [json.loads(l) for l in out.stdout.splitlines()]
    letters = [json.loads(l) for l in dead.read_bytes().splitlines()]
    # 5 good items; the wire sample is five stories run together, split into <id>#1..#5.
    assert len({a["id"].split("#")[0] for a in articles}) == 5 and len(articles) == 9
    assert len(letters) == 1
    for record in articles + letters:
        validate(record)
