"""extract: a raw item -> the article(s) a reader would see (the stage: `articles`), and page
bytes in any encoding -> text (`decode_html`, from `charset`).

`agents.ingest` decodes `html_b64` with `decode_html` on every path, whichever stages run,
and the stage imports ingest back: so `extract` and `make_stage` (with lexbor and
trafilatura) load on first use, not with the package.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from newsflow.agents.extract.charset import decode_html

if TYPE_CHECKING:
    from newsflow.agents.extract.articles import extract, make_stage

__all__ = ["decode_html", "extract", "make_stage"]


def __getattr__(name: str):
    if name in ("extract", "make_stage"):
        from newsflow.agents.extract import articles

        return getattr(articles, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
