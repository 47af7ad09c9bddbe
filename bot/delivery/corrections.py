"""Corrections and retractions of what is already on phones: edits and deletes in the background.

A corrected item's alerts are edited to the new text; a retracted item's alerts are
deleted where Telegram still allows it (48 hours).  A combined alert or an overview is
rendered again whole from the store (`bundles` records its kind, moment and part): a
correction shows the new text, a retracted item drops out, and a message left with
nothing is deleted.  Every edit and delete goes through the gateway, paced by the rate
limiter like an alert, a few at a time.

Another process (PostgreSQL, webhook mode) may correct or retract an item while this
one sends: that process edits or deletes what it found recorded, and this one edits or
deletes what it sent in the last minute (:data:`CATCH_UP`), which the other could not
have seen yet.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.delivery.compose import UNKNOWN_LABEL, Composer
from bot.delivery.inflight import InFlight
from bot.delivery.outcomes import OutcomeLog
from bot.delivery.telegram import Gateway
from bot.news.items import Item
from bot.news.telegram_limits import DELETE_WINDOW
from storage import SentAlert, Store

log = logging.getLogger(__name__)

CONCURRENCY = 32  # edits or deletes of one correction/retraction on their way at once
# A change made by another process: this one edits or deletes what it sent in the last
# minute (what that process, reading the outbox at its change, may not have seen).
CATCH_UP = 60.0


async def gather_bounded(
    rows: Sequence[SentAlert], work: Callable[[SentAlert], Awaitable[int]]
) -> int:
    """Run `work` for every row, a few at a time (the rate limiter paces them); sum results.

    One at a time, each would wait a whole round trip: a fraction of what Telegram allows.
    """
    pending = iter(rows)
    total = 0

    async def worker() -> None:
        nonlocal total
        for row in pending:
            total += await work(row)

    await asyncio.gather(*(worker() for _ in range(min(CONCURRENCY, len(rows)))))
    return total


class Corrections:
    """Edits and deletes of sent alerts, each a task of its own."""

    def __init__(
        self,
        store: Store,
        gateway: Gateway,
        composer: Composer,
        inflight: InFlight,
        outcomes: OutcomeLog,
    ) -> None:
        self.store = store
        self.gateway = gateway
        self.composer = composer
        self.inflight = inflight
        self.outcomes = outcomes
        self.tasks: set[asyncio.Task[int]] = set()

    def background(self, work: Coroutine[Any, Any, int], name: str) -> asyncio.Task[int]:
        task: asyncio.Task[int] = asyncio.create_task(work, name=name)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def revise(self, item_id: int, since: float = 0.0) -> asyncio.Task[int]:
        """Edit every alert already sent for a corrected item."""
        return self.background(self._revise(item_id, since), f"revise-{item_id}")

    def retract(self, item_id: int, since: float = 0.0) -> asyncio.Task[int]:
        """Delete the alerts sent for a retracted item, where Telegram still allows it."""
        return self.background(self._retract(item_id, since), f"retract-{item_id}")

    def catch_up(self, item_id: int, retracted: bool) -> asyncio.Task[int]:
        """Another process changed the item: edit or delete what went out in the last
        minute, once the sends of the old text on their way have answered."""
        since = time.time() - CATCH_UP
        return self.background(self._catch_up(item_id, retracted, since), f"catch-up-{item_id}")

    def sent_retracted(self, chat_id: int, message_id: int, bundled: bool) -> None:
        """A message went out carrying an item retracted meanwhile: take it off now."""
        if bundled:
            self.background(self._refresh_after_flush(chat_id, message_id), "refresh")
        else:
            self.background(self._delete(chat_id, message_id), "delete-late")

    async def _catch_up(self, item_id: int, retracted: bool, since: float) -> int:
        await self.inflight.settle(item_id)
        await self.outcomes.flush()
        if retracted:
            return await self._retract(item_id, since)
        return await self._revise(item_id, since)

    async def _revise(self, item_id: int, since: float) -> int:
        item = await self.store.item(item_id)
        if item is None:
            return 0

        async def edit(row: SentAlert) -> int:
            return await self._revise_sent(item, row)

        return await gather_bounded(await self.store.sent_alerts(item_id, since=since), edit)

    async def _revise_sent(self, item: Item, row: SentAlert) -> int:
        refreshed = await self._refresh_message(row.chat_id, row.message_id)
        if refreshed is not None:  # a combined alert or an overview: rendered whole
            return refreshed
        outgoing = self.composer.edited_alert(
            row.chat_id, item, row.key, row.label, datetime.now(UTC)
        )
        return int((await self.gateway.edit(row.message_id, outgoing)).ok)

    async def _retract(self, item_id: int, since: float) -> int:
        since = max(since, time.time() - DELETE_WINDOW)
        rows = await self.store.sent_alerts(item_id, since=since)
        return await gather_bounded(rows, self._retract_sent)

    async def _retract_sent(self, row: SentAlert) -> int:
        """A retracted item's alert: out of its combined message, else deleted."""
        refreshed = await self._refresh_message(row.chat_id, row.message_id)
        if refreshed is not None:
            return refreshed
        return await self._delete(row.chat_id, row.message_id)

    async def _delete(self, chat_id: int, message_id: int) -> int:
        return int((await self.gateway.delete(chat_id, message_id)).ok)

    async def _refresh_message(self, chat_id: int, message_id: int) -> int | None:
        """Render a combined message or overview again from the store (None: not one).

        Returns 1 when Telegram took the edit or delete.
        """
        bundle = await self.store.bundle(chat_id, message_id)
        if bundle is None:
            return None
        entries = []
        for row in await self.store.message_items(chat_id, message_id):
            item = await self.store.item(row.item_id, live=True)
            if item is not None:
                entries.append((item, row.key, row.label or UNKNOWN_LABEL))
        if not entries:
            return await self._delete(chat_id, message_id)
        outgoing = self.composer.edited_bundle(
            chat_id, bundle.kind, bundle.at, bundle.part, entries, datetime.now(UTC)
        )
        return int((await self.gateway.edit(message_id, outgoing)).ok)

    async def _refresh_after_flush(self, chat_id: int, message_id: int) -> int:
        await self.outcomes.flush()  # the rows this message carries must be on record first
        return await self._refresh_message(chat_id, message_id) or 0
