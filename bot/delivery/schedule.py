"""Overview times: when a chat's `/overzicht` is due, hand its held alerts to the sender.

The schedule lives in the database (`chats.overview_due`), not in memory, so it
survives a restart: on start every overview that fell due while the bot was down is
released at once (one overview however many times were missed), and held alerts are
released in the same transaction that moves the chat's next moment, so none is sent
twice.  Releasing is one UPDATE per due chat; the sender then renders the chat's rows
as the overview (bot/delivery/compose.py) within Telegram's limits like any alert.

The clock is a plain callable (`clock`, unix seconds), settable with
:meth:`OverviewScheduler.set_clock`, so tests move time instead of waiting for 8:00.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.news.overview import Rhythm, next_overview, stored_rhythm
from storage import Store, StoreUnavailable

log = logging.getLogger(__name__)

RELEASE_BATCH = 1000  # due chats per transaction, so readers' commands get in between
POLL = 30.0  # seconds: look again at least this often (another process may set rhythms)


class OverviewScheduler:
    """Releases due overviews until stopped.  One per bot process, beside the sender."""

    def __init__(
        self,
        store: Store,
        tz: ZoneInfo,
        *,
        on_release: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.time,
        poll: float = POLL,
    ) -> None:
        self.store = store
        self.tz = tz
        self.on_release = on_release
        self.clock = clock
        self.poll = poll
        self.released = 0  # overviews handed to the sender since start
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # -- time ----------------------------------------------------------------------------

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def set_clock(self, clock: Callable[[], float]) -> None:
        """Use another clock (tests; a bench that runs time faster) and look again now."""
        self.clock = clock
        self.wake()

    def next_due(self, rhythm: Rhythm, after: float | None = None) -> float:
        moment = datetime.fromtimestamp(self.clock() if after is None else after, UTC)
        return next_overview(rhythm, moment, self.tz).timestamp()

    def _next_due_text(self, text: str, after: float) -> float | None:
        rhythm = stored_rhythm(text)
        return self.next_due(rhythm, after) if rhythm is not None else None

    # -- changes from readers ------------------------------------------------------------

    async def set_rhythm(self, chat_id: int, rhythm: Rhythm | None) -> tuple[datetime | None, int]:
        """Store a chat's rhythm; returns its next overview moment and alerts released.

        Turning the overview off releases what was held, so it goes out at once.
        """
        if rhythm is None:
            released = await self.store.set_overview(chat_id, None, None)
            if released:
                self.on_release()
            return None, released
        due = self.next_due(rhythm)
        await self.store.set_overview(chat_id, rhythm.text, due)
        self.wake()
        return datetime.fromtimestamp(due, UTC), 0

    # -- the loop ------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="overview-scheduler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        self._wake.set()

    async def run_due(self) -> list[int]:
        """Release every overview due by the clock now; returns the chats released."""
        now = self.clock()
        chats: list[int] = []
        while True:
            batch, looked_at = await self.store.release_due_overviews(
                now, self._next_due_text, limit=RELEASE_BATCH
            )
            chats += batch
            if looked_at < RELEASE_BATCH:
                break
        if chats:
            self.released += len(chats)
            log.info("overviews due for %d chats", len(chats))
            self.on_release()
        return chats

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.run_due()
                due = await self.store.next_overview_due()
            except StoreUnavailable:  # the store logged it once; try again after the poll
                due = None
            except Exception:
                log.exception("releasing overviews failed; trying again")
                due = None
            timeout = self.poll if due is None else min(self.poll, max(0.0, due - self.clock()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
