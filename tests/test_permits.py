"""Permits cannot leak: sends cancelled or failed mid-flight give every chat's permit back.

A chat has one permit a second (Telegram's limit); one that never came back would keep
the chat from ever getting another alert.  Here a fan-out is under way with Telegram
slow to answer: some sends fail (a chat's own 5xx, a blocked chat, a refused message),
and the sender is stopped without grace, which cancels the sends still waiting for an
answer.  Then every permit must be free again, and the chats must get what is pending
once the sender starts again.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import pytest

from bot.delivery.ratelimit import PermitPool
from bot.delivery.retry import Timings
from bot.news.parse import parse_brief
from fakes.botapi import BotAPI
from tests.conftest import make_settings, running_bot
from tests.waits import eventually, outbox_drained

CHATS = range(5001, 5031)
TROUBLED, BLOCKED, REFUSED = CHATS[0], CHATS[1:4], CHATS[4:7]
REJECTED = 'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 0'


async def test_cancelled_and_failed_sends_give_every_permit_back(
    api: BotAPI, db_path: Path
) -> None:
    timings = Timings(retry_base=0.05, retry_cap=0.05, probe_base=0.05, probe_cap=0.2)
    async with running_bot(make_settings(api, db_path), api, timings=timings) as bot:
        sender, store = bot.services.sender, bot.services.store
        assert sender is not None
        for chat in CHATS:
            await store.touch_chat(chat, "private")
            await store.subscribe(chat, "r:JP", "Japan")
        api.fail_next("sendMessage", 502, chat_id=TROUBLED)
        for chat in BLOCKED:
            api.block(chat)
        for chat in REFUSED:
            api.fail_next("sendMessage", 400, REJECTED, chat_id=chat)
        api.delay = 0.3  # Telegram slow to answer: sends stay on their way
        now = datetime.now(bot.services.settings.tz)
        await bot.services.intake.add(parse_brief("TOKIO (ANP) - Japan stemt.", now=now))
        await eventually(lambda: sender.inflight.requests >= 5, what="sends on their way")
        await sender.stop(grace=0.0)  # cancels the sends waiting for their answer
        assert sender.inflight.requests == 0
        await eventually(lambda: sender.limiter.idle, within=5,
                         what="every chat's and the global permits free")

        # The permits really work: started again, every chat that can be written to gets
        # its alert (those cancelled mid-flight were still pending).
        api.delay = 0.0
        sender.start()
        await outbox_drained(store, within=20)
        for chat in CHATS:
            if chat in BLOCKED:
                assert not api.sent(chat), chat
            elif chat not in REFUSED:  # (a refusal may be met before or after the stop)
                assert api.sent(chat), chat
        await eventually(lambda: sender.limiter.idle, within=5, what="permits free at rest")


async def test_a_wait_for_a_permit_cancelled_as_a_permit_comes_back_ends_cancelled() -> None:
    """The sender stopping cancels workers waiting for the global permit; a permit coming
    back in the same moment must not turn that cancellation into an error (the worker
    would take it for a failed delivery, spend an attempt and carry on)."""
    pool = PermitPool(1)
    assert pool.try_take()
    waiter = asyncio.create_task(pool.take())
    await eventually(lambda: any(pool._waiters), what="the waiter is queued")
    waiter.cancel()
    pool.give()  # before the waiter runs again: its future is already cancelled
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert pool.idle  # the permit went back to the pool, not to the cancelled waiter
