"""The one path in for every item: tag regions, find match keys, store, wake the sender.

Pages, admin posts and feeds all end here, so an item is treated the same whatever
its source: one transaction stores it, its regions and its outbox rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.news.items import Item
from bot.news.match import item_keys
from bot.news.regions import Gazetteer
from storage import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Stored:
    """What became of one item: the stored item (None for a duplicate) and alerts queued."""

    item: Item | None
    queued: int

    @property
    def duplicate(self) -> bool:
        return self.item is None


class Intake:
    def __init__(
        self, store: Store, gazetteer: Gazetteer, on_queued: Callable[[], None] | None = None
    ) -> None:
        self.store = store
        self.gazetteer = gazetteer
        self.on_queued = on_queued or (lambda: None)
        # Called after any new item is stored (the reply cache listens).
        self.on_stored: Callable[[], None] = lambda: None
        # Called for each new item (the metrics count them by source).
        self.on_new_item: Callable[[Item], None] = lambda item: None

    async def add(self, item: Item) -> Stored:
        return (await self.add_many([item]))[0]

    async def add_many(self, items: Sequence[Item]) -> list[Stored]:
        """Store items in one transaction; duplicates are skipped, not errors."""
        entries = []
        for item in items:
            places = self.gazetteer.find(item.text)
            regions = sorted({place.country for place in places})
            entries.append((item, regions, item_keys(item, places, self.store.followed)))
        results = [Stored(item, queued) for item, queued in await self.store.add_items(entries)]
        for result in results:
            if result.item is not None:
                self.on_new_item(result.item)
        if any(r.item is not None for r in results):
            self.on_stored()
        if any(r.queued for r in results):
            self.on_queued()
        return results
