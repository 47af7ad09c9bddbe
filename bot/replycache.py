"""Replies every reader gets alike (/laatste, /laatste 5, /zoek), kept a few seconds.

When news breaks, many readers ask for the same thing at once; rendering it once
spares the store and the renderer a hundred times over.  Whatever stores or changes
an item in this process clears the cache; an import by another process shows after
at most `ttl` seconds, and ages in the text ("16 minuten geleden") are at most that
much behind.
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from typing import Any


class ReplyCache:
    def __init__(self, ttl: float = 10.0) -> None:
        self.ttl = ttl
        self._entries: dict[Hashable, tuple[float, Any]] = {}

    def get(self, key: Hashable) -> Any:
        entry = self._entries.get(key)
        if entry is None or time.monotonic() - entry[0] > self.ttl:
            return None
        return entry[1]

    def put(self, key: Hashable, reply: Any) -> None:
        self._entries[key] = (time.monotonic(), reply)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()
