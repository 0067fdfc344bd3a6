"""The feed's `lang_hint`: its language part, and whether detection agreed with it."""
from __future__ import annotations

from typing import Optional

from newsflow.schemas import Language


def hint_code(hint: Optional[str]) -> Optional[str]:
    """The language part of a feed's `lang_hint` ("fr-CA", "en_GB" -> "fr", "en"); None if empty."""
    return (hint or "").replace("_", "-").split("-")[0].lower() or None


def hint_agrees(hint: Optional[str], lang: Optional[Language]) -> Optional[bool]:
    """Whether the crawler's `lang_hint` matches what we detected; None when there is
    nothing to compare (no hint, or no language in the text)."""
    if not hint or lang is None or lang.code == "und":
        return None
    return hint_code(hint) == lang.code
