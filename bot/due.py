"""A loop that acts on moments kept in the database: pauses that end, overviews that fall due.

Both keep their moments in the store, not in memory, so they survive a restart and another
process may add one.  The loop does what is due now, asks the store for the next moment and
sleeps until then, or at most ``poll`` seconds (another process's change wakes nobody here),
or until :meth:`DueLoop.wake` says a reader just set a new moment.  A database that is down
is logged once by the store; the loop tries again after the poll and never ends on an error.

The clock is a plain callable (unix seconds), settable with :meth:`DueLoop.set_clock`, so
tests move time instead of waiting for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable

from storage import StoreUnavailable

log = logging.getLogger(__name__)

POLL = 30.0  # seconds: look again at least this often (another process may set moments)


class DueLoop(ABC):
    """Runs :meth:`run_due` whenever :meth:`next_moment` says, until stopped."""

    name = "due"  # the task's name, and what the log line says failed

    def __init__(
        self,
        *,
        on_release: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.time,
        poll: float = POLL,
    ) -> None:
        self.on_release = on_release
        self.clock = clock
        self.poll = poll
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @abstractmethod
    async def run_due(self) -> list[int]:
        """Do what is due by the clock now; returns the chats whose alerts go out."""

    @abstractmethod
    async def next_moment(self) -> float | None:
        """The next moment something falls due (unix seconds), or None."""

    def set_clock(self, clock: Callable[[], float]) -> None:
        """Use another clock (tests; a bench that runs time faster) and look again now."""
        self.clock = clock
        self.wake()

    def wake(self) -> None:
        """A moment was set or changed: look again at when the next one is."""
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.run_due()
                due = await self.next_moment()
            except StoreUnavailable:  # the store logged it once; try again after the poll
                due = None
            except Exception:
                log.exception("%s failed; trying again", self.name)
                due = None
            timeout = self.poll if due is None else min(self.poll, max(0.0, due - self.clock()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
