"""Waiting in tests: on the condition meant, with a deadline that fails loudly.

A test never sleeps for a guessed time and never counts loop turns: a machine under
load (CI, a second process beside it) makes any guess wrong.  It polls the condition
it is waiting for, a few milliseconds apart, and raises with a message that says what
did not happen when the deadline passes.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from storage import Store

POLL = 0.005


async def eventually(
    predicate: Callable[[], Any | Awaitable[Any]],
    *,
    within: float = 10.0,
    what: str = "condition",
) -> Any:
    """Poll `predicate` (sync or async) until it returns something truthy; return that.

    Raises AssertionError naming `what` when `within` seconds pass first.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = predicate()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if loop.time() >= deadline:
            raise AssertionError(f"{what}: not met within {within} s")
        await asyncio.sleep(POLL)


async def outbox_drained(store: Store, within: float = 10.0) -> None:
    """Wait until no alert is pending: every send has been made and its outcome written.

    A row stays pending until the sender records its outcome, so an empty queue means
    nothing more can arrive for what was stored so far.
    """

    async def drained() -> bool:
        return (await store.delivery_counts()).get("pending", 0) == 0

    await eventually(drained, within=within, what="outbox drained (no pending alerts)")
