"""Raw items from the command line's paths, for `publish` and `enrich` alike.

JSONL lines pass byte for byte (a malformed line is the stage's to dead-letter, with its
reason, not ours to hide); a .txt or .html file is one item, its id the path.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator, NamedTuple

import orjson

TEXT_SUFFIXES = {".txt": "text", ".text": "text", ".html": "html", ".htm": "html"}


class Input(NamedTuple):
    source: str  # file name, or "-" for stdin: a dead letter's `topic` in `newsflow enrich`
    position: int  # line number in a JSONL file, else 1: a dead letter's `offset`
    payload: bytes


class InputError(ValueError):
    """A path the user named that cannot be read: a one-line error, exit status 2."""


def _file_item(path: Path) -> bytes:
    field = TEXT_SUFFIXES[path.suffix.lower()]
    content = path.read_bytes().decode("utf-8", errors="replace")
    return orjson.dumps({"id": path.as_posix(), "source": "file", field: content})


def _lines(name: str, stream) -> Iterator[Input]:
    for number, line in enumerate(stream, start=1):
        line = line.rstrip(b"\r\n")
        if line.strip():
            yield Input(name, number, line)


def check_paths(paths: list[str]) -> None:
    """Fails before anything is processed or sent, so a typo costs nothing."""
    for name in paths:
        if name == "-":
            continue
        path = Path(name)
        if not path.exists():
            raise InputError(f"{name}: no such file or directory")
        if path.is_file() and path.suffix.lower() not in {".jsonl", *TEXT_SUFFIXES}:
            raise InputError(f"{name}: expected .jsonl, .txt or .html (or a directory of them)")


def iter_items(paths: list[str]) -> Iterator[Input]:
    """Items in order; '-' reads JSONL from stdin; a directory gives its files in name order."""
    check_paths(paths)
    for name in paths:
        if name == "-":
            yield from _lines("-", sys.stdin.buffer)
            continue
        path = Path(name)
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            suffix = f.suffix.lower()
            if suffix == ".jsonl":
                with f.open("rb") as fh:
                    yield from _lines(str(f), fh)
            elif suffix in TEXT_SUFFIXES:
                yield Input(str(f), 1, _file_item(f))
