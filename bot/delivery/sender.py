"""The sender: turns pending outbox rows into Telegram messages, as fast as Telegram allows.

A dispatcher reads pending deliveries (newest items first), takes each chat's permits
without waiting (a busy chat is skipped this round, so one slow chat never holds up
the others) and hands the delivery to a pool of workers.  Workers wait for the global
permit, send, and report an outcome.

Delivery is at-least-once: a row stays `pending` until its outcome is written, so a
crash resends what was in flight (and only that).  Outcomes are written by group commit:
the flusher writes whatever is waiting as soon as its previous write is done, and a
worker sends again only once an earlier outcome is committed, so sends awaiting an
answer plus outcomes not yet written never exceed the workers (64): at most that many
duplicates after a kill -9 at any speed (226 with the former fixed 50 ms flush).

Telegram's own trouble is not the alert's: a 5xx, timeout or dropped connection goes to
the outage gate (bot/delivery/outage.py), which tells an outage (failures across chats,
or getMe unanswered) from a chat's own problem.  In an outage nothing is sent and no
delivery spends an attempt; only a chat's own failures back off per delivery, bounded
(`Timings`).  Alerts older than NEWSBOT_ALERT_MAX_AGE are not sent: they end `expired`.

Changes race the sends, and the change must win.  A worker looks at its delivery again
after waiting for its permit, just before the request: a retracted item, a stopped or
blocked chat, a subscription given up since are dropped there.  The item's text is
read then too, so a correction reaches every alert not yet sent.  What was already in
flight at the change is waited for (`settle_item`, `chat_paused`) and its outcome
written; only then does the change go on, so a retraction deletes what those sends
put on phones, a correction edits it, and /stop answers after the last alert landed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import warnings
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from bot.delivery.combine import Combining, bundle_ids, with_backlogs
from bot.delivery.outage import OutageGate, Verdict
from bot.delivery.ratelimit import ALERT, REPLY, RateLimiter, Ticket
from bot.metrics import Metrics
from bot.news.buttons import share_query, unfollow_alert
from bot.news.items import Item
from bot.news.match import ALL_KEY
from bot.news.quiet import in_quiet_hours
from bot.news.render import render_alert
from bot.settings import Settings
from storage import SentAlert, Store, StoreUnavailable
from storage.outbox import (
    ChatGone,
    ChatMoved,
    Count,
    Delivery,
    DeliveryId,
    Failed,
    Outcome,
    Retry,
    Sent,
    TopicGone,
)

log = logging.getLogger(__name__)

# rate_limit_args the sender passes: it already holds the permits for this call.
PRELIMITED = "prelimited"
# rate_limit_args for background edits and deletes: wait like an alert, not a reply.
BACKGROUND = "background"

# Telegram lets a bot delete its messages for 48 hours (a minute's margin).
DELETE_WINDOW = 48 * 3600 - 60
IDLE_POLL = 1.0  # seconds between looks at an empty outbox
TEXT_FRESH = 1.0  # seconds one rendering of an alert serves its fan-out (ages are in minutes)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)  # as bot.app's Defaults
SETTLE_TIMEOUT = 60.0  # at most this long for sends in flight to answer (request timeouts)
# A change made by another process: this one edits or deletes what it sent in the last
# minute (what that process, reading the outbox at its change, may not have seen).
CATCH_UP = 60.0
STOPPED_MEMORY = 600.0  # seconds a /stop is remembered against deliveries read before it
# A chat's own failures (Telegram answers, but not for this chat): bounded attempts.
MAX_ATTEMPTS = 6
BACKOFF_BASE = 1.0  # seconds; doubles per attempt, with jitter
BACKOFF_CAP = 300.0


@dataclass(frozen=True)
class Timings:
    """The sender's waits; tests shorten them.  None: the module constant above."""

    retry_base: float | None = None
    retry_cap: float | None = None
    max_attempts: int | None = None
    probe_base: float = 1.0  # outage: first probe (getMe) after this, doubling...
    probe_cap: float = 30.0  # ... up to this
    expire_every: float = 60.0  # seconds between sweeps for alerts past NEWSBOT_ALERT_MAX_AGE

# Methods that put (or change) a message in a chat and so count against its limits.
_LIMITED_METHODS = frozenset(
    {"sendmessage", "editmessagetext", "deletemessage", "sendphoto", "copymessage",
     "forwardmessage", "editmessagereplymarkup"}
)


def alert_markup(item_id: int, key: str, label: str) -> InlineKeyboardMarkup:
    """The buttons under an alert: unfollow what matched it, share it in any chat.

    A post in the newsroom's channel (ALL_KEY) has only "Deel": its readers cannot
    unfollow what the channel follows.
    """
    share = [InlineKeyboardButton("Deel", switch_inline_query=share_query(item_id))]
    if key == ALL_KEY:
        return InlineKeyboardMarkup([share])
    unfollow = InlineKeyboardButton(f"Ontvolg {label}"[:64], callback_data=unfollow_alert(key))
    return InlineKeyboardMarkup([[unfollow], share])


def alert_reason(key: str, label: str) -> str | None:
    """The "Je volgt: ..." of an alert; None for the channel's posts, which have none."""
    return None if key == ALL_KEY else label


def retry_seconds(error: RetryAfter) -> float:
    """Telegram's retry_after in seconds (PTB 22 warns that its type will change)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramLimiter(BaseRateLimiter[str]):
    """PTB's hook into our RateLimiter, so replies to commands spend the same budget.

    A reply waits for its chat and the global permit ahead of queued alerts; a 429 on
    a reply pauses that chat (or, from several chats at once, every send) and tries
    again after ``retry_after``: a reader should still get an answer, and a 429 never
    drops a message.  ``max_retries`` None: no limit.
    """

    def __init__(self, limiter: RateLimiter, max_retries: int | None = None) -> None:
        self.limiter = limiter
        self.max_retries = max_retries
        self.rate_limited = 0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Any,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: str | None,
    ) -> Any:
        chat_id = data.get("chat_id")
        if (
            rate_limit_args == PRELIMITED
            or endpoint.lower() not in _LIMITED_METHODS
            or not isinstance(chat_id, int | str)
            or not str(chat_id).lstrip("-").isdigit()
        ):
            return await callback(*args, **kwargs)
        chat = int(chat_id)
        priority = ALERT if rate_limit_args == BACKGROUND else REPLY
        attempt = 0
        while True:
            ticket = await self.limiter.chat(chat, priority)
            try:
                await self.limiter.send_slot(ticket, priority)
            except BaseException:
                self.limiter.done(ticket, sent=False)
                raise
            try:
                result = await callback(*args, **kwargs)
            except RetryAfter as exc:
                self.limiter.done(ticket)
                self.limiter.rate_limited(chat, retry_seconds(exc))
                self.rate_limited += 1
                attempt += 1
                if self.max_retries is not None and attempt > self.max_retries:
                    raise
                continue
            except BaseException:
                self.limiter.done(ticket)
                raise
            self.limiter.done(ticket)
            return result


CHORE_CONCURRENCY = 32  # edits or deletes of one correction/retraction on their way at once


async def _for_each(rows: Sequence[Any], work: Callable[[Any], Any]) -> int:
    """Run `work` for every row, a few at a time (the rate limiter paces them); sum results.

    One at a time, a retraction's deletes went at one round trip each: 10 a second
    at 100 ms, a third of what Telegram allows.
    """
    pending = iter(rows)
    total = 0

    async def worker() -> None:
        nonlocal total
        for row in pending:
            total += await work(row)

    await asyncio.gather(*(worker() for _ in range(min(CHORE_CONCURRENCY, len(rows)))))
    return total


class Sender(Combining):
    """Sends pending alerts until stopped.  One per bot process.

    A chat with several pending alerts gets them in one message, and a chat whose
    overview is due gets the overview: see bot/delivery/combine.py.
    """

    def __init__(
        self,
        bot: Bot,
        store: Store,
        limiter: RateLimiter,
        settings: Settings,
        *,
        workers: int = 64,
        batch: int = 500,
        flush_every: float = 0.05,
        metrics: Metrics | None = None,
        timings: Timings | None = None,
    ) -> None:
        self.bot = bot
        self.store = store
        self.limiter = limiter
        self.settings = settings
        self.paid = settings.paid_broadcast
        self.workers = workers
        self.batch = batch
        self.flush_every = flush_every
        self.metrics = metrics or Metrics()
        self.timings = timings or Timings()
        self.gate = OutageGate(
            self.bot.get_me,
            probe_base=self.timings.probe_base,
            probe_cap=self.timings.probe_cap,
        )
        self._expirer: asyncio.Task[None] | None = None
        self._queue: asyncio.Queue[tuple[Delivery, Ticket, float]] = asyncio.Queue(
            maxsize=workers * 4
        )
        self._inflight: set[DeliveryId] = set()
        self._outcomes: list[Outcome] = []
        # Deliveries whose outcome is known but not yet written: still in flight for the
        # dispatcher, or it would read them as pending again and send them twice.
        self._finished: list[DeliveryId] = []
        self._wake = asyncio.Event()
        self._outcomes_ready = asyncio.Event()  # the flusher has something to write
        self._commit: asyncio.Future[None] | None = None  # done when they are written
        # One per worker: the commits of the latest outcomes, oldest first (see _durable).
        self._commit_waits: list[asyncio.Future[None] | None] = [None] * workers
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []
        self._items: OrderedDict[int, Item | None] = OrderedDict()
        self._texts: OrderedDict[tuple[int, str | None], tuple[float, str]] = OrderedDict()
        self._chores: set[asyncio.Task[int]] = set()
        # Requests on their way to Telegram: (item, chat, item version) per send.
        self._requests: dict[object, tuple[int, int, int]] = {}
        self._request_done = asyncio.Event()
        self._versions: dict[int, int] = {}  # bumped on every change of an item
        self._retracted: set[int] = set()
        self._held_chats: dict[int, int] = {}  # chat -> how many chat_paused() are open
        self._chat_reset_at: dict[int, float] = {}  # chat -> when its last /stop finished
        # The subscription keys an item matches, for an alert whose own subscription
        # was given up since it was queued (app wires Intake.keys in).
        self.keys_of: Callable[[Item], Sequence[str]] | None = None
        self.sent = 0
        self.rate_limited = 0
        # False: every alert goes on its own, as before issue 13 (bench_combining compares).
        self.combine = True

    # -- life cycle --------------------------------------------------------------------

    def start(self) -> None:
        self._stopping = False
        self._commit_waits = [None] * self.workers
        self._tasks = [asyncio.create_task(self._dispatch(), name="sender-dispatch")]
        self._tasks += [
            asyncio.create_task(self._work(), name=f"sender-worker-{i}")
            for i in range(self.workers)
        ]
        self._tasks.append(asyncio.create_task(self._flush_loop(), name="sender-flush"))
        self._expirer = asyncio.create_task(self._expire_loop(), name="sender-expire")

    async def stop(self, grace: float = 10.0) -> None:
        """Finish the sends in flight, hand queued ones back, write every outcome."""
        if not self._tasks:
            return  # not started, or stopped already
        self._stopping = True
        self._wake.set()
        dispatcher, *workers, flusher = self._tasks
        dispatcher.cancel()
        # Queued but not started: give the permits back; the rows stay pending.
        while not self._queue.empty():
            delivery, ticket, _ = self._queue.get_nowait()
            self.limiter.done(ticket, sent=False)
            self._inflight.difference_update(bundle_ids(delivery))
        for _ in workers:
            self._queue.put_nowait(None)  # type: ignore[arg-type]  # a stop sign per worker
        if self.gate.down:
            grace = min(grace, 1.0)  # workers wait at the gate: nothing of theirs is sent
        await asyncio.wait(workers, timeout=grace)
        # Corrections and retractions still editing: stopped; /corrigeer again resumes.
        extra = [self._expirer] if self._expirer is not None else []
        for task in (*workers, flusher, *self._chores, *extra):
            task.cancel()
        await asyncio.gather(*self._tasks, *self._chores, *extra, return_exceptions=True)
        await self.gate.close()
        await self._flush()
        self._tasks = []

    @property
    def running(self) -> bool:
        """Whether the dispatcher is alive (for /healthz)."""
        return bool(self._tasks) and not self._tasks[0].done()

    @property
    def idle(self) -> bool:
        """Nothing in flight, no outcome unwritten, no correction or retraction running."""
        return not (self._inflight or self._outcomes or self._finished or self._chores)

    def wake(self) -> None:
        """New alerts were queued: look at the outbox now rather than at the next tick."""
        self._wake.set()

    def forget_item(self, item_id: int) -> None:
        """The item changed (correction, retraction): render it afresh from the store."""
        self._versions[item_id] = self._versions.get(item_id, 0) + 1
        self._items.pop(item_id, None)
        for key in [k for k in self._texts if k[0] == item_id]:
            del self._texts[key]

    # -- changes that race the sends ---------------------------------------------------

    def block_item(self, item_id: int) -> None:
        """The item is being retracted: from now on no alert of it starts."""
        self._retracted.add(item_id)
        self.forget_item(item_id)

    async def settle_item(self, item_id: int) -> None:
        """The item has changed in the store: wait for the sends of its old text.

        Sends that start from now on read the item afresh.  Those already on their way
        are waited for and their outcomes written, so `Store.sent_alerts` then lists
        every alert of the old text that Telegram accepted.
        """
        self.forget_item(item_id)
        version = self._versions[item_id]
        await self._requests_done(lambda item, _chat, seen: item == item_id and seen < version)
        await self._flush()

    @contextlib.asynccontextmanager
    async def chat_paused(self, chat_id: int) -> AsyncIterator[None]:
        """Nothing goes to the chat while inside (for /stop and a reader blocking us).

        On entry the chat's queued alerts give back their turn and the sends already on
        their way are waited for; deliveries read before the exit are dropped, so the
        chat's rows can be removed inside without a queued copy going out afterwards.
        """
        self._held_chats[chat_id] = self._held_chats.get(chat_id, 0) + 1
        try:
            self.limiter.yield_chat(chat_id)
            await self._requests_done(lambda _item, chat, _version: chat == chat_id)
            yield
        finally:
            self._chat_reset_at[chat_id] = time.monotonic()
            if self._held_chats[chat_id] == 1:
                del self._held_chats[chat_id]
            else:
                self._held_chats[chat_id] -= 1

    def _chat_stopped(self, chat_id: int, read_at: float) -> bool:
        return chat_id in self._held_chats or read_at <= self._chat_reset_at.get(chat_id, -1.0)

    async def _requests_done(self, match: Callable[[int, int, int], bool]) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_TIMEOUT
        while any(match(*request) for request in self._requests.values()):
            remaining = deadline - loop.time()
            if remaining <= 0:
                log.warning("sends in flight did not answer within %.0f s", SETTLE_TIMEOUT)
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._request_done.wait(), remaining)

    def _forget_old_stops(self) -> None:
        horizon = time.monotonic() - STOPPED_MEMORY
        for chat_id in [c for c, at in self._chat_reset_at.items() if at < horizon]:
            del self._chat_reset_at[chat_id]

    # -- dispatching -------------------------------------------------------------------

    async def _dispatch(self) -> None:
        while not self._stopping:
            await self.gate.wait_not_down()  # in an outage, read nothing: nothing can go
            self._wake.clear()
            try:
                handed, blocked = await self._dispatch_once()
            except StoreUnavailable:  # the store logged it once; look again shortly
                handed, blocked = 0, True
            except Exception:
                log.exception("reading the outbox failed; trying again")
                handed, blocked = 0, True
            if handed:
                continue
            # Nothing could go: sleep until woken, until a busy chat frees up (blocked),
            # or until the earliest retry is due.
            self._forget_old_stops()
            timeout = 0.1 if blocked else await self._idle_timeout()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    async def _idle_timeout(self) -> float:
        # Items stored by another process (`newsbot import`) cannot wake us: look again
        # every second; one indexed query is cheap.
        retry_at = await self.store.next_retry_at()
        if retry_at is None:
            return IDLE_POLL
        return min(IDLE_POLL, max(0.05, retry_at - time.time()))

    async def _dispatch_once(self) -> tuple[int, bool]:
        # Snapshot what is in flight *before* reading: a delivery whose outcome is written
        # while the query runs may still read as pending, but it is in this snapshot.
        busy = set(self._inflight)
        read_at = time.monotonic()  # a /stop finished after this wins over these rows
        rows = await self.store.pending_deliveries(time.time(), self.batch + len(busy))
        # One per chat, with the chat's other pending alerts: they go as one message.
        if self.combine:
            rows = await with_backlogs(self.store, rows, busy, time.time())
        handed = 0
        blocked = False
        for delivery in rows:
            if self._stopping:
                break
            if delivery.id in busy:
                continue
            if handed and self._wake.is_set():
                break  # newer alerts arrived: read again, newest first
            ticket = self.limiter.try_chat(delivery.chat_id)
            if ticket is None:
                blocked = True  # this chat is busy; others go ahead
                continue
            self._inflight.update(bundle_ids(delivery))
            await self._queue.put((delivery, ticket, read_at))
            handed += 1
        return handed, blocked

    # -- sending -----------------------------------------------------------------------

    async def _work(self) -> None:
        while True:
            entry = await self._queue.get()
            if entry is None:
                return
            delivery, ticket, read_at = entry
            try:
                outcomes = await self._deliver(
                    delivery, ticket, read_at, self._commit_waits.pop(0)
                )
            except Exception as exc:  # a bug must not kill the worker or lose the row
                log.exception("delivery %s failed unexpectedly", delivery.id)
                self.limiter.done(ticket, sent=False)
                outcomes = [self._backoff(delivery, f"{type(exc).__name__}: {exc}")]
            self.metrics.outcomes(outcomes)
            self._outcomes.extend(outcomes)
            self._finished.extend(bundle_ids(delivery))
            self._outcomes_ready.set()
            if any(isinstance(o, Retry | ChatMoved) for o in outcomes):
                self._wake.set()
            if self._commit is None:
                self._commit = asyncio.get_running_loop().create_future()
            self._commit_waits.append(self._commit)

    async def _durable(self, previous: asyncio.Future[None] | None) -> bool:
        """Wait until an earlier outcome is committed before sending again.

        Each send takes the commit of the oldest outcome handed to the flusher (a queue of
        one per worker) and gives back its own, so sends awaiting Telegram's answer plus
        outcomes not yet written never exceed the workers: that bounds what a crash can
        repeat, however loaded the event loop.  It waits with the next send's permits in
        hand, so the commit overlaps the wait for permits.
        """
        if previous is None or previous.done():
            return False
        # Shielded: one worker cancelled at stop must not cancel the others' wait.
        await asyncio.shield(previous)
        return True

    async def _deliver(
        self,
        delivery: Delivery,
        ticket: Ticket,
        read_at: float,
        previous: asyncio.Future[None] | None = None,
    ) -> list[Outcome]:
        if not delivery.chat_active:  # blocked us since this row was queued
            self.limiter.done(ticket, sent=False)
            return [Failed(d, "gesprek inactief", status="dropped") for d in bundle_ids(delivery)]
        if not await self.limiter.send_slot(ticket, ALERT, paid=self.paid):
            return []  # a reply took the chat's turn: the row stays pending for later
        waited = await self._durable(previous)
        # In an outage: wait here (after the permit wait, which may have begun before it),
        # no attempt spent.
        waited = await self.gate.admit() or waited
        if waited:
            ticket.sent_at = self.limiter.clock()  # the permit's clock starts at the send
        # Waiting for the permit can take seconds: look again at what may have changed.
        chat_id, item_id = delivery.chat_id, delivery.item_id
        if self._chat_stopped(chat_id, read_at):
            self.limiter.done(ticket, sent=False)
            return [Failed(d, "gesprek gestopt", status="dropped") for d in bundle_ids(delivery)]
        if delivery.others or delivery.overview_at is not None:
            return await self._deliver_bundle(delivery, ticket, read_at)
        while True:
            version = self._versions.get(item_id, 0)
            item = await self._item(item_id)
            if version == self._versions.get(item_id, 0):
                break  # read after the last change, not before it
        if item is None or item_id in self._retracted:
            self.limiter.done(ticket, sent=False)
            return [Failed(delivery.id, "bericht ingetrokken", status="dropped")]
        if self._expired(item):
            self.limiter.done(ticket, sent=False)
            return [Failed(delivery.id, self._expired_reason(), status="expired")]
        key, label = delivery.key, delivery.label
        if label is None:
            key, label = await self._still_followed(delivery, item)
            if label is None:
                self.limiter.done(ticket, sent=False)
                return [Failed(delivery.id, "niet meer gevolgd", status="dropped")]
        # The awaits above gave a /stop or a retraction their chance: the last look.
        if self._chat_stopped(chat_id, read_at) or item_id in self._retracted:
            self.limiter.done(ticket, sent=False)
            return [Failed(delivery.id, "gesprek gestopt of bericht ingetrokken",
                           status="dropped")]
        request = object()
        self._requests[request] = (item_id, chat_id, self._versions.get(item_id, 0))
        try:
            return await self._send(delivery, ticket, item, key, label)
        finally:
            del self._requests[request]
            self._request_done.set()
            self._request_done = asyncio.Event()

    async def _still_followed(self, delivery: Delivery, item: Item) -> tuple[str, str | None]:
        """The chat gave up the subscription this row recorded: does another match?"""
        if self.keys_of is None:
            return delivery.key, None
        keys = set(self.keys_of(item))
        for subscription in await self.store.subscriptions(
            delivery.chat_id, thread=delivery.thread_id
        ):
            if subscription.key in keys:
                return subscription.key, subscription.label
        return delivery.key, None

    async def _send(
        self, delivery: Delivery, ticket: Ticket, item: Item, key: str, label: str
    ) -> list[Outcome]:
        now = datetime.now(UTC)
        text = self._text(item, alert_reason(key, label), now)
        local = now.astimezone(self.settings.tz)
        silent = in_quiet_hours(
            delivery.quiet_from, delivery.quiet_until, local.hour * 60 + local.minute
        )
        try:
            # Not Bot.send_message: it turns Telegram's answer into a telegram.Message, which
            # costs about a third of a send's CPU, and only the message_id is needed (at
            # 1000/s on two cores that third is the difference).  do_api_request returns the
            # raw answer; it skips the app's Defaults, so parse mode and previews are set here.
            # Bot API method names are case-insensitive: the lower-case spelling keeps PTB
            # from suggesting send_message, which is exactly what we mean to avoid.
            message = await self.bot.do_api_request(  # type: ignore[call-arg]
                "sendmessage",
                api_kwargs={
                    "chat_id": delivery.chat_id,
                    "message_thread_id": delivery.thread_id or None,  # a forum topic
                    "text": text,
                    "parse_mode": ParseMode.HTML,
                    "link_preview_options": NO_PREVIEW,
                    "reply_markup": alert_markup(item.id or 0, key, label),
                    "disable_notification": silent,
                    "allow_paid_broadcast": True if self.paid else None,
                },
                rate_limit_args=PRELIMITED,
            )
        except RetryAfter as exc:
            self.limiter.done(ticket)
            self.gate.answered()
            wait = retry_seconds(exc)
            flooded = self.limiter.flooded
            if self.limiter.rate_limited(delivery.chat_id, wait) and not flooded:
                log.warning("429s from several chats: every send waits %.0f s", wait)
            elif not flooded:
                log.warning("429 for chat %s: waiting %.0f s", delivery.chat_id, wait)
            self.rate_limited += 1
            # Never dropped, and no attempt spent: Telegram said when to come back.
            return [
                Retry(delivery.id, delivery.attempts, time.time() + wait, "429"),
                Count("429"),
            ]
        except Forbidden as exc:
            self.limiter.done(ticket)
            self.gate.answered()
            return [ChatGone(delivery.chat_id, exc.message),
                    Failed(delivery.id, exc.message, status="dropped")]
        except ChatMigrated as exc:
            self.limiter.done(ticket)
            self.gate.answered()
            return [ChatMoved(delivery.chat_id, int(exc.new_chat_id))]
        except BadRequest as exc:
            self.limiter.done(ticket)
            self.gate.answered()
            if delivery.thread_id and "thread not found" in exc.message.lower():
                # The forum topic was deleted: stop sending there.
                return [TopicGone(delivery.chat_id, delivery.thread_id),
                        Failed(delivery.id, exc.message, status="dropped")]
            if "chat not found" in exc.message.lower() or "rights" in exc.message.lower():
                # Gone, or no longer allowed to post (a channel's admin rights were taken):
                # dormant until the chat speaks to us or the bot is made admin again.
                return [ChatGone(delivery.chat_id, exc.message),
                        Failed(delivery.id, exc.message, status="dropped")]
            # Our own rendering should make this impossible: say so loudly.
            log.error("Telegram refused alert %s for chat %s: %s",
                      delivery.item_id, delivery.chat_id, exc.message)
            return [Failed(delivery.id, exc.message)]
        except (NetworkError, TelegramError) as exc:  # timeouts, 5xx, connection errors
            self.limiter.done(ticket)
            return await self._transport_failed(delivery.chat_id, [delivery], exc)
        self.limiter.done(ticket)
        self.gate.answered()
        self.sent += 1
        self.metrics.alert_sent(item, paid=self.paid)
        message_id = int(message["message_id"])
        if delivery.item_id in self._retracted:
            # Retracted while this send was on its way (and the retraction gave up
            # waiting for it): take it off the phone now.
            self._background(self._delete(delivery.chat_id, message_id), "delete-late")
        return [Sent(delivery.id, message_id, time.time())]

    async def _transport_failed(
        self, chat_id: int, deliveries: Sequence[Delivery], exc: TelegramError
    ) -> list[Outcome]:
        """A send to the chat got no answer from Telegram (5xx, timeout, connection)."""
        if await self.gate.failed(chat_id, str(exc)) is Verdict.OUTAGE:
            # Telegram or the network is down: back in the queue as they were, to go when
            # the gate opens; the outage costs the deliveries nothing.
            now = time.time()
            return [Retry(d.id, d.attempts, now, f"storing: {exc}") for d in deliveries]
        return [self._backoff(d, str(exc)) for d in deliveries]

    def _backoff(self, delivery: Delivery, error: str) -> Outcome:
        """The chat's own failure (Telegram answers others): back off, give up when bounded."""
        timings = self.timings
        max_attempts = timings.max_attempts or MAX_ATTEMPTS
        base = timings.retry_base or BACKOFF_BASE
        cap = timings.retry_cap or BACKOFF_CAP
        attempts = delivery.attempts + 1
        if attempts >= max_attempts:
            log.warning("giving up on delivery %s after %d attempts: %s",
                        delivery.id, attempts, error)
            return Failed(delivery.id, f"na {attempts} pogingen: {error}")
        delay = min(cap, base * 2 ** (attempts - 1))
        delay *= random.uniform(0.5, 1.5)  # jitter: do not retry a burst in lockstep
        return Retry(delivery.id, attempts, time.time() + delay, error)

    # -- expiry ------------------------------------------------------------------------

    def _expired(self, item: Item) -> bool:
        """Queued longer ago than NEWSBOT_ALERT_MAX_AGE (its rows were made with the item)."""
        queued = item.received_at
        age = (datetime.now(UTC) - queued).total_seconds() if queued is not None else 0.0
        return age > self.settings.alert_max_age

    def _expired_reason(self) -> str:
        return f"verlopen: ouder dan {self.settings.alert_max_age:g} s"

    async def _expire_loop(self) -> None:
        # Also while Telegram is down: the rows of a long outage become `expired` as they
        # age, not only when the sender reaches them.
        while True:
            try:
                cutoff = time.time() - self.settings.alert_max_age
                expired = await self.store.expire_alerts(cutoff, self._expired_reason())
                if expired:
                    log.warning("%d alerts older than %g s expired unsent",
                                expired, self.settings.alert_max_age)
            except StoreUnavailable:
                pass  # the store logged it once
            except Exception:
                log.exception("expiring old alerts failed; will try again")
            await asyncio.sleep(self.timings.expire_every)

    def _text(self, item: Item, label: str | None, now: datetime) -> str:
        """The alert's HTML, rendered once per (item, label) for a second of fan-out.

        The text depends on the clock only through the item's age, which is said in whole
        minutes, so a rendering a second old is as good as a new one.
        """
        key = (item.id or 0, label)
        cached = self._texts.get(key)
        moment = time.monotonic()
        if cached is not None and moment - cached[0] < TEXT_FRESH:
            return cached[1]
        text = render_alert(item, reason=label, now=now, tz=self.settings.tz)
        self._texts[key] = (moment, text)
        self._texts.move_to_end(key)
        if len(self._texts) > 256:
            self._texts.popitem(last=False)
        return text

    async def _item(self, item_id: int) -> Item | None:
        if item_id in self._items:
            self._items.move_to_end(item_id)
            return self._items[item_id]
        version = self._versions.get(item_id, 0)
        item = await self.store.item(item_id, live=True)
        if version != self._versions.get(item_id, 0):
            return item  # changed while we read: do not keep what may be the old text
        self._items[item_id] = item
        if len(self._items) > 256:
            self._items.popitem(last=False)
        return item

    # -- corrections and retractions ----------------------------------------------------

    def revise(self, item_id: int) -> asyncio.Task[int]:
        """Edit every alert already sent for a corrected item (in the background)."""
        self.forget_item(item_id)
        return self._background(self._revise(item_id), f"revise-{item_id}")

    def retract(self, item_id: int) -> asyncio.Task[int]:
        """Delete the alerts sent for a retracted item, where Telegram still allows it."""
        self.forget_item(item_id)
        return self._background(self._retract(item_id), f"retract-{item_id}")

    def changed_elsewhere(self, item_id: int, retracted: bool) -> None:
        """Another process corrected or retracted the item (PostgreSQL, webhook mode).

        That process edited or deleted the alerts it found recorded; this one, if it is
        the one sending, may have had alerts of the old text in hand.  It stops them,
        waits for those on their way, and edits or deletes what went out in the last
        minute (those the other process could not have seen yet).
        """
        if retracted:
            self.block_item(item_id)
        else:
            self.forget_item(item_id)
        if self.running:
            since = time.time() - CATCH_UP
            self._background(self._catch_up(item_id, retracted, since), f"catch-up-{item_id}")

    async def _catch_up(self, item_id: int, retracted: bool, since: float) -> int:
        await self.settle_item(item_id)
        if retracted:
            return await self._retract(item_id, since)
        return await self._revise(item_id, since)

    def _background(self, work: Any, name: str) -> asyncio.Task[int]:
        task: asyncio.Task[int] = asyncio.create_task(work, name=name)
        self._chores.add(task)
        task.add_done_callback(self._chores.discard)
        return task

    async def _revise(self, item_id: int, since: float = 0.0) -> int:
        item = await self.store.item(item_id)
        if item is None:
            return 0

        async def edit(row: SentAlert) -> int:
            refreshed = await self._refresh_message(row.chat_id, row.message_id)
            if refreshed is not None:  # a combined alert or an overview: rendered whole
                return refreshed
            label = row.label or "een onderwerp"
            reason = alert_reason(row.key, label)
            text = render_alert(item, reason=reason, now=datetime.now(UTC), tz=self.settings.tz)
            try:
                await self.bot.edit_message_text(
                    text,
                    chat_id=row.chat_id,
                    message_id=row.message_id,
                    reply_markup=alert_markup(item_id, row.key, label),
                    rate_limit_args=BACKGROUND,  # type: ignore[call-arg]
                )
            except TelegramError as exc:  # deleted by the reader, chat gone, ...
                log.info("could not edit alert in chat %s: %s", row.chat_id, exc)
                return 0
            return 1

        return await _for_each(await self.store.sent_alerts(item_id, since=since), edit)

    async def _retract(self, item_id: int, since: float = 0.0) -> int:
        since = max(since, time.time() - DELETE_WINDOW)
        rows = await self.store.sent_alerts(item_id, since=since)
        return await _for_each(rows, self._retract_sent)

    async def _delete(self, chat_id: int, message_id: int) -> int:
        try:
            await self.bot.delete_message(
                chat_id, message_id, rate_limit_args=BACKGROUND,  # type: ignore[call-arg]
            )
        except TelegramError as exc:
            log.info("could not delete alert in chat %s: %s", chat_id, exc)
            return 0
        return 1

    # -- writing outcomes --------------------------------------------------------------

    async def _flush_loop(self) -> None:
        # Group commit: write whatever outcomes are waiting as soon as the previous write
        # has finished.  Outcomes that arrive during a write go together in the next one,
        # so an outcome is durable within about one commit of being known (a crash then
        # repeats little more than the sends awaiting Telegram's answer), and at 1000/s a
        # commit carries a few outcomes instead of one each.  A fixed 50 ms tick left up to
        # 226 known outcomes unwritten at a kill -9.
        while True:
            await self._outcomes_ready.wait()
            self._outcomes_ready.clear()
            try:
                await self._flush()
            except StoreUnavailable:  # the store logged it once; outcomes kept, tried again
                self._outcomes_ready.set()
                await asyncio.sleep(self.flush_every)
            except Exception:
                log.exception("writing delivery outcomes failed; will try again")
                self._outcomes_ready.set()
                await asyncio.sleep(self.flush_every)  # do not spin on a failing disk

    async def _flush(self) -> None:
        if not self._outcomes and not self._finished:
            return
        batch, self._outcomes = self._outcomes, []
        finished, self._finished = self._finished, []
        commit, self._commit = self._commit, None
        try:
            await self.store.record(batch)
        except BaseException:
            self._outcomes[:0] = batch  # keep them for the next try
            self._finished[:0] = finished
            if commit is not None:  # its waiters wait for the next write instead
                if self._commit is None:
                    self._commit = commit
                else:
                    self._commit.add_done_callback(lambda _: _resolve(commit))
            raise
        self._inflight.difference_update(finished)
        if commit is not None:
            _resolve(commit)
        if any(isinstance(o, ChatGone | ChatMoved) for o in batch):
            self._wake.set()


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
