"""The consumer recipe of the README: (id, content hash) seen once."""
from newsflow.dedupe import Deduplicator


def test_a_repeat_is_dropped_and_a_reprocessed_item_passes():
    d = Deduplicator()
    assert d.is_new("a", "h1") and d.is_new("b", "h1")
    assert not d.is_new("a", "h1")
    assert d.is_new("a", "h2")  # the same item with a new body: replaces the old one
    assert not d.is_new("a", "h2")


def test_headers_as_kafka_gives_them():
    d = Deduplicator()
    headers = [("newsflow-id", b"x#1"), ("parent-id", b"x"), ("content-hash", b"abc")]
    assert d.is_new_record(headers) and not d.is_new_record(headers)


def test_memory_is_bounded_oldest_first():
    d = Deduplicator(max_ids=2)
    d.is_new("a", "1"), d.is_new("b", "1"), d.is_new("c", "1")
    assert d.is_new("a", "1")  # forgotten: seen again as new
    assert not d.is_new("c", "1")
