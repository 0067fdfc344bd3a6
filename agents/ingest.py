"""Raw bytes from a crawler -> a validated Article skeleton, or a coded StageError.

This is the only place that sees untrusted bytes, so every way they can be wrong has a
reason code of its own (operators alert on them per source).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import re
import time
import unicodedata
from typing import Optional

import msgspec
import orjson

from newsflow.agents.extract import decode_html
from newsflow.agents.stage import StageError
from newsflow.schemas import Article, Processing, RawItem
from newsflow.schemas.codec import convert

DEFAULT_MAX_ITEM_BYTES = 8 * 1024 * 1024


def normalise_text(text: str) -> str:
    """The only changes plain text ever gets, so offsets can be checked against the input."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n"))


def derive_id(item: RawItem) -> str:
    """Stable across re-deliveries and re-crawls: from the URL, else from the content."""
    if item.url:
        return "url:" + hashlib.sha1(item.url.strip().encode("utf-8")).hexdigest()[:20]
    content = item.text if item.text is not None else (item.html or "")
    return "sha1:" + hashlib.sha1(content.encode("utf-8")).hexdigest()[:20]


# Finds the id in a truncated or malformed JSON object, so even its dead letter is traceable.
_ID_FIELD = re.compile(rb'"id"\s*:\s*"((?:[^"\\]|\\.){1,512})"')


def peek_id(payload: bytes) -> Optional[str]:
    """Best-effort id for the dead letter (and Kafka key) of an item that failed validation."""
    try:
        data = orjson.loads(payload)
    except orjson.JSONDecodeError:
        m = _ID_FIELD.search(payload[:4096])
        return m.group(1).decode("utf-8", errors="replace") if m else None
    value = data.get("id") if isinstance(data, dict) else None
    return str(value) if isinstance(value, (str, int)) else None


def parse_raw(payload: bytes, *, max_bytes: int = DEFAULT_MAX_ITEM_BYTES) -> RawItem:
    if len(payload) > max_bytes:
        raise StageError("too-large", f"item is {len(payload)} bytes; the limit is {max_bytes}")
    if not payload.strip():
        raise StageError("empty-payload", "message has no content")
    try:
        payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise StageError("invalid-encoding", f"not UTF-8 JSON: {exc}") from None
    try:
        data = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise StageError("invalid-json", f"malformed JSON: {exc}") from None
    if not isinstance(data, dict):
        raise StageError("not-an-object", f"expected a JSON object, got {type(data).__name__}")
    try:
        item = convert(data, RawItem)
    except msgspec.ValidationError as exc:
        raise StageError("invalid-field", str(exc)) from None
    if item.html_b64 is not None and item.html is None:
        item.html = _decode_html_b64(item.html_b64, item.charset)
    if item.html is None and item.text is None:
        raise StageError("missing-content", "item has neither `html`, `html_b64` nor `text`")
    return item


def _decode_html_b64(value: str, charset: Optional[str]) -> str:
    """Page bytes sent base64: decoded with the declared charset, the page's own, or a sniffed one."""
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise StageError("invalid-field", f"`html_b64` is not valid base64: {exc}") from None
    text, _ = decode_html(data, charset)
    return text


def to_article(item: RawItem, body: Optional[str] = None) -> Article:
    """The Article skeleton; `body` defaults to the normalised `text` (the no-extract path)."""
    if body is None:
        body = normalise_text(item.text) if item.text is not None else ""
    return Article(
        id=item.id or derive_id(item),
        body=body,
        url=item.url,
        source=item.source,
        title=item.title,
        published_at=item.published_at,
        fetched_at=item.fetched_at,
        lang_hint=item.lang_hint,
        meta=item.meta,
        processing=Processing(received_at=time.time()),
    )
