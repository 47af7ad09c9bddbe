"""Combining: a chat's waiting alerts go as one message, and overviews at set times.

When the dispatcher hands a chat its turn, it takes every pending alert of that chat
(:func:`with_backlogs`, one query per dispatch round), not just the row it read: a
chat that gathered several alerts (a busy hour, an outage, a page import, a fan-out
that took minutes at 30/s) gets one message that holds them all, newest first, with
"en N meer: /laatste <onderwerp>" for what does not fit and one unfollow button per
subscription (at most four).  A single pending alert still goes as today.  A chat
whose overview is due (`Delivery.overview_at`, set by `bot.delivery.schedule`) gets
its released alerts as the overview: a heading with the time, grouped by what it
follows, at most three messages, silent when that time is in its quiet hours.

Every row a message carries is recorded `sent` with that message's id, and the message
itself in `bundles` (kind, overview moment, part), so a correction re-renders the
message in place and a retraction removes its item from it, or deletes the message
when it was the only one left.

These are the :class:`Combining` methods of the sender (a mixin, kept apart so that the
sender's own code and this can change without stepping on each other): they use its
rate limiter, its item cache and its bookkeeping of requests in flight, so corrections,
retractions and /stop race a combined send exactly as they race a single alert.

Measured (bench/bench_combining.py, README): 3,000 chats x 5 subscriptions, 50 briefs
over 60 s each matching ~600 chats: see the README's table for messages sent and the
time until the last reader has seen every item.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.delivery.ratelimit import ALERT, Ticket
from bot.news.buttons import unfollow_alert
from bot.news.items import Item
from bot.news.match import ALL_KEY
from bot.news.overview import overview_minute
from bot.news.quiet import in_quiet_hours
from bot.news.render import render_combined, render_overview, render_overview_message
from storage import SentAlert, Store
from storage.outbox import (
    Bundled,
    ChatGone,
    ChatMoved,
    Count,
    Delivery,
    DeliveryId,
    Failed,
    Outcome,
    OverviewSent,
    Retry,
    Sent,
)

if TYPE_CHECKING:
    from bot.delivery.sender import Sender

log = logging.getLogger(__name__)

MAX_BUNDLE = 500  # rows one message may carry (shown, or counted in "en N meer")
MAX_BUTTONS = 4  # unfollow buttons under a combined message

# (delivery, item, subscription key, label) for an alert that is still to go.
Entry = tuple[Delivery, Item, str, str]


def bundle_ids(delivery: Delivery) -> list[DeliveryId]:
    """The outbox rows one dispatched delivery stands for (itself and what it carries)."""
    return [delivery.id, *(other.id for other in delivery.others)]


async def with_backlogs(
    store: Store, rows: Sequence[Delivery], busy: set[DeliveryId], now: float
) -> list[Delivery]:
    """One delivery per chat in `rows`, carrying the chat's other pending alerts.

    `rows` is what the dispatcher read (newest items first); the chats keep that order.
    Rows already in flight (`busy`) are left out.  A forum's topics are apart: one
    message holds one (chat, thread)'s alerts, and goes to that topic.  The newsroom's
    channel (ALL_KEY) is never combined: each item is its own post there, so a
    correction edits and a retraction deletes just that post.
    """
    posts = [d for d in rows if d.key == ALL_KEY and d.id not in busy]
    rows = [d for d in rows if d.key != ALL_KEY]
    places = list(dict.fromkeys((d.chat_id, d.thread_id) for d in rows if d.id not in busy))
    if not places:
        return posts
    chats = list(dict.fromkeys(chat_id for chat_id, _ in places))
    backlog: dict[tuple[int, int], list[Delivery]] = {}
    for delivery in await store.pending_for_chats(chats, now):
        if delivery.id not in busy:
            backlog.setdefault((delivery.chat_id, delivery.thread_id), []).append(delivery)
    for delivery in rows:  # read a moment ago, gone from the second read: keep what we had
        place = (delivery.chat_id, delivery.thread_id)
        if delivery.id not in busy and place not in backlog:
            backlog[place] = [delivery]
    leads = []
    for place in places:
        group = backlog[place][:MAX_BUNDLE]
        leads.append(replace(group[0], others=tuple(group[1:])))
    return posts + leads


def unfollow_markup(entries: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup | None:
    """One "Ontvolg X" per subscription that caused the message (most alerts first)."""
    counts: dict[str, int] = {}
    labels: dict[str, str] = {}
    for key, label in entries:
        counts[key] = counts.get(key, 0) + 1
        labels.setdefault(key, label)
    keys = sorted(counts, key=lambda k: -counts[k])[:MAX_BUTTONS]
    if not keys:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(f"Ontvolg {labels[k]}"[:64], callback_data=unfollow_alert(k))]
         for k in keys]
    )


def _groups(entries: Sequence[tuple[Item, str]]) -> list[tuple[str, list[Item]]]:
    grouped: dict[str, list[Item]] = {}
    for item, label in entries:
        grouped.setdefault(label, []).append(item)
    return list(grouped.items())


class Combining:
    """The sender's methods for messages that carry several alerts (mixed into Sender)."""

    # -- sending ---------------------------------------------------------------------

    async def _deliver_bundle(
        self: Sender, lead: Delivery, ticket: Ticket, read_at: float
    ) -> list[Outcome]:
        """Send a chat's waiting alerts as one message, or its overview (permits held)."""
        deliveries = [replace(lead, others=()), *lead.others]
        chat_id, overview_at = lead.chat_id, lead.overview_at
        outcomes: list[Outcome] = []
        live: list[Entry] = []
        for delivery in deliveries:
            item = await self._item(delivery.item_id)
            if item is None or delivery.item_id in self._retracted:
                outcomes.append(Failed(delivery.id, "bericht ingetrokken", status="dropped"))
                continue
            if self._expired(item):
                outcomes.append(Failed(delivery.id, self._expired_reason(), status="expired"))
                continue
            key, label = delivery.key, delivery.label
            if label is None:
                key, label = await self._still_followed(delivery, item)
                if label is None:
                    outcomes.append(Failed(delivery.id, "niet meer gevolgd", status="dropped"))
                    continue
            live.append((delivery, item, key, label))
        # The awaits above gave a /stop or a retraction their chance: the last look.
        if self._chat_stopped(chat_id, read_at):
            self.limiter.done(ticket, sent=False)
            return [Failed(d.id, "gesprek gestopt", status="dropped") for d in deliveries]
        for entry in [e for e in live if e[0].item_id in self._retracted]:
            live.remove(entry)
            outcomes.append(Failed(entry[0].id, "bericht ingetrokken", status="dropped"))
        if not live:
            self.limiter.done(ticket, sent=False)
            done = [OverviewSent(chat_id, overview_at)] if overview_at is not None else []
            return outcomes + done
        with self._tracking(chat_id, [e[0].item_id for e in live]):
            if overview_at is None and len(live) == 1:
                delivery, item, key, label = live[0]
                # Reading the items took time after the permit: its clock starts at the send.
                ticket.sent_at = self.limiter.clock()
                return outcomes + await self._send(delivery, ticket, item, key, label)
            return outcomes + await self._send_bundle(lead, live, ticket)

    @contextlib.contextmanager
    def _tracking(self: Sender, chat_id: int, item_ids: Sequence[int]) -> Iterator[None]:
        """Count these sends as in flight, so a correction or retraction waits for them."""
        requests = [object() for _ in item_ids]
        for request, item_id in zip(requests, item_ids, strict=True):
            self._requests[request] = (item_id, chat_id, self._versions.get(item_id, 0))
        try:
            yield
        finally:
            for request in requests:
                del self._requests[request]
            self._request_done.set()
            self._request_done = asyncio.Event()

    def _bundle_texts(
        self: Sender, lead: Delivery, live: Sequence[Entry], now: datetime
    ) -> tuple[list[tuple[str, list[Entry]]], bool]:
        """The messages to send, each with the alerts it carries; and whether silent."""
        tz = self.settings.tz
        by_item = {entry[1].id: entry for entry in live}
        if lead.overview_at is None:
            text = render_combined([(e[1], e[3]) for e in live], now=now, tz=tz)
            local = now.astimezone(tz)
            minute = local.hour * 60 + local.minute
            return [(text, list(live))], in_quiet_hours(lead.quiet_from, lead.quiet_until, minute)
        at = datetime.fromtimestamp(lead.overview_at, UTC)
        plans = render_overview(_groups([(e[1], e[3]) for e in live]), at=at, now=now, tz=tz)
        messages = []
        for part, plan in enumerate(plans):
            text = render_overview_message(plan, at=at, now=now, tz=tz, part=part)
            messages.append((text, [by_item[item.id] for _, items in plan for item in items]))
        silent = in_quiet_hours(lead.quiet_from, lead.quiet_until, overview_minute(at, tz))
        return messages, silent

    async def _send_bundle(
        self: Sender, lead: Delivery, live: Sequence[Entry], ticket: Ticket
    ) -> list[Outcome]:
        chat_id, overview_at = lead.chat_id, lead.overview_at
        kind = "combined" if overview_at is None else "overview"
        messages, silent = self._bundle_texts(lead, live, datetime.now(UTC))
        outcomes: list[Outcome] = []
        for part, (text, carried) in enumerate(messages):
            if part:  # an overview's next message waits for the chat's next turn
                ticket = await self.limiter.chat(chat_id, ALERT)
                if not await self.limiter.send_slot(ticket, ALERT, paid=self.paid):
                    return outcomes  # a reply took the turn: the rest stays pending
            # Reading and rendering took time after the permit was taken: the permit's
            # clock starts now, at the send (else it comes back early: a 429).
            ticket.sent_at = self.limiter.clock()
            try:
                message = await self.bot.do_api_request(  # type: ignore[call-arg]
                    "sendmessage",
                    api_kwargs={
                        "chat_id": chat_id,
                        "message_thread_id": lead.thread_id or None,  # a forum topic
                        "text": text,
                        "parse_mode": ParseMode.HTML,
                        "link_preview_options": {"is_disabled": True},
                        "reply_markup": unfollow_markup([(e[2], e[3]) for e in carried]),
                        "disable_notification": silent,
                        "allow_paid_broadcast": True if self.paid else None,
                    },
                    rate_limit_args="prelimited",
                )
            except TelegramError as exc:
                self.limiter.done(ticket)
                rest = [e[0] for _, entries in messages[part:] for e in entries]
                return outcomes + await self._bundle_failed(chat_id, rest, exc)
            self.limiter.done(ticket)
            self.gate.answered()
            self.sent += 1
            message_id, at = int(message["message_id"]), time.time()
            outcomes += [Sent(e[0].id, message_id, at) for e in carried]
            outcomes.append(
                Bundled(chat_id, message_id, kind, overview_at, part, silent, at)
            )
            for entry in carried:
                self.metrics.alert_sent(entry[1], paid=self.paid)
            if any(e[0].item_id in self._retracted for e in carried):
                # Retracted while this send was on its way: take the item out now.
                self._background(self._refresh_after_flush(chat_id, message_id), "refresh")
        if overview_at is not None:
            outcomes.append(OverviewSent(chat_id, overview_at))
        return outcomes

    async def _bundle_failed(
        self: Sender, chat_id: int, rest: Sequence[Delivery], exc: TelegramError
    ) -> list[Outcome]:
        """What a refused combined send means for every alert it was to carry."""
        if isinstance(exc, RetryAfter | Forbidden | ChatMigrated | BadRequest):
            self.gate.answered()  # Telegram answered, about this chat or this message
        if isinstance(exc, RetryAfter):
            from bot.delivery.sender import retry_seconds

            wait = retry_seconds(exc)
            flooded = self.limiter.flooded
            if self.limiter.rate_limited(chat_id, wait) and not flooded:
                log.warning("429s from several chats: every send waits %.0f s", wait)
            elif not flooded:
                log.warning("429 for chat %s: waiting %.0f s", chat_id, wait)
            self.rate_limited += 1
            until = time.time() + wait
            return [*(Retry(d.id, d.attempts, until, "429") for d in rest), Count("429")]
        if isinstance(exc, Forbidden) or (
            isinstance(exc, BadRequest) and "chat not found" in exc.message.lower()
        ):
            return [ChatGone(chat_id, exc.message),
                    *(Failed(d.id, exc.message, status="dropped") for d in rest)]
        if isinstance(exc, ChatMigrated):
            return [ChatMoved(chat_id, int(exc.new_chat_id))]
        if isinstance(exc, BadRequest):
            log.error("Telegram refused a combined alert for chat %s: %s", chat_id, exc.message)
            return [Failed(d.id, exc.message) for d in rest]
        assert isinstance(exc, NetworkError | TelegramError)
        return await self._transport_failed(chat_id, rest, exc)

    # -- corrections and retractions -------------------------------------------------

    async def _bundled_entries(
        self: Sender, chat_id: int, message_id: int
    ) -> list[tuple[Item, str, str]]:
        """The live items a message carries, as (item, key, label), read afresh."""
        entries = []
        for row in await self.store.message_items(chat_id, message_id):
            item = await self.store.item(row.item_id, live=True)
            if item is not None:
                entries.append((item, row.key, row.label or "een onderwerp"))
        return entries

    async def _refresh_message(self: Sender, chat_id: int, message_id: int) -> int | None:
        """Render a combined message or overview again from the store (None: not one).

        A correction shows its new text; a retracted item drops out; a message left
        with nothing is deleted.  Returns 1 when Telegram took the edit or delete.
        """
        bundle = await self.store.bundle(chat_id, message_id)
        if bundle is None:
            return None
        entries = await self._bundled_entries(chat_id, message_id)
        if not entries:
            return await self._delete(chat_id, message_id)
        now, tz = datetime.now(UTC), self.settings.tz
        pairs = [(item, label) for item, _, label in entries]
        if bundle.kind == "overview" and bundle.at is not None:
            at = datetime.fromtimestamp(bundle.at, UTC)
            [plan] = render_overview(_groups(pairs), at=at, now=now, tz=tz, max_messages=1)
            text = render_overview_message(plan, at=at, now=now, tz=tz, part=bundle.part)
        else:
            text = render_combined(pairs, now=now, tz=tz)
        try:
            await self.bot.edit_message_text(
                text,
                chat_id=chat_id,
                message_id=message_id,
                reply_markup=unfollow_markup([(key, label) for _, key, label in entries]),
                rate_limit_args="background",  # type: ignore[call-arg]
            )
        except TelegramError as exc:  # deleted by the reader, unchanged, chat gone, ...
            log.info("could not edit combined alert in chat %s: %s", chat_id, exc)
            return 0
        return 1

    async def _refresh_after_flush(self: Sender, chat_id: int, message_id: int) -> int:
        await self._flush()  # the rows this message carries must be on record first
        return await self._refresh_message(chat_id, message_id) or 0

    async def _retract_sent(self: Sender, row: SentAlert) -> int:
        """A retracted item's alert: out of its combined message, else deleted."""
        refreshed = await self._refresh_message(row.chat_id, row.message_id)
        if refreshed is not None:
            return refreshed
        return await self._delete(row.chat_id, row.message_id)
