"""One budget for every send, and 429s taken as Telegram means them.

The emulator enforces Telegram's rule (all sends within the total, those without
allow_paid_broadcast within the free part), shrunk here so that a few hundred messages
reach the limits: the bot is given the same shrunk limits.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.delivery.ratelimit import Limits
from bot.news.parse import parse_brief
from fakes.botapi import BotAPI
from storage import Store
from tests.conftest import IN_PROCESS_SKEW, Harness, make_settings, running_bot
from tests.waits import eventually, outbox_drained


async def add_followers(store: Store, chats: range, key: str = "r:JP") -> None:
    """Private chats following `key`, written in one transaction (set-up, not under test)."""
    async with store.transaction() as conn:
        await conn.executemany(
            "INSERT INTO chats (id, kind, created_at) VALUES (?, 'private', 0)",
            [(c,) for c in chats],
        )
        await conn.executemany(
            "INSERT INTO subscriptions (chat_id, key, label, created_at) VALUES (?, ?, 'Japan', 0)",
            [(c, key) for c in chats],
        )
    store.followed.add(key)


async def post(bot: Harness, text: str = "TOKIO (ANP) - Japan kiest een premier.") -> int:
    now = datetime.now(bot.services.settings.tz)
    stored = await bot.services.intake.add(parse_brief(text, now=now, source="test"))
    return stored.queued


async def test_paid_fan_out_and_a_reply_burst_share_one_budget(
    api: BotAPI, db_path: Path
) -> None:
    """Replies (free) and paid alerts together stay within the total: no 429 at all."""
    api.enforce_limits = True
    api.total_limit, api.free_limit = 100, 30
    settings = make_settings(api, db_path, paid_broadcast=True)
    limits = Limits(global_per_second=30, paid_per_second=100, max_skew=IN_PROCESS_SKEW)
    followers = range(20_000, 20_250)
    readers = range(30_000, 30_060)
    async with running_bot(settings, api, limits=limits) as bot:
        await add_followers(bot.services.store, followers)
        for chat_id in readers:  # 60 readers type at once: 2 s of the free 30/s
            api.inject_message("/help", chat_id=chat_id, user_id=chat_id)
        assert await post(bot) == len(followers)
        await api.wait_sent(len(followers) + len(readers), timeout=30)
        await outbox_drained(bot.services.store, within=30)
    assert api.stats["429"] == 0
    assert all(len(api.sent(c)) == 1 for c in (*followers, *readers))
    alerts = [m for c in followers for m in api.sent(c)]
    assert all(m.get("allow_paid_broadcast") is True for m in alerts)
    assert not any(m.get("allow_paid_broadcast") for c in readers for m in api.sent(c))


async def test_429s_from_several_chats_pause_every_send(api: BotAPI, db_path: Path) -> None:
    """A global flood wait: after 429s from several chats the bot stops trying chat after
    chat, waits retry_after, then delivers everything once, without spending attempts."""
    followers = range(40_000, 40_100)
    async with running_bot(make_settings(api, db_path), api) as bot:
        await add_followers(bot.services.store, followers)
        api.flood(1.5, retry_after=2)
        assert await post(bot) == len(followers)
        await eventually(lambda: api.stats["429"] >= 2, within=10, what="429s answered")
        await api.wait_sent(len(followers), timeout=30)
        await outbox_drained(bot.services.store, within=30)
        rows = [await bot.services.store.chat_deliveries(c) for c in followers]
    # Per-chat pauses alone would try a second's budget of new chats into the flood each
    # second (60 429s in 1.5 s); the global wait stops after the sends already under way.
    assert api.stats["429"] <= 30, api.stats
    assert all(len(api.sent(c)) == 1 for c in followers)
    assert all(r[0].status == "sent" and r[0].attempts == 0 for r in rows)


async def test_a_429_for_one_chat_holds_back_only_that_chat(bot: Harness) -> None:
    followers = range(50_000, 50_010)
    await add_followers(bot.services.store, followers)
    bot.api.fail_next("sendMessage", 429, count=1, retry_after=5, chat_id=50_000)
    assert await post(bot) == len(followers)
    # The other nine arrive long before the 5 s the one chat must wait.
    await bot.api.wait_sent(9, timeout=4)
    assert not bot.api.sent(50_000)
    await bot.api.wait_sent(1, chat_id=50_000, timeout=10)
    await outbox_drained(bot.services.store)
    assert all(len(bot.api.sent(c)) == 1 for c in followers)
