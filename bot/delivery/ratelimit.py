"""Telegram's send limits as permits: 30/s (1000/s in all with paid broadcast), 1/s per chat,
20/min per group, and Telegram's flood waits.

Telegram counts messages in sliding windows on its side.  We model each limit as a
set of permits: a send takes one permit of every limit it falls under and gives it
back one window after Telegram *received* it.  We do not know that moment exactly,
only that it lies between our send and the response, so the permit is held until
``min(response, send + max_skew) + window``.  ``send`` is when the permit was taken,
and the request may leave later: a busy event loop, a garbage-collector pause (and
aiohttp writes a request body in a task of its own, a loop turn later), then queueing
on Telegram's side.  ``max_skew`` must cover all of that, or a permit comes back early
and Telegram answers 429.  Below it the hold ends at the response: on loopback a few
milliseconds over the window, against Telegram one round trip over it.  That keeps us
under every limit whatever the latency jitter, and close enough to use the whole budget.

Waiters are served by priority: a reader waiting for a reply goes before an alert.

One budget: with paid broadcast, every send (reply, alert, edit, delete) takes a permit of
the 1000/s pool, and a send without ``allow_paid_broadcast`` also one of the free 30/s
pool, so paid and free together never pass 1000 in a second.  (Two separate pools would
let a reply burst on top of a paid fan-out pass the total: 429s.)

A 429 pauses its chat for ``retry_after``.  429s from two or more chats within a second
mean the bot as a whole is flooding: every send then waits ``retry_after`` (a global
flood wait), rather than trying chat after chat into the same wall.

An alert takes its chat's permits when it is queued, then waits for the global one;
while it waits it is *parked*, and a reply to that chat takes the chat's turn from it
(:meth:`RateLimiter.yield_chat`): the alert goes back to the outbox and is read again.
Without that, a reader's answer to /stop waited seconds behind an alert queued for
the same chat that was itself waiting for the global budget.

Permits cannot leak: whoever holds a :class:`Ticket` holds it inside :meth:`RateLimiter.holding`
(or takes it with :meth:`RateLimiter.permit`), whose exit hands it back on every path,
exceptions and cancellation included.  Whether the permits are held for a window or given
back at once follows from the ticket itself: :meth:`RateLimiter.sending` marks the moment a
request leaves, so a ticket that never carried a request returns its permits at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field

REPLY = 0  # a reader is waiting for this message
ALERT = 1  # a pushed alert, an edit or a delete in the background

FORGET_EVERY = 10.0  # seconds between sweeps of idle chats' bookkeeping
FLOOD_WINDOW = 1.0  # 429s from several chats within this many seconds: a global flood wait
FLOOD_CHATS = 2  # ... from at least this many chats


class PermitPool:
    """N permits with priority waiters; a permit is returned by a timer, not by the user."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.free = size
        self._waiters: tuple[deque[asyncio.Future[None]], ...] = (deque(), deque())

    def try_take(self) -> bool:
        if self.free > 0 and not any(self._waiters):
            self.free -= 1
            return True
        return False

    async def take(self, priority: int = ALERT) -> None:
        if self.try_take():
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._waiters[priority]
        queue.append(future)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.give()  # we were handed a permit but will not use it
            elif future in queue:  # give() may have dropped it already, being cancelled
                queue.remove(future)
            raise

    def give(self) -> None:
        for queue in self._waiters:
            while queue:
                future = queue.popleft()
                if not future.done():
                    future.set_result(None)  # hand the permit over directly
                    return
        self.free = min(self.size, self.free + 1)

    @property
    def idle(self) -> bool:
        return self.free == self.size and not any(self._waiters)


@dataclass
class Limits:
    # Sends without allow_paid_broadcast (replies, edits, deletes, unpaid alerts).
    global_per_second: int = 30
    # With paid broadcast: every send together, paid or free, within this many a second
    # (Telegram's 1000/s is the bot's total, of which 30/s cost nothing).  None: no paid
    # broadcast, and the free limit is the whole budget.
    paid_per_second: int | None = None
    group_per_minute: int = 20
    # At most this long assumed between taking a permit and Telegram's receipt: it must
    # cover event-loop lag and garbage-collector pauses before the request leaves, or a
    # permit comes back early and Telegram answers 429 (docs/benchmarks.md has the
    # measurement behind the value).
    max_skew: float = 0.25
    chat_window: float = 1.0  # the per-chat limit's window; 0 turns per-chat limits off


@dataclass(eq=False)
class Ticket:
    """The permits one send holds, inside :meth:`RateLimiter.holding` (or ``permit``)."""

    pools: list[tuple[PermitPool, float]]  # (pool, window seconds)
    sent_at: float = field(default_factory=time.monotonic)
    chat_id: int | None = None  # set while parked: chat permits held, global not yet
    revoked: bool = False  # a reply took this chat's turn; the send must not go
    used: bool = False  # a request left with it: its permits are held for a window

    @property
    def free(self) -> bool:
        """Holds no permit (given back, or never held any)."""
        return not self.pools


class RateLimiter:
    """All of Telegram's limits for one bot."""

    def __init__(self, limits: Limits | None = None, clock: Callable[[], float] = time.monotonic):
        self.limits = limits or Limits()
        self.clock = clock
        self.global_pool = PermitPool(self.limits.global_per_second)
        paid = self.limits.paid_per_second
        # Every send's permit when paid broadcast is on (the free ones take both).
        self.total_pool = PermitPool(paid) if paid else None
        self._flood_until = 0.0
        self._recent_429: deque[tuple[float, int | None]] = deque()
        self._chat_second: dict[int, PermitPool] = {}
        self._group_minute: dict[int, PermitPool] = {}
        self._paused_until: dict[int, float] = {}
        self._parked: dict[int, set[Ticket]] = {}
        self._next_forget = self.clock() + FORGET_EVERY

    @property
    def idle(self) -> bool:
        """Every permit is free (each chat's and the global ones) and nobody waits."""
        pools = [self.global_pool, *self._chat_second.values(), *self._group_minute.values()]
        if self.total_pool is not None:
            pools.append(self.total_pool)
        return all(pool.idle for pool in pools) and not self._parked

    @staticmethod
    def is_group(chat_id: int) -> bool:
        # Private chats have positive ids; groups, supergroups and channels negative ones.
        return chat_id < 0

    def _chat_pools(self, chat_id: int) -> list[tuple[PermitPool, float]]:
        if not self.limits.chat_window:
            return []
        now = self.clock()
        if now >= self._next_forget:
            # Without this sweep every chat ever messaged keeps its pools (about 1.7 KB
            # each): memory that grows with the audience, and more for every
            # garbage-collector pass to walk.
            self._next_forget = now + FORGET_EVERY
            self.forget_idle()
        pools = [(self._chat_second.setdefault(chat_id, PermitPool(1)), self.limits.chat_window)]
        if self.is_group(chat_id):
            pool = self._group_minute.setdefault(chat_id, PermitPool(self.limits.group_per_minute))
            pools.append((pool, 60.0))
        return pools

    def try_chat(self, chat_id: int) -> Ticket | None:
        """Take the chat's permits if they are free now; the sender never waits on one chat."""
        if self._paused_until.get(chat_id, 0.0) > self.clock():
            return None
        pools = self._chat_pools(chat_id)
        taken = []
        for pool, window in pools:
            if not pool.try_take():
                for done_pool, _ in taken:
                    done_pool.give()
                return None
            taken.append((pool, window))
        ticket = Ticket(taken, chat_id=chat_id)
        self._parked.setdefault(chat_id, set()).add(ticket)
        return ticket

    def yield_chat(self, chat_id: int) -> None:
        """Revoke the parked alerts of a chat: their chat permits come back at once.

        Their :meth:`send_slot` then returns False and the alert is not sent (it stays
        in the outbox).  For replies, which go first, and for /stop, which must win.
        """
        for ticket in self._parked.pop(chat_id, ()):
            for pool, _ in ticket.pools:
                pool.give()
            ticket.pools = []
            ticket.revoked = True

    def _unpark(self, ticket: Ticket) -> None:
        if ticket.chat_id is None:
            return
        parked = self._parked.get(ticket.chat_id)
        if parked is not None:
            parked.discard(ticket)
            if not parked:
                del self._parked[ticket.chat_id]
        ticket.chat_id = None

    async def chat(self, chat_id: int, priority: int = REPLY) -> Ticket:
        """Wait for the chat's permits (replies: a reader should not be refused)."""
        if priority == REPLY:
            self.yield_chat(chat_id)  # a reply never waits behind a queued alert
        pause = self._paused_until.get(chat_id, 0.0) - self.clock()
        if pause > 0:
            await asyncio.sleep(pause)
        pools = self._chat_pools(chat_id)
        ticket = Ticket([])
        try:
            for pool, window in pools:
                await pool.take(priority)
                ticket.pools.append((pool, window))
        except BaseException:
            for pool, _ in ticket.pools:
                pool.give()
            raise
        return ticket

    async def send_slot(self, ticket: Ticket, priority: int = ALERT, *, paid: bool = False) -> bool:
        """Add the global permits to a chat ticket, waiting by priority (and out a flood wait).

        ``paid``: the message goes with allow_paid_broadcast, so it needs no free permit;
        with paid broadcast on, every send needs one of the total.  Returns False
        (holding nothing) when the ticket was revoked meanwhile (a reply took the turn).
        """
        if ticket.revoked:
            return False
        pools = []
        if not paid or self.total_pool is None:
            pools.append(self.global_pool)
        if self.total_pool is not None:
            pools.append(self.total_pool)  # always after the free one: no waiting in a circle
        taken: list[tuple[PermitPool, float]] = []
        try:
            await self.flood_wait()
            for pool in pools:
                await pool.take(priority)
                taken.append((pool, 1.0))
            await self.flood_wait()  # one may have begun while we waited for a permit
        except BaseException:
            for pool, _ in taken:
                pool.give()
            raise
        if ticket.revoked:
            for pool, _ in taken:
                pool.give()
            return False
        self._unpark(ticket)
        ticket.pools.extend(taken)
        ticket.sent_at = self.clock()
        return True

    async def flood_wait(self) -> None:
        """Wait while Telegram's global flood wait lasts (nothing may be sent)."""
        # A sleep, not an event: the wait's end is a time that only ever moves later.
        while (remaining := self._flood_until - self.clock()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(remaining)

    @property
    def flooded(self) -> bool:
        """A global flood wait is in force."""
        return self._flood_until > self.clock()

    def rate_limited(self, chat_id: int | None, seconds: float) -> bool:
        """Telegram answered 429 with ``retry_after`` = ``seconds``: honour it.

        The chat pauses for ``seconds``; when 429s came from several chats within a second
        (or for no chat at all), every send pauses: that is Telegram's flood wait for the
        whole bot.  Returns True when it was taken as a global flood wait.
        """
        now = self.clock()
        if chat_id is not None:
            self.pause_chat(chat_id, seconds)
        recent = self._recent_429
        recent.append((now, chat_id))
        while recent and recent[0][0] < now - FLOOD_WINDOW:
            recent.popleft()
        if chat_id is None or len({chat for _, chat in recent}) >= FLOOD_CHATS:
            self._flood_until = max(self._flood_until, now + seconds)
            return True
        return False

    @contextlib.contextmanager
    def holding(self, ticket: Ticket) -> Iterator[Ticket]:
        """Hold a ticket taken by :meth:`try_chat`: given back on leaving, however left.

        If a request left with it (:meth:`sending`), its permits come back one window after
        Telegram received it; otherwise at once.
        """
        try:
            yield ticket
        finally:
            self.release(ticket)

    @contextlib.asynccontextmanager
    async def permit(
        self, chat_id: int, priority: int = REPLY, *, paid: bool = False
    ) -> AsyncIterator[Ticket]:
        """Wait for the chat's and the global permits; they come back on leaving.

        A ticket the chat's turn was taken from meanwhile comes back ``revoked`` (holding
        nothing): the caller must not send with it.
        """
        ticket = await self.chat(chat_id, priority)
        with self.holding(ticket):
            await self.send_slot(ticket, priority, paid=paid)
            yield ticket

    def release(self, ticket: Ticket) -> None:
        """Give the ticket's permits back now rather than when its holder ends (once)."""
        self.done(ticket, sent=ticket.used)

    def sending(self, ticket: Ticket) -> None:
        """A request is leaving with this ticket now: the permits' window starts here."""
        ticket.used = True
        ticket.sent_at = self.clock()

    def done(self, ticket: Ticket, *, sent: bool = True) -> None:
        """The send finished (answered, failed or never left): schedule the permits back.

        A message that reached Telegram holds its permits one window past the moment it
        arrived; one that never left gives them back at once.
        """
        self._unpark(ticket)
        loop = asyncio.get_running_loop()
        now = self.clock()
        arrived = min(now, ticket.sent_at + self.limits.max_skew)
        for pool, window in ticket.pools:
            if sent:
                loop.call_later(max(0.0, arrived + window - now), self._give, pool)
            else:
                pool.give()
        ticket.pools = []

    def _give(self, pool: PermitPool) -> None:
        pool.give()

    def assume_spent(self) -> None:
        """Act as if the last window's whole budget was spent by someone else.

        A process that takes over sending from another (storage/lease.py) cannot know what
        the other sent in its last second: it starts with every global permit out, each
        coming back one window (plus the skew) from now, so the two together never exceed
        the limit.  The hold also covers each chat's one-second window.
        """
        loop = asyncio.get_running_loop()
        hold = 1.0 + self.limits.max_skew
        for pool in (self.global_pool, self.total_pool):
            if pool is None:
                continue
            while pool.try_take():
                loop.call_later(hold, self._give, pool)

    def pause_chat(self, chat_id: int, seconds: float) -> None:
        """Telegram said 429 for this chat: nothing goes to it before `seconds` pass."""
        until = self.clock() + seconds
        self._paused_until[chat_id] = max(until, self._paused_until.get(chat_id, 0.0))

    def forget_idle(self) -> None:
        """Drop the bookkeeping of chats that have nothing pending (keeps memory flat).

        A group's two pools go together, and only when both are idle: a reply waiting
        for the group's per-second permit already holds its per-minute pool, which must
        not be replaced by a fresh one meanwhile.
        """
        now = self.clock()
        for chat_id in [c for c, pool in self._chat_second.items() if pool.idle]:
            minute = self._group_minute.get(chat_id)
            if minute is None or minute.idle:
                del self._chat_second[chat_id]
                self._group_minute.pop(chat_id, None)
        for chat_id in [c for c, until in self._paused_until.items() if until <= now]:
            del self._paused_until[chat_id]
