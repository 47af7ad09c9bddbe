"""Ends readers' pauses (`/pauze`) when their moment comes, and hands what was held to the
sender.

A paused chat's alerts are queued 'held' (storage: the fan-out and ``set_pause``); at the
pause's end :meth:`Store.end_pauses` makes them pending again in one transaction, and the
sender's usual combining sends a chat's several pending alerts as one message.  Chats with
an overview keep theirs for the next overview (an overview due during the pause is
skipped).  Alerts whose item has grown older than ``NEWSBOT_ALERT_MAX_AGE`` meanwhile
become 'expired' as every late alert does, and are not sent.

One timer per process that holds the sender's duties; it sleeps until the earliest pause
ends (or :data:`POLL` seconds, as another process may set pauses) and is woken by a new
pause.  Its clock is a plain callable, settable in tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from storage import Store, StoreUnavailable

log = logging.getLogger(__name__)

POLL = 30.0


class PauseTimer:
    """Ends due pauses until stopped."""

    def __init__(
        self,
        store: Store,
        *,
        on_release: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.time,
        poll: float = POLL,
    ) -> None:
        self.store = store
        self.on_release = on_release
        self.clock = clock
        self.poll = poll
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def set_clock(self, clock: Callable[[], float]) -> None:
        """Use another clock (tests) and look again now."""
        self.clock = clock
        self.wake()

    def wake(self) -> None:
        """A pause was set or changed: look again at when the next one ends."""
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="pauses")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run_due(self) -> list[int]:
        """End every pause due by the clock now; returns the chats whose alerts go out."""
        released = await self.store.end_pauses(self.clock())
        if released:
            log.info("pauses over for %d chats", len(released))
            self.on_release()
        return released

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.run_due()
                due = await self.store.next_pause_end()
            except StoreUnavailable:  # the store logged it once; try again after the poll
                due = None
            except Exception:
                log.exception("ending pauses failed; trying again")
                due = None
            timeout = self.poll if due is None else min(self.poll, max(0.0, due - self.clock()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
