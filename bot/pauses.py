"""Ends readers' pauses (`/pauze`) when their moment comes, and hands what was held to the
sender.

A paused chat's alerts are queued 'held' (storage: the fan-out and ``set_pause``); at the
pause's end :meth:`Store.end_pauses` makes them pending again in one transaction, and the
sender's usual combining sends a chat's several pending alerts as one message.  Chats with
an overview keep theirs for the next overview (an overview due during the pause is
skipped).  Alerts whose item has grown older than ``NEWSBOT_ALERT_MAX_AGE`` meanwhile
become 'expired' as every late alert does, and are not sent.

One timer per process that holds the sender's duties (a :class:`bot.due.DueLoop`): it
sleeps until the earliest pause ends and is woken by a new pause.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from bot.due import POLL, DueLoop
from storage import Store

log = logging.getLogger(__name__)


class PauseTimer(DueLoop):
    """Ends due pauses until stopped."""

    name = "pauses"

    def __init__(
        self,
        store: Store,
        *,
        on_release: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.time,
        poll: float = POLL,
    ) -> None:
        super().__init__(on_release=on_release, clock=clock, poll=poll)
        self.store = store

    async def run_due(self) -> list[int]:
        """End every pause due by the clock now; returns the chats whose alerts go out."""
        released = await self.store.end_pauses(self.clock())
        if released:
            log.info("pauses over for %d chats", len(released))
            self.on_release()
        return released

    async def next_moment(self) -> float | None:
        return await self.store.next_pause_end()
