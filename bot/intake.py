"""The one path for every change to an item: add, correct, retract.

Pages, admin posts and feeds all end in :meth:`Intake.add_many`, so an item is treated
the same whatever its source: one transaction stores it, its regions and its outbox
rows.  Corrections and retractions come through here too (:meth:`Intake.correct`,
:meth:`Intake.retract`; a feed entry that changed under the same guid is corrected by
:meth:`Intake.revise`, the step /corrigeer ends in), so the steps around the store
(re-tag, tell the sender, clear what was rendered from the old text) happen in one place
and in one order.

That order matters because the sender may be in the middle of the item's fan-out:
- a correction is stored first; the sender then reads the new text for every alert
  not yet sent, waits for the sends of the old text already on their way, and edits
  every alert that went out with the old text;
- a retraction first stops the sender from starting any alert of the item, waits for
  the ones on their way, and only then drops the pending rows and counts: the reply
  the admin gets is true, and every alert that reached a phone is deleted.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.news.items import Item
from bot.news.match import item_keys, store_keys
from bot.news.parse import parse_article, parse_brief
from bot.news.regions import Gazetteer
from bot.news.telegram_limits import DELETE_WINDOW
from storage import NewItem, Store

log = logging.getLogger(__name__)

class AlertSender(Protocol):
    """What the intake needs from the sender (bot.delivery.sender.Sender); the intake
    never imports the delivery pipeline."""

    def wake(self) -> None: ...
    def block_item(self, item_id: int) -> None: ...
    async def settle_item(self, item_id: int) -> None: ...
    def revise(self, item_id: int) -> object: ...
    def retract(self, item_id: int) -> object: ...


@dataclass(frozen=True)
class Stored:
    """What became of one item: the stored item (None for a duplicate) and alerts queued."""

    item: Item | None
    queued: int

    @property
    def duplicate(self) -> bool:
        return self.item is None


@dataclass(frozen=True)
class Corrected:
    """A correction: the item as it now reads (None: another item has that text) and
    how many alerts already on phones will be edited."""

    item: Item | None
    edits: int


@dataclass(frozen=True)
class Retracted:
    """A retraction: alerts never sent, and alerts sent that will be deleted."""

    not_sent: int
    to_delete: int


class Intake:
    """Stores, corrects and retracts items; everything it tells others is given to it."""

    def __init__(
        self,
        store: Store,
        gazetteer: Gazetteer,
        *,
        sender: AlertSender | None = None,
        on_queued: Callable[[], None] | None = None,
        on_changed: Callable[[], None] | None = None,
        on_new_item: Callable[[Item], None] | None = None,
    ) -> None:
        self.store = store
        self.gazetteer = gazetteer
        # The running sender, if this process sends (the CLI's import does not).
        self.sender = sender
        # Called when alerts were queued (the sender looks at the outbox at once).
        self.on_queued = on_queued or (lambda: None)
        # Called after any item is stored, corrected or retracted (the reply cache listens).
        self.on_changed = on_changed or (lambda: None)
        # Called for each new item (the metrics count them by source).
        self.on_new_item = on_new_item or (lambda item: None)

    def keys(self, item: Item) -> list[str]:
        """The subscription keys the item matches (of those some chat follows)."""
        return item_keys(item, self.gazetteer.find(item.text), self.store.followed)

    async def add(self, item: Item) -> Stored:
        return (await self.add_many([item]))[0]

    async def add_many(self, items: Sequence[Item]) -> list[Stored]:
        """Store items in one transaction; duplicates are skipped, not errors."""
        entries = []
        for item in items:
            places = self.gazetteer.find(item.text)
            regions = sorted({place.country for place in places})
            keys, search = store_keys(item, places, self.store.followed)
            entries.append(NewItem(item, regions, keys, search))
        results = [Stored(item, queued) for item, queued in await self.store.add_items(entries)]
        for result in results:
            if result.item is not None:
                self.on_new_item(result.item)
        if any(r.item is not None for r in results):
            self.on_changed()
        if any(r.queued for r in results):
            self.on_queued()
        return results

    async def correct(self, old: Item, text: str, now: datetime) -> Corrected:
        """Give a stored item new text (raises ParseError for text that does not read).

        A correction without a wire header keeps the original dateline and agencies.
        """
        assert old.id is not None
        if old.kind == "article":
            new = parse_article(text, now=now, lead=old.lead)
        else:
            new = parse_brief(text, now=now)
        return await self.revise(old, new)

    async def revise(self, old: Item, new: Item) -> Corrected:
        """Give a stored item the text of `new` (a correction's, or a feed entry's that
        changed under the same guid): the same steps whatever asked for it.

        A new version without a title or wire header keeps the old one's.
        """
        assert old.id is not None
        fixed = old.with_(
            title=new.title or old.title,
            paragraphs=new.paragraphs,
            headings=new.headings,
            dateline=new.dateline or old.dateline,
            agencies=new.agencies or old.agencies,
        )
        if not await self.store.correct_item(fixed, self.gazetteer.regions(fixed.text)):
            return Corrected(None, 0)
        # As stored: with the moment of the correction readers will see.
        fixed = await self.store.item(old.id) or fixed
        self.on_changed()
        if self.sender is not None:
            await self.sender.settle_item(old.id)
        edits = len(await self.store.sent_alerts(old.id))
        if self.sender is not None:
            self.sender.revise(old.id)
        return Corrected(fixed, edits)

    async def retract(self, item: Item) -> Retracted:
        """Take an item back: no alert of it goes out any more, sent ones are deleted."""
        assert item.id is not None
        if self.sender is not None:
            self.sender.block_item(item.id)
            await self.sender.settle_item(item.id)
        not_sent = await self.store.retract_item(item.id)
        self.on_changed()
        to_delete = len(await self.store.sent_alerts(item.id, since=time.time() - DELETE_WINDOW))
        if self.sender is not None:
            self.sender.retract(item.id)
        return Retracted(not_sent, to_delete)
