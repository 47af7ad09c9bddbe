"""Forum topics end to end: each topic of a supergroup follows its own subjects."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.news.parse import parse_brief
from fakes.botapi import BotAPI
from storage import open_store
from storage.db import connect
from tests.conftest import Harness, make_settings, running_bot, visible
from tests.waits import outbox_drained

FORUM = -100900
ADMIN_OF_FORUM = 7
MEMBER = 8
SPORT, NEWS = 5, 9  # message_thread_ids of two topics


async def in_topic(bot: Harness, text: str, thread: int | None, user: int = ADMIN_OF_FORUM) -> Any:
    """Say `text` in a topic of the forum (None: outside any topic); return the bot's reply."""
    before = len(bot.api.sent(FORUM))
    bot.api.inject_message(
        text, chat_id=FORUM, user_id=user, chat_type="supergroup", message_thread_id=thread
    )
    return (await bot.api.wait_sent(before + 1, FORUM))[before]


async def post(bot: Harness, text: str) -> None:
    now = datetime.now(bot.services.settings.tz)
    await bot.services.intake.add(parse_brief(text, now=now, source="test"))


@pytest.fixture(autouse=True)
def forum(api: BotAPI) -> None:
    api.set_admins(FORUM, [ADMIN_OF_FORUM])


@pytest.mark.both_backends
async def test_each_topic_gets_the_alerts_it_follows(bot: Harness) -> None:
    reply = await in_topic(bot, "/volg Japan", SPORT)
    assert reply["message_thread_id"] == SPORT  # the answer goes to the topic asked in
    assert "Je volgt nu Japan" in visible(reply)
    await in_topic(bot, "/volg Oekraïne", NEWS)
    await in_topic(bot, "/volg Japan", NEWS)
    before = len(bot.api.sent(FORUM))
    await post(bot, "TOKIO (ANP) - Japan kiest een nieuwe premier.")
    await post(bot, "KYIV (AFP) - Oekraïne meldt nieuwe aanvallen.")
    await outbox_drained(bot.services.store)
    alerts = bot.api.sent(FORUM)[before:]
    assert {a["message_thread_id"] for a in alerts} == {SPORT, NEWS}
    sport = "\n".join(visible(a) for a in alerts if a["message_thread_id"] == SPORT)
    news = "\n".join(visible(a) for a in alerts if a["message_thread_id"] == NEWS)
    # Japan in both topics, Oekraïne only in its own (alone or combined with Japan's).
    assert "TOKIO" in sport and "KYIV" not in sport
    assert "TOKIO" in news and "KYIV" in news


async def test_mijn_ontvolg_and_buttons_act_on_their_own_topic(bot: Harness) -> None:
    await in_topic(bot, "/volg Japan", SPORT)
    await in_topic(bot, "/volg staking", SPORT)
    await in_topic(bot, "/volg Japan", NEWS)
    await in_topic(bot, "/volg Oekraïne", None)  # the group as a whole, outside topics
    store = bot.services.store
    mine = await in_topic(bot, "/mijn", SPORT, user=MEMBER)  # anyone may look
    assert mine["message_thread_id"] == SPORT
    assert "Japan" in visible(mine) and "staking" in visible(mine)
    assert "Oekraïne" not in visible(mine)
    # /ontvolg in one topic leaves the other topic's Japan alone.
    assert "niet meer" in visible(await in_topic(bot, "/ontvolg Japan", NEWS))
    assert [s.label for s in await store.subscriptions(FORUM, thread=NEWS)] == []
    assert [s.label for s in await store.subscriptions(FORUM, thread=SPORT)] == [
        "Japan", "staking"
    ]
    # A button of /mijn in the sport topic removes from the sport topic.
    buttons = [b for row in mine["reply_markup"]["inline_keyboard"] for b in row]
    japan = next(b for b in buttons if "Japan" in b["text"])
    bot.api.inject_callback(
        japan["callback_data"], chat_id=FORUM, user_id=ADMIN_OF_FORUM,
        message_id=mine["message_id"],
    )
    await bot.api.wait_for(lambda: bot.api.callback_answers)
    assert "niet meer" in bot.api.callback_answers[-1]["text"]
    assert [s.label for s in await store.subscriptions(FORUM, thread=SPORT)] == ["staking"]
    assert [s.label for s in await store.subscriptions(FORUM)] == ["Oekraïne"]


async def test_only_group_admins_change_a_topic(bot: Harness) -> None:
    reply = await in_topic(bot, "/volg Japan", SPORT, user=MEMBER)
    assert "beheerders" in visible(reply) and reply["message_thread_id"] == SPORT
    assert await bot.services.store.subscriptions(FORUM, thread=SPORT) == []


async def test_unfollow_under_an_alert_in_a_topic(bot: Harness) -> None:
    await in_topic(bot, "/volg Japan", SPORT)
    await in_topic(bot, "/volg Japan", NEWS)
    before = len(bot.api.sent(FORUM))
    await post(bot, "TOKIO (ANP) - Japan kiest een nieuwe premier.")
    alerts = (await bot.api.wait_sent(before + 2, FORUM))[before:]
    sport = next(a for a in alerts if a["message_thread_id"] == SPORT)
    button = sport["reply_markup"]["inline_keyboard"][0][0]
    bot.api.inject_callback(
        button["callback_data"], chat_id=FORUM, user_id=ADMIN_OF_FORUM,
        message_id=sport["message_id"],
    )
    await bot.api.wait_for(lambda: bot.api.callback_answers)
    store = bot.services.store
    assert await store.subscriptions(FORUM, thread=SPORT) == []
    assert [s.label for s in await store.subscriptions(FORUM, thread=NEWS)] == ["Japan"]


async def test_a_deleted_topic_stops_getting_alerts(bot: Harness) -> None:
    await in_topic(bot, "/volg Japan", SPORT)
    await in_topic(bot, "/volg Japan", NEWS)
    bot.api.delete_topic(FORUM, SPORT)
    before = len(bot.api.sent(FORUM))
    await post(bot, "TOKIO (ANP) - Japan kiest een nieuwe premier.")
    await outbox_drained(bot.services.store)
    [alert] = bot.api.sent(FORUM)[before:]
    assert alert["message_thread_id"] == NEWS
    assert await bot.services.store.subscriptions(FORUM, thread=SPORT) == []
    assert len(await bot.services.store.subscriptions(FORUM, thread=NEWS)) == 1


async def test_a_database_from_before_topics_keeps_working(
    api: BotAPI, db_path: Path
) -> None:
    # Migration 6 is the last one without topics: subscriptions and an alert already sent.
    old = await connect(db_path, upto=6)
    await old.execute("INSERT INTO chats (id, kind, created_at) VALUES (1001, 'private', 0)")
    await old.execute(
        "INSERT INTO subscriptions (chat_id, key, label, created_at)"
        " VALUES (1001, 'r:JP', 'Japan', 0)"
    )
    await old.execute(
        "INSERT INTO items (kind, body, received_at, content_hash) VALUES ('brief', 'x', 0, 'h')"
    )
    await old.execute(
        "INSERT INTO deliveries (item_id, chat_id, key, status, message_id, sent_at)"
        " VALUES (1, 1001, 'r:JP', 'sent', 3, 0)"
    )
    await old.close()
    store = await open_store(db_path)
    try:
        assert [s.label for s in await store.subscriptions(1001)] == ["Japan"]
        [row] = await store.chat_deliveries(1001)
        assert row.thread_id == 0 and row.status == "sent" and row.message_id == 3
    finally:
        await store.close()
    # And the whole chat gets its alerts as any group does, without a message_thread_id.
    async with running_bot(make_settings(api, db_path), api) as bot:
        await post(bot, "TOKIO (ANP) - Japan kiest een nieuwe premier.")
        [alert] = await api.wait_sent(1, 1001)
        assert "message_thread_id" not in alert and "TOKIO" in visible(alert)
