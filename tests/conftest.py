from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"


def seed_text(name: str) -> str:
    return (FIXTURES / "seeds" / name).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def bbc_text() -> str:
    return seed_text("bbc_page_with_boilerplate.txt")


@pytest.fixture(scope="session")
def wire_text() -> str:
    return seed_text("wire_items_concatenated.txt")


@pytest.fixture(scope="session")
def demo_items() -> list[bytes]:
    return [l for l in (FIXTURES / "demo" / "items.jsonl").read_bytes().splitlines() if l.strip()]


def raw(**fields) -> bytes:
    return json.dumps(fields).encode()
