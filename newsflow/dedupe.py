"""The consumer's side of "once": drop a record whose (id, content hash) was already seen.

For consumers that read without `read_committed`, or read a topic again. A changed hash for a
known id is the same item processed anew (after a fix and `newsflow replay`) and passes.
Memory is bounded: the oldest ids are forgotten first.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Optional, Sequence


def header(headers: Optional[Sequence[tuple[str, bytes]]], name: str) -> Optional[str]:
    for key, value in headers or ():
        if key == name:
            return value.decode()
    return None


class Deduplicator:
    def __init__(self, max_ids: int = 1_000_000):
        self.max_ids = max_ids
        self._hash_of: OrderedDict[str, str] = OrderedDict()

    def is_new(self, item_id: str, content_hash: str) -> bool:
        if self._hash_of.get(item_id) == content_hash:
            self._hash_of.move_to_end(item_id)
            return False
        self._hash_of[item_id] = content_hash
        self._hash_of.move_to_end(item_id)
        if len(self._hash_of) > self.max_ids:
            self._hash_of.popitem(last=False)
        return True

    def is_new_record(self, headers: Optional[Sequence[tuple[str, bytes]]]) -> bool:
        """For a Kafka record from newsflow: its `newsflow-id` and `content-hash` headers."""
        return self.is_new(header(headers, "newsflow-id") or "", header(headers, "content-hash") or "")
