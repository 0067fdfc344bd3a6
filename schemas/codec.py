"""Bytes <-> records. orjson on the wire; msgspec validates at the edges."""
from __future__ import annotations

from typing import Any, TypeVar

import msgspec
import orjson

T = TypeVar("T")


def encode(record: Any) -> bytes:
    return orjson.dumps(record)


def to_dict(record: Any) -> dict:
    return orjson.loads(orjson.dumps(record))


def convert(data: Any, type_: type[T]) -> T:
    """Validate a decoded JSON value into a model; raises msgspec.ValidationError."""
    return msgspec.convert(data, type_)


def decode(payload: bytes, type_: type[T]) -> T:
    return convert(orjson.loads(payload), type_)
