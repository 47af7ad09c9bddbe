"""Overview times: when a chat's `/overzicht` is due, hand its held alerts to the sender.

The schedule lives in the database (`chats.overview_due`), not in memory, so it
survives a restart: on start every overview that fell due while the bot was down is
released at once (one overview however many times were missed), and held alerts are
released in the same transaction that moves the chat's next moment, so none is sent
twice.  Releasing is one UPDATE per due chat; the sender then renders the chat's rows
as the overview (bot/delivery/compose.py) within Telegram's limits like any alert.

The loop and its clock are :class:`bot.due.DueLoop`'s: tests move the clock instead of
waiting for 8:00.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.due import POLL, DueLoop
from bot.news.overview import Rhythm, next_overview, stored_rhythm
from storage import Store

log = logging.getLogger(__name__)

RELEASE_BATCH = 1000  # due chats per transaction, so readers' commands get in between


class OverviewScheduler(DueLoop):
    """Releases due overviews until stopped.  One per bot process, beside the sender."""

    name = "overview-scheduler"

    def __init__(
        self,
        store: Store,
        tz: ZoneInfo,
        *,
        on_release: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.time,
        poll: float = POLL,
    ) -> None:
        super().__init__(on_release=on_release, clock=clock, poll=poll)
        self.store = store
        self.tz = tz
        self.released = 0  # overviews handed to the sender since start

    # -- time ----------------------------------------------------------------------------

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

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

    # -- the loop (bot.due.DueLoop) --------------------------------------------------------

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

    async def next_moment(self) -> float | None:
        return await self.store.next_overview_due()
