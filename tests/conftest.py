from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
DEMO_ITEMS = ROOT / "newsflow" / "demo_items.jsonl"
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
    return [l for l in DEMO_ITEMS.read_bytes().splitlines() if l.strip()]


def raw(**fields) -> bytes:
    return json.dumps(fields).encode()
