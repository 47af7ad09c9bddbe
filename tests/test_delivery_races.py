"""Changes that race the sender, end to end through the emulator.

Each fan-out here goes to 150 chats with a slow Bot API (every request takes
0.2 s), so dozens of alerts are in flight at any moment: the moment a correction, a
retraction or a /stop lands is always in the middle of sends.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.intake import Intake
from bot.news.parse import parse_brief
from fakes.botapi import BotAPI
from storage import open_store
from tests.conftest import ADMIN, Harness, make_settings, running_bot, visible
from tests.waits import eventually, outbox_drained

READERS = range(20_000, 20_150)
SLOW = 0.2  # seconds every Bot API request takes


@pytest.fixture
async def slow_bot(api: BotAPI, db_path: Path) -> AsyncIterator[Harness]:
    settings = make_settings(api, db_path, paid_broadcast=True)
    async with running_bot(settings, api) as harness:
        yield harness


async def follow_japan(bot: Harness, chats: range) -> None:
    store = bot.services.store
    for chat_id in chats:
        await store.touch_chat(chat_id, "private")
        await store.subscribe(chat_id, "r:JP", "Japan")


async def post(bot: Harness, text: str) -> int:
    brief = parse_brief(text, now=datetime.now(UTC), source="test")
    stored = await bot.services.intake.add(brief)
    assert stored.item is not None and stored.item.id is not None
    return stored.item.id


def alerts_with(api: BotAPI, marker: str) -> list[dict[str, object]]:
    return [m for m in api.sent() if marker in str(m["text"]) and int(m["chat_id"]) != ADMIN]


async def admin_says(bot: Harness, text: str) -> tuple[str, int]:
    """Send an admin command; return the reply and its position among all sent messages."""
    before = len(bot.api.sent(ADMIN))
    bot.api.inject_message(text, chat_id=ADMIN, user_id=ADMIN)
    sent = await bot.api.wait_sent(before + 1, ADMIN, timeout=20)
    reply = sent[before]
    position = next(i for i, m in enumerate(bot.api.sent()) if m is reply)
    return visible(reply), position


async def chores_done(bot: Harness) -> None:
    sender = bot.services.sender
    assert sender is not None
    await outbox_drained(bot.services.store, within=30)
    await eventually(lambda: sender.idle, within=30, what="corrections/retractions finished")


async def test_retraction_during_a_fan_out_leaves_no_alert_up(slow_bot: Harness) -> None:
    """Once /intrekken answers, no alert of the item goes out and every sent one is deleted."""
    bot = slow_bot
    await follow_japan(bot, READERS)
    bot.api.delay = SLOW
    item_id = await post(bot, "TOKIO (ANP) - Japan meldt vals alarm.")
    await bot.api.wait_for(lambda: len(alerts_with(bot.api, "vals alarm")) >= 30, timeout=20)

    reply, position = await admin_says(bot, f"/intrekken {item_id} ja")
    accepted_before_reply = [
        m for m in bot.api.sent()[:position] if "vals alarm" in str(m["text"])
    ]
    await chores_done(bot)

    # Once /intrekken has answered, no alert of the item goes out any more.
    late = [m for m in bot.api.sent()[position:] if "vals alarm" in str(m["text"])]
    assert late == []
    # Every alert Telegram accepted is deleted again.
    accepted = alerts_with(bot.api, "vals alarm")
    await bot.api.wait_for(
        lambda: all(m["message_id"] not in bot.api.messages[m["chat_id"]] for m in accepted),
        timeout=20,
    )
    # The admin was told the truth: sent ones to delete, the rest never sent.
    match = re.search(r"(\d+) meldingen? niet verstuurd; (\d+) verstuurde", reply)
    assert match, reply
    not_sent, to_delete = int(match[1]), int(match[2])
    assert to_delete == len(accepted) == len(accepted_before_reply)
    assert not_sent + to_delete == len(READERS)


async def test_correction_during_a_fan_out_leaves_no_old_text(slow_bot: Harness) -> None:
    """After /corrigeer every reader ends with one alert, showing the corrected text."""
    bot = slow_bot
    await follow_japan(bot, READERS)
    bot.api.delay = SLOW
    item_id = await post(bot, "TOKIO (ANP) - Japan meldt 10 doden.")
    await bot.api.wait_for(lambda: len(alerts_with(bot.api, "doden")) >= 30, timeout=20)

    reply, _ = await admin_says(bot, f"/corrigeer {item_id} Japan meldt 12 doden.")
    assert "gecorrigeerd" in reply
    await chores_done(bot)

    def shown() -> list[str]:
        return [
            str(message["text"])
            for chat_id in READERS
            for message in bot.api.messages[chat_id].values()
        ]

    await bot.api.wait_for(lambda: all("12 doden" in text for text in shown()), timeout=20)
    assert len(shown()) == len(READERS)  # each reader has exactly one alert


async def test_nothing_arrives_after_stop_and_its_reply_does_not_wait(bot: Harness) -> None:
    """/stop wins over an alert the dispatcher already took.

    At 30 messages a second a 100-chat fan-out takes over three seconds; the reader's
    alert is queued last (highest chat id), holding its chat's permit meanwhile.
    """
    others, reader = range(31_000, 31_100), 31_999
    await follow_japan(bot, others)
    await follow_japan(bot, range(reader, reader + 1))
    await post(bot, "TOKIO (ANP) - Japan kiest een nieuwe premier.")
    await bot.api.wait_sent(1)  # the fan-out has begun
    bot.api.inject_message("/stop", chat_id=reader, user_id=reader)
    [question] = await bot.api.wait_sent(1, reader, timeout=10)
    assert "Weet je het zeker?" in visible(question)  # /stop asks first
    bot.api.inject_callback("x:stop", chat_id=reader, message_id=question["message_id"])
    await bot.api.wait_for(
        lambda: "Gestopt" in visible(bot.api.messages[reader][question["message_id"]]),
        timeout=10,
    )
    await outbox_drained(bot.services.store)
    # The answer is all the reader got: the alert queued before /stop never went out...
    assert [m["message_id"] for m in bot.api.sent(reader)] == [question["message_id"]]
    # ... and the reply did not wait for the fan-out to reach this chat.
    everything = bot.api.sent()
    reply_at = next(i for i, m in enumerate(everything) if m["chat_id"] == reader)
    last_alert_at = max(i for i, m in enumerate(everything) if m["chat_id"] in others)
    assert reply_at < last_alert_at


async def test_group_migration_never_edits_another_message(bot: Harness) -> None:
    """Message ids are per chat; a migrated group's old ids mean nothing."""
    old, new = -4100, -1004100
    await bot.services.store.touch_chat(old, "group")
    await bot.services.store.subscribe(old, "r:JP", "Japan")
    first = await post(bot, "TOKIO (ANP) - Japan eerste bericht.")
    [alert] = await bot.api.wait_sent(1, old)
    await outbox_drained(bot.services.store)
    # The group becomes a supergroup; the next alert moves the chat's data along.
    bot.api.migrate(old, new)
    await post(bot, "TOKIO (ANP) - Japan tweede bericht.")
    await bot.api.wait_sent(1, new)
    await outbox_drained(bot.services.store)
    # Message ids are per chat: the second alert has, in the new chat, the id the
    # first alert had in the old one.
    bystander = dict(bot.api.messages[new][alert["message_id"]])
    assert "tweede bericht" in str(bystander["text"])

    await admin_says(bot, f"/corrigeer {first} Japan eerste bericht, gecorrigeerd.")
    await admin_says(bot, f"/intrekken {first} ja")
    await chores_done(bot)
    assert bot.api.messages[new].get(alert["message_id"]) == bystander


async def test_an_item_still_followed_another_way_is_not_dropped(bot: Harness) -> None:
    """Unfollowing one of two matching subscriptions keeps the alert."""
    reader = 30_002
    store = bot.services.store
    await store.touch_chat(reader, "private")
    await store.subscribe(reader, "r:JP", "Japan")
    assert "Je volgt nu" in await bot.say("/volg Tokio", chat_id=reader)
    # Telegram holds the alert back for a second; meanwhile the reader unfollows the
    # subscription the alert row recorded, and still follows the other.
    bot.api.fail_next("sendMessage", 429, count=1, retry_after=1, chat_id=reader)
    await post(bot, "TOKIO (ANP) - Japan kiest een nieuwe premier.")

    async def held_back() -> bool:
        rows = await store.chat_deliveries(reader)
        return bool(rows) and rows[0].error == "429"

    await eventually(held_back, what="the alert held back by a 429")
    [row] = await store.chat_deliveries(reader)
    unfollow, other = ("Japan", "Tokio") if row.key == "r:JP" else ("Tokio", "Japan")
    assert "niet meer" in await bot.say(f"/ontvolg {unfollow}", chat_id=reader)
    await outbox_drained(store)
    alerts = [visible(m) for m in bot.api.sent(reader) if "nieuwe premier" in visible(m)]
    assert len(alerts) == 1, alerts
    assert f"Je volgt: {other}" in alerts[0]


@pytest.mark.parametrize("db_target", ["postgresql"], indirect=True)
async def test_retraction_by_another_process_reaches_the_sending_one(
    api: BotAPI, db_target: str
) -> None:
    """Two processes on PostgreSQL (webhook mode: both answer admins): a retraction made in
    the one that does not send stops and deletes what the sending one had in hand."""
    settings = make_settings(api, db_target, paid_broadcast=True)
    readers = range(20_000, 20_300)
    async with running_bot(settings, api) as bot:
        await follow_japan(bot, readers)
        # The other process is ready before the fan-out starts, and the fan-out is slow
        # (300 chats, 0.4 s a request: about two seconds), so the retraction lands in it.
        other = await open_store(db_target)  # the other process: no sender of its own
        api.delay = 2 * SLOW
        try:
            item_id = await post(bot, "TOKIO (ANP) - Japan meldt vals alarm.")
            await api.wait_for(lambda: len(alerts_with(api, "vals alarm")) >= 30, timeout=20)
            item = await other.item(item_id, live=True)
            assert item is not None
            await Intake(other, bot.services.gazetteer).retract(item)
        finally:
            await other.close()
        await chores_done(bot)

        # Every alert that reached a phone, before or after the retraction, is deleted
        # (the notice may reach the sending process a moment late: the wait covers it).
        accepted = alerts_with(api, "vals alarm")
        assert 0 < len(accepted) < len(readers)
        await api.wait_for(
            lambda: all(m["message_id"] not in api.messages[m["chat_id"]] for m in accepted),
            timeout=20,
        )
