"""The stories state as a changelog, the way a Faust table keeps its own: key -> value entries
that the worker writes to a compacted topic in the transaction of the batch that changed them,
and reads back into a fresh tracker when it takes the input partition over.

Entries (keys are UTF-8, values orjson; a None value is a tombstone):

    clock              {"t": the stream clock}
    m:<article id>     its answer (`Marks`), while the window keeps it
    p:<article id>     the fingerprint of a first copy (content hash, shingle count, MinHash)
    s:<story id>       a live story (its vectors cut to their heaviest keys, languages, years named)
    w:<table>          a document-frequency table's article count: a (anchors), n (names),
    w:<table>:<key>    t.<lang> (words of a language); and one key's count in it

Only what a batch changed is written; expiry (cold stories, articles out of the window, counts
decayed to nothing) writes tombstones, so compaction keeps the topic as small as the state.
Entries of one kind are written in the order their dict last changed them, so the restored
dicts keep the order expiry walks.
"""
from __future__ import annotations

import base64
from typing import Any, Iterable, Iterator

import numpy as np
import orjson

from newsflow.agents.stage import Drained, Entry
from newsflow.agents.stories.clusters import Story, StoryIndex, StoryParams
from newsflow.agents.stories.fingerprint import Fingerprint
from newsflow.agents.stories.tracker import Marks, StoryTracker
from newsflow.agents.stories.weights import DocumentFrequencies

CLOCK = b"clock"
_SIG = np.dtype("<u8")  # the signature's bytes, the same on every machine


def _sets_as_lists(value: Any) -> Any:
    if isinstance(value, set):
        return sorted(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def _dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=_sets_as_lists)


def _tables(index: StoryIndex) -> Iterator[tuple[str, DocumentFrequencies]]:
    yield "a", index.df
    yield "n", index.names
    for lang, table in index.term_df.items():
        yield f"t.{lang}", table


def _table(index: StoryIndex, name: str) -> DocumentFrequencies:
    if name == "a":
        return index.df
    if name == "n":
        return index.names
    return index.term_df[name.removeprefix("t.")]


def _print_value(entry: tuple[Fingerprint, str, list]) -> bytes:
    fp, digest = entry[0], entry[1]
    sig = base64.b64encode(fp.sig.astype(_SIG).tobytes()).decode("ascii")
    return _dumps({"hash": digest, "size": fp.size, "sig": sig, "seen_at": fp.seen_at})


def changes(tracker: StoryTracker) -> list[Entry]:
    """The entries for what changed since the last call (the tracker must be recording)."""
    out: list[Entry] = []
    for prefix, journal, encode in ((b"m:", tracker.marks, _dumps), (b"p:", tracker.copies.prints, _print_value),
                                    (b"s:", tracker.stories.stories, _dumps)):
        for key in journal.take():
            value = journal.get(key)
            out.append((prefix + key.encode("utf-8"), None if value is None else encode(value)))
    for name, table in _tables(tracker.stories):
        counts = table.take()
        if counts is None:
            continue
        head = f"w:{name}".encode("utf-8")
        prefix = head + b":"
        # a count is an int, and b"%d" is its JSON: the bulk of a batch's entries, so no orjson call
        out += [(prefix + k.encode("utf-8"), None if n is None else b"%d" % n) for k, n in counts.items()]
        out.append((head, _dumps(table.clock)))
    if out:
        out.append((CLOCK, _dumps({"t": tracker.clock})))
    return out


def events(tracker: StoryTracker) -> list[tuple[bytes, bytes]]:
    """The events since the last call, keyed by story id."""
    out = [(e.story_id.encode("utf-8"), orjson.dumps(e)) for e in tracker.events or ()]
    if tracker.events:
        tracker.events.clear()
    return out


def _latest(entries: Iterable[Entry]) -> dict[bytes, bytes]:
    """What compaction would keep, in the order of each key's last write."""
    latest: dict[bytes, bytes] = {}
    for key, value in entries:
        latest.pop(key, None)
        if value is not None:
            latest[key] = value
    return latest


def load(tracker: StoryTracker, entries: Iterable[Entry]) -> None:
    """Fills an empty tracker with the changelog's state."""
    for key, raw in _latest(entries).items():
        value = orjson.loads(raw)
        kind, _, rest = key.decode("utf-8").partition(":")
        if key == CLOCK:
            tracker.clock = value["t"]
        elif kind == "m":
            tracker.marks[rest] = Marks(**value)
        elif kind == "p":
            sig = np.frombuffer(base64.b64decode(value["sig"]), dtype=_SIG).astype(np.uint64)
            tracker.copies.remember(Fingerprint(rest, value["size"], sig, value["seen_at"]), value["hash"])
        elif kind == "s":
            tracker.stories.restore(Story(**{**value, "langs": set(value["langs"])}))
        elif kind == "w":
            name, colon, word = rest.partition(":")
            table = _table(tracker.stories, name)
            if colon:
                table.df[word] = value
            else:
                table.clock = tuple(value)


class StoryState:
    """The stories stage's `StageState`: a tracker that records its changes once restored."""

    def __init__(self, params: StoryParams, duplicate_threshold: float = 0.8):
        self.params, self.duplicate_threshold = params, duplicate_threshold
        self.tracker = StoryTracker(params, duplicate_threshold)  # offline: nothing recorded

    def restore(self, entries: Iterable[Entry]) -> None:
        tracker = StoryTracker(self.params, self.duplicate_threshold, recording=True)
        load(tracker, entries)
        changes(tracker)  # loading is not a change
        self.tracker = tracker

    def drain(self) -> Drained:
        return Drained(changes(self.tracker), events(self.tracker))

    def forget(self) -> None:
        self.tracker = StoryTracker(self.params, self.duplicate_threshold)
