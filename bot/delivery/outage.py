"""Telling "Telegram or the network is down" from "this chat has a problem".

A send can fail at the transport: a 5xx, a timeout, a refused or dropped connection.
One such failure says little.  Counted against the delivery, a Telegram outage of a
minute or two would spend every attempt of every alert in flight and drop them.

The gate decides instead:

* failures from two or more chats since Telegram last answered anything: an outage;
* a failure from one chat alone: one cheap call (getMe) settles it.  No answer: an
  outage.  An answer: the chat's own problem, which the sender backs off per delivery
  and gives up on after a bounded number of attempts, the reason recorded.

In an outage the gate closes: no send goes out and no delivery spends an attempt.  It
probes with getMe on a backoff (``probe_base`` doubling to ``probe_cap``, 30 s) and on
the first answer lets one real send through as a trial (getMe may answer while sending
does not); that send's answer opens the gate, its failure closes it again at the next
backoff step.  Nothing waits on a clock that runs out: an alert stays pending however
long the outage, until it is sent or older than NEWSBOT_ALERT_MAX_AGE.

The trial is a turn held inside :meth:`OutageGate.admitted`, and it is given back on
every path that ends without a request reaching Telegram: the alert admitted may have
expired while it waited at the gate (in a long outage every alert held there does), its
chat been stopped, its item retracted or its row combined into another message, and
the worker may be cancelled or fail.  Had such a trial stayed taken, nothing would ever
answer it and the gate would stay shut for good.  Given back, the next waiting send
tries.  No timer is needed for a trial that does reach Telegram: its request ends, by
an answer or by the request's own timeout, and either one settles the trial.

A sender stopped during an outage (a lost lease) leaves the gate down with its probe
cancelled; :meth:`OutageGate.resume` at the next start probes again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from enum import Enum

from telegram.error import RetryAfter, TelegramError

log = logging.getLogger(__name__)

OUTAGE_CHATS = 2  # transport failures from this many chats, with no answer between: down


class Verdict(Enum):
    CHAT = "chat"  # Telegram answers; this chat's sends fail
    OUTAGE = "outage"  # Telegram (or the way to it) is down


class State(Enum):
    UP = "up"
    DOWN = "down"  # nothing is sent; the probe runs
    TRIAL = "trial"  # the probe was answered; one send may try


class OutageGate:
    """Whether sends may go to Telegram now, learnt from how the sends end."""

    def __init__(
        self,
        probe: Callable[[], Awaitable[object]],
        *,
        probe_base: float = 1.0,
        probe_cap: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.probe = probe
        self.probe_base = probe_base
        self.probe_cap = probe_cap
        self.clock = clock
        self.state = State.UP
        self.down_since: float | None = None
        self._failing: set[int] = set()  # chats failing since Telegram last answered
        self._delay = probe_base  # the next wait before a probe
        self._changed = asyncio.Event()
        self._trial_taken = False
        self._trials = 0  # counts the trials offered, so a holder gives back only its own
        self._check: asyncio.Task[bool] | None = None
        self._prober: asyncio.Task[None] | None = None

    @property
    def down(self) -> bool:
        """Sending is paused (an outage, probes running); False again once a probe is
        answered, while the first send tries."""
        return self.state is State.DOWN

    # -- what the sender asks --------------------------------------------------------

    async def wait_not_down(self) -> None:
        """Until the gate is up or trying (the dispatcher reads nothing while down)."""
        while self.state is State.DOWN:
            await self._wait_change()

    @contextlib.asynccontextmanager
    async def admitted(self) -> AsyncIterator[None]:
        """Inside, a send may go: at once while up; one at a time on trial.

        The send's answer (:meth:`answered`, :meth:`failed`) settles a trial.  Leaving
        without either, however it is left (nothing was sent after all, an exception,
        cancellation), gives the trial back to the next send waiting.
        """
        trial = await self._admit()
        try:
            yield
        finally:
            if trial is not None and self._trial_open(trial):
                log.info("the trial send did not go; the next one tries")
                self._trial_taken = False
                self._notify()

    async def _admit(self) -> int | None:
        """Wait until a send may go; the trial's number when it goes as the trial."""
        while True:
            if self.state is State.UP:
                return None
            if self.state is State.TRIAL and not self._trial_taken:
                self._trial_taken = True
                return self._trials
            await self._wait_change()

    def _trial_open(self, trial: int) -> bool:
        """Trial number `trial` is still taken and unanswered."""
        return self.state is State.TRIAL and self._trials == trial and self._trial_taken

    # -- what the sender tells -------------------------------------------------------

    def answered(self) -> None:
        """Telegram answered a send (success, or an error about the chat or the message)."""
        self._failing.clear()
        if self.state is not State.UP:
            took = self.clock() - (self.down_since or self.clock())
            log.warning("Telegram answers again (after %.0f s): sending resumes", took)
            self._set(State.UP)
            self.down_since = None
        self._delay = self.probe_base

    async def failed(self, chat_id: int, reason: str) -> Verdict:
        """A send to `chat_id` failed at the transport (5xx, timeout, connection)."""
        if self.state is not State.UP:
            self._go_down(reason)  # a trial failed, or a send still under way did
            return Verdict.OUTAGE
        self._failing.add(chat_id)
        if len(self._failing) >= OUTAGE_CHATS:
            self._go_down(reason)
            return Verdict.OUTAGE
        # One chat so far: does Telegram answer at all?  One probe for all who ask.
        if self._check is None or self._check.done():
            self._check = asyncio.create_task(self._ask(), name="outage-check")
        reachable = await asyncio.shield(self._check)
        if self.state is not State.UP:  # others' failures decided meanwhile
            return Verdict.OUTAGE
        if not reachable:
            self._go_down(reason)
            return Verdict.OUTAGE
        return Verdict.CHAT

    def resume(self) -> None:
        """A fresh start of the sender: nobody holds the trial, and while down the probe
        runs again (:meth:`close` cancelled it), starting from its shortest wait."""
        self._failing.clear()
        if self.state is State.TRIAL:
            self._set(State.TRIAL)  # a new trial, free to take
        elif self.state is State.DOWN:
            self._delay = self.probe_base
            if self._prober is None or self._prober.done():
                self._prober = asyncio.create_task(self._probe_loop(), name="outage-probe")

    async def close(self) -> None:
        for task in (self._check, self._prober):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    # -- inside ----------------------------------------------------------------------

    def _set(self, state: State) -> None:
        self.state = state
        self._trial_taken = False
        if state is State.TRIAL:
            self._trials += 1
        self._notify()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_change(self) -> None:
        await self._changed.wait()

    def _go_down(self, reason: str) -> None:
        if self.state is State.DOWN:
            return
        if self.state is State.UP:
            self.down_since = self.clock()
            log.warning("Telegram unreachable (%s): sending paused, probing", reason)
        else:  # the trial failed: wait longer before the next probe
            self._delay = min(self.probe_cap, self._delay * 2)
        self._set(State.DOWN)
        if self._prober is None or self._prober.done():
            self._prober = asyncio.create_task(self._probe_loop(), name="outage-probe")

    async def _probe_loop(self) -> None:
        while self.state is State.DOWN:
            # A little jitter, so that a restart of many bots does not probe in step.
            await asyncio.sleep(self._delay * random.uniform(0.9, 1.1))
            if self.state is not State.DOWN:
                return
            if await self._ask():
                self._set(State.TRIAL)
                return
            self._delay = min(self.probe_cap, self._delay * 2)
            log.info("Telegram still unreachable; next probe in %.0f s", self._delay)

    async def _ask(self) -> bool:
        """One cheap call: does Telegram answer?"""
        try:
            await self.probe()
        except RetryAfter:
            return True  # a 429 is an answer
        except (TelegramError, OSError, TimeoutError):
            return False
        return True
