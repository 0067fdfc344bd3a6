"""Human-readable views of output records, for `tail --pretty` and the demo."""
from __future__ import annotations

import base64
import textwrap
from collections import defaultdict

from newsflow.schemas import DEAD_LETTER_SCHEMA


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def article(a: dict, *, sentences: int = 3) -> str:
    body = a.get("body", "")
    lang = a.get("language") or {}
    lines = [
        f"━━ {a.get('id')}",
        f"   title:     {_clip(a.get('title') or '(none)', 90)}",
        f"   published: {a.get('published_at') or '(unknown)'}   source: {a.get('source') or '-'}",
        f"   language:  {lang.get('code', '?')} ({lang.get('confidence', 0):.2f})   "
        f"paragraphs: {len(a.get('paragraphs', []))}   sentences: {len(a.get('sentences', []))}   "
        f"body: {len(body)} chars",
    ]
    for i, s in enumerate(a.get("sentences", [])[:sentences], 1):
        lines.append(f"   s{i}: {_clip(body[s['start']:s['end']], 100)}")
    groups: dict[str, dict[str, int]] = defaultdict(dict)
    for e in a.get("entities", []):
        groups[e["label"]][e["text"]] = groups[e["label"]].get(e["text"], 0) + 1
    for label in sorted(groups):
        names = ", ".join(f"{t}×{n}" if n > 1 else t for t, n in sorted(groups[label].items(), key=lambda x: -x[1]))
        lines.append(textwrap.fill(names, 100, initial_indent=f"   {label:<4} ", subsequent_indent=" " * 8))
    notes = (a.get("processing") or {}).get("notes") or []
    for note in notes:
        lines.append(f"   note: {note}")
    ms = (a.get("processing") or {}).get("stage_ms") or {}
    if ms:
        lines.append("   ms:   " + "  ".join(f"{k} {v:.1f}" for k, v in ms.items()))
    return "\n".join(lines)


def dead_letter(d: dict) -> str:
    payload = d.get("payload_b64")
    preview = base64.b64decode(payload)[:80] if payload else repr(d.get("record"))[:80]
    where = f"{d.get('topic')}[{d.get('partition')}]@{d.get('offset')}"
    return "\n".join([
        f"✗✗ dead letter {d.get('id') or '(no id)'}  from {where}",
        f"   stage: {d.get('stage')}   reason: {d.get('reason')}",
        f"   error: {_clip(d.get('error', ''), 100)}",
        f"   input: {preview!r}",
    ])


def pretty(record: dict) -> str:
    return dead_letter(record) if record.get("schema") == DEAD_LETTER_SCHEMA else article(record)
