"""The work only one process may do at a time: send alerts, poll feeds, call getUpdates.

Two `newsbot run` processes on one PostgreSQL database both answer readers (webhook
mode), but only the holder of the store's lease (storage/lease.py) sends, polls and (in
polling mode) asks Telegram for updates: Telegram allows one getUpdates caller per bot,
and two senders would send every alert twice.  The other process waits for the lease
and takes over within seconds when the holder dies or stops.

On SQLite the lease is always held, so everything starts at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from storage import Lease

log = logging.getLogger(__name__)


class Duties:
    """Starts `begin` while the lease is held and runs `end` when it is lost or on stop."""

    def __init__(
        self,
        lease: Lease,
        begin: Callable[[], Awaitable[None]],
        end: Callable[[], Awaitable[None]],
    ) -> None:
        self.lease = lease
        self._begin = begin
        self._end = end
        self.held = False
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Take up the duties now if the lease is free; otherwise wait for it in the background."""
        if await self._try():
            await self._begin()
            self.held = True
        if self.lease.can_be_lost:
            self._task = asyncio.create_task(self._run(), name="lease-duties")

    async def _try(self) -> bool:
        try:
            return await self.lease.try_acquire()
        except Exception as exc:
            log.warning("could not take the sender lease yet (%s); will retry", exc)
            return False

    async def _run(self) -> None:
        while True:
            if not self.held:
                await self.lease.acquire()
                try:
                    await self._begin()
                except Exception as exc:  # e.g. Telegram unreachable for getUpdates
                    log.warning("could not start sending (%s: %s); trying again",
                                type(exc).__name__, exc)
                    await self._stop_duties()
                    await self.lease.release()
                    await asyncio.sleep(1.0)
                    continue
                self.held = True
            await self.lease.lost.wait()
            log.warning("lost the sender lease (its database connection ended);"
                        " not sending until this process holds it again")
            self.held = False
            await self._stop_duties()
            await self.lease.release()

    async def _stop_duties(self) -> None:
        try:
            await self._end()
        except Exception as exc:  # the database went away: rows stay pending, resent later
            log.warning("stopping the sender: %s: %s", type(exc).__name__, exc)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.held:
            self.held = False
            await self._stop_duties()
        await self.lease.release()
