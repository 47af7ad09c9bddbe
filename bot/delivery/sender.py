"""The sender: the loops that turn pending outbox rows into Telegram messages.

Delivery is a one-way pipeline, one module per step, each used by the sender and none
importing it back:

    dispatch (here) -> plan.py: the chat's backlog, and the one re-check before a request
                    -> compose.py: the messages, text and buttons
                    -> telegram.py: the gateway, and the one mapping of answers to outcomes
                    -> outcomes.py: group commit of the outcomes

beside ratelimit.py (permits), outage.py (the outage gate), inflight.py (what changes
wait for), corrections.py (edits and deletes of what was sent) and retry.py (backoff).

A dispatcher reads pending deliveries (newest items first), takes each chat's permits
without waiting (a busy chat is skipped this round, so one slow chat never holds up the
others) and hands the chat's backlog to a pool of workers.  A worker waits for the
global permit, for an earlier outcome to be committed (which bounds the duplicates a
crash can cause to the number of workers) and for the outage gate, re-checks, composes,
sends, and hands the outcomes to the group commit.  Permits are held in a ``with``
block: given back on every path, cancellation included.

Telegram's own trouble is not the alert's: a 5xx, timeout or dropped connection goes to
the outage gate, which tells an outage from a chat's own problem.  In an outage nothing
is sent and no delivery spends an attempt.  Alerts older than NEWSBOT_ALERT_MAX_AGE are
not sent: they end `expired`, also while Telegram is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from telegram import Bot

from bot.delivery.compose import Composer, Message
from bot.delivery.corrections import Corrections
from bot.delivery.inflight import InFlight
from bot.delivery.outage import OutageGate
from bot.delivery.outcomes import OutcomeLog
from bot.delivery.plan import Plan, Planner, bundle_ids
from bot.delivery.ratelimit import ALERT, REPLY, RateLimiter, Ticket
from bot.delivery.retry import Timings
from bot.delivery.telegram import Gateway
from bot.metrics import Metrics
from bot.news.items import Item
from bot.settings import Settings
from storage import Store, StoreUnavailable
from storage.outbox import Bundled, ChatMoved, Delivery, Outcome, OverviewSent, Retry

log = logging.getLogger(__name__)

IDLE_POLL = 1.0  # seconds between looks at an empty outbox


Queued = tuple[Delivery, Ticket, float] | None


class Lanes(asyncio.Queue[Queued]):
    """The workers' queue with a fast lane: a breaking alert is taken before every
    ordinary one already queued (a backlog at 30/s holds minutes of them)."""

    def _init(self, maxsize: int) -> None:
        self._fast: deque[Queued] = deque()
        self._slow: deque[Queued] = deque()

    def _put(self, entry: Queued) -> None:
        (self._fast if entry is not None and entry[0].breaking else self._slow).append(entry)

    def _get(self) -> Queued:
        return self._fast.popleft() if self._fast else self._slow.popleft()

    def qsize(self) -> int:
        return len(self._fast) + len(self._slow)

    def empty(self) -> bool:
        return not self._fast and not self._slow

    def full(self) -> bool:
        return 0 < self.maxsize <= self.qsize()


class Sender:
    """Sends pending alerts until stopped.  One per bot process."""

    def __init__(
        self,
        bot: Bot,
        store: Store,
        limiter: RateLimiter,
        settings: Settings,
        *,
        match_keys: Callable[[Item], Sequence[str]] | None = None,
        workers: int = 64,
        batch: int = 500,
        flush_every: float = 0.05,
        metrics: Metrics | None = None,
        timings: Timings | None = None,
        combine: bool = True,
    ) -> None:
        self.store = store
        self.limiter = limiter
        self.paid = settings.paid_broadcast
        self.workers = workers
        self.batch = batch
        self.metrics = metrics or Metrics()
        self.timings = timings or Timings()
        self.max_age = settings.alert_max_age
        self.gate = OutageGate(
            bot.get_me, probe_base=self.timings.probe_base, probe_cap=self.timings.probe_cap
        )
        self.gateway = Gateway(bot, limiter, self.gate, paid=self.paid)
        self.inflight = InFlight(limiter)
        # `match_keys`: the subscription keys an item matches, for an alert whose own
        # subscription was given up since it was queued.
        self.planner = Planner(
            store, self.inflight, max_age=self.max_age, match_keys=match_keys,
            combine=combine,
        )
        self.composer = Composer(settings.tz)
        self.outcomes = OutcomeLog(
            store, workers=workers, flush_every=flush_every, on_chat_change=self.wake
        )
        self.corrections = Corrections(
            store, self.gateway, self.composer, self.inflight, self.outcomes
        )
        self._queue: Lanes = Lanes(maxsize=workers * 4)
        self._wake = asyncio.Event()
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []
        self._expirer: asyncio.Task[None] | None = None

    @property
    def sent(self) -> int:
        """Messages Telegram accepted since start."""
        return self.gateway.sent

    @property
    def rate_limited(self) -> int:
        """429s Telegram answered to sends since start."""
        return self.gateway.rate_limited

    # -- life cycle --------------------------------------------------------------------

    def start(self) -> None:
        self._stopping = False
        self.outcomes.reset()
        self.gate.resume()  # stopped during an outage: probe again
        self._tasks = [asyncio.create_task(self._dispatch(), name="sender-dispatch")]
        self._tasks += [
            asyncio.create_task(self._work(), name=f"sender-worker-{i}")
            for i in range(self.workers)
        ]
        self._tasks.append(asyncio.create_task(self.outcomes.run(), name="sender-flush"))
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
            entry = self._queue.get_nowait()
            if entry is not None:
                delivery, ticket, _ = entry
                with self.limiter.holding(ticket):
                    self.outcomes.give_back(bundle_ids(delivery))
        for _ in workers:
            self._queue.put_nowait(None)  # a stop sign per worker
        if self.gate.down:
            grace = min(grace, 1.0)  # workers wait at the gate: nothing of theirs is sent
        await asyncio.wait(workers, timeout=grace)
        # Corrections and retractions still editing: stopped; /corrigeer again resumes.
        chores = [*self.corrections.tasks]
        extra = [self._expirer] if self._expirer is not None else []
        for task in (*workers, flusher, *chores, *extra):
            task.cancel()
        await asyncio.gather(*self._tasks, *chores, *extra, return_exceptions=True)
        await self.gate.close()
        self._tasks = []
        try:
            await self.outcomes.flush()
        except Exception as exc:  # the database went away: written first at the next start
            log.warning("%d delivery outcomes not written yet (%s); kept for the next start",
                        len(self.outcomes.busy), type(exc).__name__)

    @property
    def running(self) -> bool:
        """Whether the dispatcher is alive (for /healthz)."""
        return bool(self._tasks) and not self._tasks[0].done()

    @property
    def idle(self) -> bool:
        """Nothing in flight, no outcome unwritten, no correction or retraction running."""
        return self.outcomes.idle and not self.corrections.tasks

    def wake(self) -> None:
        """New alerts were queued: look at the outbox now rather than at the next tick."""
        self._wake.set()

    # -- changes that race the sends (see bot/delivery/inflight.py) ----------------------

    def forget_item(self, item_id: int) -> None:
        """The item changed (correction, retraction): render it afresh from the store."""
        self.inflight.changed(item_id)
        self.planner.forget(item_id)
        self.composer.forget(item_id)

    def block_item(self, item_id: int) -> None:
        """The item is being retracted: from now on no alert of it starts."""
        self.inflight.block(item_id)
        self.forget_item(item_id)

    async def settle_item(self, item_id: int) -> None:
        """The item has changed in the store: wait for the sends of its old text.

        Sends that start from now on read the item afresh.  Those already on their way
        are waited for and their outcomes written, so `Store.sent_alerts` then lists
        every alert of the old text that Telegram accepted.
        """
        self.forget_item(item_id)
        await self.inflight.settle(item_id)
        await self.outcomes.flush()

    def chat_paused(self, chat_id: int) -> contextlib.AbstractAsyncContextManager[None]:
        """Nothing goes to the chat while inside (for /stop and a reader blocking us)."""
        return self.inflight.paused(chat_id)

    def revise(self, item_id: int) -> asyncio.Task[int]:
        """Edit every alert already sent for a corrected item (in the background)."""
        self.forget_item(item_id)
        return self.corrections.revise(item_id)

    def retract(self, item_id: int) -> asyncio.Task[int]:
        """Delete the alerts sent for a retracted item, where Telegram still allows it."""
        self.forget_item(item_id)
        return self.corrections.retract(item_id)

    def changed_elsewhere(self, item_id: int, retracted: bool) -> None:
        """Another process corrected or retracted the item (PostgreSQL, webhook mode)."""
        if retracted:
            self.block_item(item_id)
        else:
            self.forget_item(item_id)
        if self.running:
            self.corrections.catch_up(item_id, retracted)

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
            self.inflight.forget_old_stops()
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
        busy = set(self.outcomes.busy)
        read_at = time.monotonic()  # a /stop finished after this wins over these rows
        rows = await self.store.pending_deliveries(time.time(), self.batch + len(busy))
        # One per chat, with the chat's other pending alerts: they go as one message.
        rows = await self.planner.backlogs(rows, busy, time.time())
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
            self.outcomes.claim(bundle_ids(delivery))
            try:
                await self._queue.put((delivery, ticket, read_at))  # the worker holds it now
            except BaseException:  # cancelled while the queue was full: never handed over
                self.outcomes.give_back(bundle_ids(delivery))
                self.limiter.done(ticket, sent=False)
                raise
            handed += 1
        return handed, blocked

    # -- sending -----------------------------------------------------------------------

    async def _work(self) -> None:
        while True:
            entry = await self._queue.get()
            if entry is None:
                return
            delivery, ticket, read_at = entry
            with self.limiter.holding(ticket):
                try:
                    outcomes = await self._deliver(
                        delivery, ticket, read_at, self.outcomes.turn()
                    )
                except asyncio.CancelledError:  # stopped mid-send: the rows stay pending,
                    self.outcomes.give_back(bundle_ids(delivery))  # to be read again
                    raise
                except StoreUnavailable:
                    # The database went away during the re-check (before any request):
                    # not the alert's failure.  No outcome, no attempt spent: the rows
                    # stay pending as they were and are read again once it is back.
                    outcomes = []
                except Exception as exc:  # a bug must not kill the worker or lose the row
                    log.exception("delivery %s failed unexpectedly", delivery.id)
                    outcomes = [self.timings.backoff(delivery, f"{type(exc).__name__}: {exc}")]
            self.metrics.outcomes(outcomes)
            self.outcomes.add(bundle_ids(delivery), outcomes)
            if any(isinstance(o, Retry | ChatMoved) for o in outcomes):
                self._wake.set()

    async def _deliver(
        self,
        lead: Delivery,
        ticket: Ticket,
        read_at: float,
        previous: asyncio.Future[None] | None = None,
    ) -> list[Outcome]:
        """One chat's turn, its permits held: the re-check, then the messages."""
        early = self.planner.ended_early(lead, read_at)
        if early is not None:
            return early
        # A breaking alert waits for the global budget like a reader's reply: before the
        # backlog of ordinary alerts whose workers are already waiting.
        priority = REPLY if lead.breaking else ALERT
        if not await self.limiter.send_slot(ticket, priority, paid=self.paid):
            return []  # a reply took the chat's turn: the rows stay pending for later
        await self.outcomes.durable(previous)
        # In an outage: wait here (after the permit wait, which may have begun before
        # it), no attempt spent.  Admitted as the outage's trial, a delivery that ends
        # up sending nothing gives the trial back on the way out (bot/delivery/outage.py).
        async with self.gate.admitted():
            # Waiting can take seconds: look again at what may have changed.
            plan = await self.planner.recheck(lead, read_at)
            if not plan.entries:
                return plan.nothing_to_send()
            return plan.ended + await self._send(plan, ticket)

    async def _send(self, plan: Plan, ticket: Ticket) -> list[Outcome]:
        """Send the plan's messages; an overview's next one waits for the chat's next turn."""
        lead, outcomes = plan.lead, []
        messages = self.composer.messages(lead, plan.entries, datetime.now(UTC))
        with self.inflight.tracking(lead.chat_id, [e.delivery.item_id for e in plan.entries]):
            for index, message in enumerate(messages):
                rest = [e.delivery for m in messages[index:] for e in m.carried]
                if index == 0:
                    sent = await self._send_one(message, ticket, rest, outcomes)
                    # Given back now (not when the turn ends): the chat's next permit
                    # waits for this one.
                    self.limiter.release(ticket)
                else:
                    async with self.limiter.permit(lead.chat_id, ALERT, paid=self.paid) as turn:
                        if turn.revoked:
                            return outcomes  # a reply took the turn: the rest stays pending
                        sent = await self._send_one(message, turn, rest, outcomes)
                if not sent:
                    return outcomes
        if lead.overview_at is not None:
            outcomes.append(OverviewSent(lead.chat_id, lead.overview_at))
        return outcomes

    async def _send_one(
        self, message: Message, ticket: Ticket, rest: list[Delivery], outcomes: list[Outcome]
    ) -> bool:
        """Send one message; its outcomes, or on a refusal those of every alert left."""
        answer = await self.gateway.send(message.outgoing, ticket)
        if not answer.ok:
            outcomes += answer.outcomes(message.outgoing, rest, self.timings)
            return False
        carried = [entry.delivery for entry in message.carried]
        outcomes += answer.outcomes(message.outgoing, carried, self.timings)
        chat_id, bundled = message.outgoing.chat_id, message.kind != "alert"
        if bundled:
            lead = message.carried[0].delivery
            outcomes.append(Bundled(
                chat_id, answer.message_id, message.kind, lead.overview_at, message.part,
                message.outgoing.silent, time.time(),
            ))
        for entry in message.carried:
            self.metrics.alert_sent(entry.item, paid=self.paid)
        if any(self.inflight.retracted(e.delivery.item_id) for e in message.carried):
            # Retracted while this send was on its way (and the retraction gave up
            # waiting for it): take it off the phone now.
            self.corrections.sent_retracted(chat_id, answer.message_id, bundled)
        return True

    # -- expiry ------------------------------------------------------------------------

    async def _expire_loop(self) -> None:
        # Also while Telegram is down: the rows of a long outage become `expired` as they
        # age, not only when the sender reaches them.
        while True:
            try:
                cutoff = time.time() - self.max_age
                expired = await self.store.expire_alerts(cutoff, self.planner.expired_note())
                if expired:
                    log.warning("%d alerts older than %g s expired unsent",
                                expired, self.max_age)
            except StoreUnavailable:
                pass  # the store logged it once
            except Exception:
                log.exception("expiring old alerts failed; will try again")
            await asyncio.sleep(self.timings.expire_every)
