"""Writing down what became of each alert: group commit, and the bound on duplicates.

Delivery is at-least-once: a row stays `pending` until its outcome is written, so a
crash resends what was in flight (and only that).  The flusher writes whatever outcomes
are waiting as soon as its previous write is done; outcomes that arrive during a write
go together in the next one, so an outcome is durable within about one commit of being
known, and at the paid rate a commit carries a few outcomes instead of one each.

The bound: a worker sends again only once an earlier outcome is committed
(:meth:`OutcomeLog.turn` / :meth:`OutcomeLog.durable`: a queue of one commit per worker),
so sends awaiting an answer plus outcomes not yet written never exceed the workers, and
a kill -9 repeats at most that many alerts, however loaded the event loop.  (A fixed
flush tick instead lets known outcomes pile up unwritten: docs/benchmarks.md.)

Rows handed to a worker stay *busy* until their outcome is written, or the dispatcher
would read them as pending again and send them twice.  Outcomes a stopping sender could
not write stay here, their rows busy, and are the first write of its next start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence

from storage import Store, StoreUnavailable
from storage.outbox import ChatGone, ChatMoved, DeliveryId, Outcome

log = logging.getLogger(__name__)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class OutcomeLog:
    """Outcomes waiting to be written, the rows still busy, and the commits to wait for."""

    def __init__(
        self,
        store: Store,
        *,
        workers: int,
        flush_every: float,
        on_chat_change: Callable[[], None] = lambda: None,
    ) -> None:
        self.store = store
        self.workers = workers
        self.flush_every = flush_every  # pause after a failed write before the next try
        # A chat went dormant or moved: the dispatcher should read again.
        self.on_chat_change = on_chat_change
        self.busy: set[DeliveryId] = set()  # handed to a worker, outcome not yet written
        self._outcomes: list[Outcome] = []
        # Rows whose outcome is known but not yet written: still busy for the dispatcher.
        self._finished: list[DeliveryId] = []
        self._ready = asyncio.Event()  # the flusher has something to write
        self._commit: asyncio.Future[None] | None = None  # done when they are written
        # One per worker: the commits of the latest outcomes, oldest first.
        self._commit_waits: list[asyncio.Future[None] | None] = [None] * workers

    @property
    def idle(self) -> bool:
        """Nothing busy, no outcome unwritten."""
        return not (self.busy or self._outcomes or self._finished)

    def reset(self) -> None:
        """A fresh start of the workers: nobody waits for an old commit.

        Outcomes the last stop could not write (the database had gone) are written
        first: their rows stay busy until then, and nothing else might come to wake
        the flusher once the rest of the fan-out is done.
        """
        self._commit_waits = [None] * self.workers
        if self._outcomes or self._finished:
            self._ready.set()

    def claim(self, ids: Iterable[DeliveryId]) -> None:
        """These rows are handed to a worker."""
        self.busy.update(ids)

    def give_back(self, ids: Iterable[DeliveryId]) -> None:
        """Handed out but never started (the sender stops): pending as they were."""
        self.busy.difference_update(ids)

    def turn(self) -> asyncio.Future[None] | None:
        """A worker's next send: the commit it must see done first (see :meth:`durable`)."""
        return self._commit_waits.pop(0)

    async def durable(self, previous: asyncio.Future[None] | None) -> bool:
        """Wait until an earlier outcome is committed before sending again.

        Each send takes the commit of the oldest outcome handed to the flusher and gives
        back its own.  It waits with the next send's permits in hand, so the commit
        overlaps the wait for permits.  Returns whether it had to wait.
        """
        if previous is None or previous.done():
            return False
        # Shielded: one worker cancelled at stop must not cancel the others' wait.
        await asyncio.shield(previous)
        return True

    def add(self, ids: Sequence[DeliveryId], outcomes: Sequence[Outcome]) -> None:
        """A worker's delivery ended with these outcomes (written by the next commit)."""
        self._outcomes.extend(outcomes)
        self._finished.extend(ids)
        self._ready.set()
        if self._commit is None:
            self._commit = asyncio.get_running_loop().create_future()
        self._commit_waits.append(self._commit)

    async def run(self) -> None:
        """The flusher: write whatever is waiting as soon as the previous write is done."""
        while True:
            await self._ready.wait()
            self._ready.clear()
            try:
                await self.flush()
            except StoreUnavailable:  # the store logged it once; outcomes kept, tried again
                self._ready.set()
                await asyncio.sleep(self.flush_every)
            except Exception:
                log.exception("writing delivery outcomes failed; will try again")
                self._ready.set()
                await asyncio.sleep(self.flush_every)  # do not spin on a failing disk

    async def flush(self) -> None:
        """Write the waiting outcomes now, in one transaction."""
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
        self.busy.difference_update(finished)
        if commit is not None:
            _resolve(commit)
        if any(isinstance(o, ChatGone | ChatMoved) for o in batch):
            self.on_chat_change()
