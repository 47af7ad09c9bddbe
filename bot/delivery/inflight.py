"""Requests on their way to Telegram, and the changes that must wait for them.

Changes race the sends, and the change must win.  An item's version goes up at every
change; every send is tracked here, with its chat and the version of the item it
rendered, from just before the request until its answer.  So:

- a correction (:meth:`InFlight.settle`) waits for the sends of the old text, and
  everything sent of it is then on record to be edited;
- a retraction first blocks the item (:meth:`InFlight.block`: the re-check drops every
  alert of it from then on), then settles;
- /stop (:meth:`InFlight.paused`) makes the chat's queued alerts give back their turn,
  waits for its sends on their way, and holds the chat until it leaves: the re-check
  drops whatever was read before that.

Waits are bounded (``SETTLE_TIMEOUT``, longer than any request's timeout): a request that
never answers cannot hold a change forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence

from bot.delivery.ratelimit import RateLimiter

log = logging.getLogger(__name__)

SETTLE_TIMEOUT = 60.0  # at most this long for sends in flight to answer (request timeouts)
STOPPED_MEMORY = 600.0  # seconds a /stop is remembered against deliveries read before it


class InFlight:
    """What is on its way, item versions, retracted items and held chats."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter
        # Requests on their way to Telegram: (item, chat, item version) per send.
        self._requests: dict[object, tuple[int, int, int]] = {}
        self._request_done = asyncio.Event()
        self._versions: dict[int, int] = {}  # bumped on every change of an item
        self._retracted: set[int] = set()
        self._held_chats: dict[int, int] = {}  # chat -> how many paused() are open
        self._chat_reset_at: dict[int, float] = {}  # chat -> when its last /stop finished

    @property
    def requests(self) -> int:
        """Sends on their way to Telegram now."""
        return len(self._requests)

    # -- items -------------------------------------------------------------------------

    def version(self, item_id: int) -> int:
        return self._versions.get(item_id, 0)

    def changed(self, item_id: int) -> None:
        """The item changed (correction, retraction): sends from now on read it afresh."""
        self._versions[item_id] = self._versions.get(item_id, 0) + 1

    def block(self, item_id: int) -> None:
        """The item is being retracted: from now on no alert of it starts."""
        self._retracted.add(item_id)
        self.changed(item_id)

    def retracted(self, item_id: int) -> bool:
        return item_id in self._retracted

    async def settle(self, item_id: int) -> None:
        """Wait for the sends of the item's text before its latest change."""
        version = self.version(item_id)
        await self._requests_done(lambda item, _chat, seen: item == item_id and seen < version)

    # -- chats -------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def paused(self, chat_id: int) -> AsyncIterator[None]:
        """Nothing goes to the chat while inside (for /stop and a reader blocking us).

        On entry the chat's queued alerts give back their turn and the sends already on
        their way are waited for; deliveries read before the exit are dropped, so the
        chat's rows can be removed inside without a queued copy going out afterwards.
        """
        self._held_chats[chat_id] = self._held_chats.get(chat_id, 0) + 1
        try:
            self.limiter.yield_chat(chat_id)
            await self._requests_done(lambda _item, chat, _version: chat == chat_id)
            yield
        finally:
            self._chat_reset_at[chat_id] = time.monotonic()
            if self._held_chats[chat_id] == 1:
                del self._held_chats[chat_id]
            else:
                self._held_chats[chat_id] -= 1

    def stopped(self, chat_id: int, read_at: float) -> bool:
        """The chat is held, or was stopped after a delivery of it was read at `read_at`."""
        return chat_id in self._held_chats or read_at <= self._chat_reset_at.get(chat_id, -1.0)

    def forget_old_stops(self) -> None:
        horizon = time.monotonic() - STOPPED_MEMORY
        for chat_id in [c for c, at in self._chat_reset_at.items() if at < horizon]:
            del self._chat_reset_at[chat_id]

    # -- requests ----------------------------------------------------------------------

    @contextlib.contextmanager
    def tracking(self, chat_id: int, item_ids: Sequence[int]) -> Iterator[None]:
        """Count these sends as on their way, so a change or a /stop waits for them."""
        requests = [object() for _ in item_ids]
        for request, item_id in zip(requests, item_ids, strict=True):
            self._requests[request] = (item_id, chat_id, self.version(item_id))
        try:
            yield
        finally:
            for request in requests:
                del self._requests[request]
            self._request_done.set()
            self._request_done = asyncio.Event()

    async def _requests_done(self, match: Callable[[int, int, int], bool]) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_TIMEOUT
        while any(match(*request) for request in self._requests.values()):
            remaining = deadline - loop.time()
            if remaining <= 0:
                log.warning("sends in flight did not answer within %.0f s", SETTLE_TIMEOUT)
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._request_done.wait(), remaining)
