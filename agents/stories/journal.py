"""An ordered dict that remembers which keys changed, so the state can be written as a changelog.

The stories state is a few ordered dicts (articles' marks and fingerprints, stories) whose
values change only through a set, a move to the end or a delete; noting the key there is
enough to know which changelog entries a batch must rewrite or tombstone. Offline nothing
drains the notes, so they are kept only when recording.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Hashable, Optional


class Journal(OrderedDict):
    def __init__(self, recording: bool = False):
        super().__init__()
        self.changed: Optional[OrderedDict[Any, None]] = OrderedDict() if recording else None

    def _note(self, key: Hashable) -> None:
        if self.changed is not None:
            self.changed[key] = None
            self.changed.move_to_end(key)  # in the order of the dict's own last changes

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self._note(key)

    def __delitem__(self, key) -> None:
        super().__delitem__(key)
        self._note(key)

    def move_to_end(self, key, last: bool = True) -> None:
        super().move_to_end(key, last)
        self._note(key)

    def popitem(self, last: bool = True):
        key, value = super().popitem(last)
        self._note(key)
        return key, value

    def take(self) -> list:
        """The keys changed since the last call, oldest change first."""
        if self.changed is None:
            return []
        keys = list(self.changed)
        self.changed.clear()
        return keys
