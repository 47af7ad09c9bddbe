"""Combining end to end: a backlog goes as one message; corrections and retractions reach it;
overviews at set times (quiet hours, a restart with held alerts).

Several alerts wait together when they are stored in one transaction (a page import, a
feed poll): that is how these tests build a backlog, without depending on timing.  The
overview scheduler's clock is set by the test; the real hour never matters.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.news.parse import parse_brief
from fakes.botapi import BotAPI
from fakes.telegram_html import parse_html
from tests.conftest import ADMIN, Harness, make_settings, running_bot, visible
from tests.waits import eventually, outbox_drained

AMS = ZoneInfo("Europe/Amsterdam")
MORNING = datetime(2026, 6, 1, 7, 0, tzinfo=AMS).timestamp()  # 07:00
EIGHT = datetime(2026, 6, 1, 8, 0, tzinfo=AMS).timestamp()


async def post_together(bot: Harness, *texts: str) -> list[int]:
    """Store briefs in one transaction (as an import does); their ids, in order."""
    now = datetime.now(bot.services.settings.tz)
    results = await bot.services.intake.add_many(
        [parse_brief(text, now=now, source="test") for text in texts]
    )
    ids = [r.item.id for r in results if r.item is not None and r.item.id is not None]
    assert len(ids) == len(texts)
    return ids


def buttons(message: dict[str, object]) -> list[str]:
    markup = message.get("reply_markup") or {}
    assert isinstance(markup, dict)
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


async def follow(bot: Harness, chat_id: int, *terms: str) -> None:
    for term in terms:
        assert "Je volgt nu" in await bot.say(f"/volg {term}", chat_id=chat_id)


def set_clock(bot: Harness, moment: float) -> None:
    assert bot.services.overviews is not None
    bot.services.overviews.set_clock(lambda: moment)


async def test_backlog_goes_as_one_message_newest_first(bot: Harness) -> None:
    await follow(bot, 1101, "Japan", "staking")
    before = len(bot.api.sent(1101))
    await post_together(
        bot,
        "TOKIO (ANP) - Japan kiest een nieuwe premier.",
        "ROTTERDAM (ANP) - De staking in de haven gaat door & breidt uit.",
        "TOKIO (RTR) - Japan en China <praten> weer.",
    )
    await outbox_drained(bot.services.store)
    [message] = bot.api.sent(1101)[before:]
    plain = parse_html(message["text"])  # what Telegram would show: valid HTML
    blocks = plain.split("\n\n")
    assert blocks[0] == "3 nieuwe berichten"
    assert "China <praten>" in blocks[1] and "haven" in blocks[2] and "premier" in blocks[3]
    assert blocks[-1] == "Je volgt: Japan, staking"
    assert buttons(message) == ["Ontvolg Japan", "Ontvolg staking"]
    rows = await bot.services.store.chat_deliveries(1101)
    assert {r.message_id for r in rows} == {message["message_id"]}  # the outbox knows
    assert all(r.status == "sent" for r in rows)


async def test_unfollow_button_under_a_combined_alert_keeps_the_others(bot: Harness) -> None:
    await follow(bot, 1102, "Japan", "staking")
    before = len(bot.api.sent(1102))
    await post_together(bot, "TOKIO (ANP) - Japan een.", "UTRECHT (ANP) - Staking twee.")
    await outbox_drained(bot.services.store)
    [message] = bot.api.sent(1102)[before:]
    data = next(
        b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row
        if b["text"] == "Ontvolg Japan"
    )
    bot.api.inject_callback(data, chat_id=1102, message_id=message["message_id"])
    await bot.api.wait_for(
        lambda: buttons(bot.api.messages[1102][message["message_id"]]) == ["Ontvolg staking"]
    )
    assert [s.label for s in await bot.services.store.subscriptions(1102)] == ["staking"]


async def test_single_alert_still_goes_as_today(bot: Harness) -> None:
    await follow(bot, 1103, "Japan")
    before = len(bot.api.sent(1103))
    await post_together(bot, "TOKIO (ANP) - Japan alleen.")
    [alert] = (await bot.api.wait_sent(before + 1, 1103))[before:]
    assert visible(alert).startswith("TOKIO (ANP) - Japan alleen.")
    assert buttons(alert) == ["Ontvolg Japan", "Deel"]


async def test_correction_edits_the_combined_message_in_place(bot: Harness) -> None:
    await follow(bot, 1104, "Japan")
    before = len(bot.api.sent(1104))
    first, _ = await post_together(
        bot, "TOKIO (ANP) - Japan meldt 10 doden.", "TOKIO (ANP) - Japan sluit scholen."
    )
    await outbox_drained(bot.services.store)
    [message] = bot.api.sent(1104)[before:]
    reply = await bot.say(f"/corrigeer {first} Japan meldt 12 doden.", chat_id=ADMIN)
    assert "gecorrigeerd" in reply
    stored = bot.api.messages[1104]
    await bot.api.wait_for(lambda: "12 doden" in stored[message["message_id"]]["text"])
    text = stored[message["message_id"]]["text"]
    assert "10 doden" not in text and "sluit scholen" in text and "2 nieuwe berichten" in text
    parse_html(stored[message["message_id"]]["raw_text"])
    assert len(bot.api.sent(1104)) == before + 1  # edited, nothing new sent


async def test_retraction_removes_the_item_then_deletes_the_emptied_message(
    bot: Harness,
) -> None:
    await follow(bot, 1105, "Japan")
    before = len(bot.api.sent(1105))
    first, second = await post_together(
        bot, "TOKIO (ANP) - Japan vals alarm.", "TOKIO (ANP) - Japan echt nieuws."
    )
    await outbox_drained(bot.services.store)
    [message] = bot.api.sent(1105)[before:]
    stored = bot.api.messages[1105]
    assert "ingetrokken" in await bot.say(f"/intrekken {first} ja", chat_id=ADMIN)
    await bot.api.wait_for(lambda: "vals alarm" not in stored[message["message_id"]]["text"])
    assert "echt nieuws" in stored[message["message_id"]]["text"]
    assert "ingetrokken" in await bot.say(f"/intrekken {second} ja", chat_id=ADMIN)
    await bot.api.wait_for(lambda: message["message_id"] not in stored)


async def test_overview_at_its_time_grouped_by_topic(bot: Harness) -> None:
    set_clock(bot, MORNING)
    await follow(bot, 1106, "Japan", "staking")
    assert "08:00" in await bot.say("/overzicht 8:00", chat_id=1106)
    before = len(bot.api.sent(1106))
    await post_together(bot, "TOKIO (ANP) - Japan eerst.")
    await post_together(bot, "UTRECHT (ANP) - Staking op het spoor.")
    await post_together(bot, "TOKIO (ANP) - Japan daarna.")
    assert await bot.services.store.held_count(1106) == 3
    set_clock(bot, EIGHT)
    [overview] = (await bot.api.wait_sent(before + 1, 1106))[before:]
    plain = parse_html(overview["text"])
    parts = plain.split("\n\n")
    # (With the date: this test's 08:00 is not today's.)
    assert parts[0].startswith("Je overzicht van 08:00")
    japan, staking = parts.index("Japan"), parts.index("staking")
    assert japan < staking  # the group with the newest item first
    assert "Japan daarna" in parts[japan + 1] and "Japan eerst" in parts[japan + 2]
    assert "spoor" in parts[staking + 1]
    assert not overview.get("disable_notification")
    await outbox_drained(bot.services.store)
    await eventually(lambda: _overview_done(bot, 1106), what="overview recorded")
    # Nothing more until the next time: a new alert is held again.
    await post_together(bot, "TOKIO (ANP) - Japan na het overzicht.")
    assert await bot.services.store.held_count(1106) == 1
    assert len(bot.api.sent(1106)) == before + 1


async def _overview_done(bot: Harness, chat_id: int) -> bool:
    chat = await bot.services.store.chat(chat_id)
    return chat is not None and chat.overview_at is None


async def test_nothing_held_nothing_sent(bot: Harness) -> None:
    set_clock(bot, MORNING)
    await follow(bot, 1107, "Japan")
    await bot.say("/overzicht 8:00", chat_id=1107)
    before = len(bot.api.sent(1107))
    set_clock(bot, EIGHT + 60)
    await eventually(lambda: _moved_on(bot, 1107), what="next overview scheduled")
    assert len(bot.api.sent(1107)) == before


async def _moved_on(bot: Harness, chat_id: int) -> bool:
    chat = await bot.services.store.chat(chat_id)
    return chat is not None and chat.overview_due == EIGHT + 24 * 3600


@pytest.mark.parametrize(("quiet", "silent"), [("7-9", True), ("23-7", False)])
async def test_overview_inside_quiet_hours_is_silent(
    bot: Harness, quiet: str, silent: bool
) -> None:
    set_clock(bot, MORNING)
    await follow(bot, 1108, "Japan")
    await bot.say(f"/stil {quiet}", chat_id=1108)
    await bot.say("/overzicht 8:00", chat_id=1108)
    before = len(bot.api.sent(1108))
    await post_together(bot, "TOKIO (ANP) - Japan in de ochtend.")
    set_clock(bot, EIGHT)
    [overview] = (await bot.api.wait_sent(before + 1, 1108))[before:]
    assert bool(overview.get("disable_notification")) is silent


async def test_direct_topic_comes_at_once_beside_the_overview(bot: Harness) -> None:
    set_clock(bot, MORNING)
    await follow(bot, 1109, "Japan", "staking")
    await bot.say("/overzicht 8:00", chat_id=1109)
    key = next(s.key for s in await bot.services.store.subscriptions(1109) if s.label == "Japan")
    assert await bot.services.store.set_direct(1109, key, True)
    before = len(bot.api.sent(1109))
    await post_together(bot, "TOKIO (ANP) - Japan breaking.", "UTRECHT (ANP) - Staking later.")
    [alert] = (await bot.api.wait_sent(before + 1, 1109))[before:]
    assert "breaking" in alert["text"] and "Staking" not in alert["text"]
    set_clock(bot, EIGHT)
    [overview] = (await bot.api.wait_sent(before + 2, 1109))[before + 1:]
    assert "Staking later" in overview["text"] and "breaking" not in overview["text"]


@pytest.mark.both_backends
async def test_restart_with_held_alerts_sends_the_missed_overview_once(
    api: BotAPI, db_target: Path | str
) -> None:
    settings = make_settings(api, db_target)
    async with running_bot(settings, api) as bot:
        set_clock(bot, MORNING)
        await follow(bot, 1110, "Japan")
        await bot.say("/overzicht 8:00", chat_id=1110)
        await post_together(bot, "TOKIO (ANP) - Japan een.", "TOKIO (ANP) - Japan twee.")
        assert await bot.services.store.held_count(1110) == 2
        before = len(api.sent(1110))
    # Down over 08:00 (the real clock is long past that June morning): on start the
    # missed overview goes out, once.
    async with running_bot(settings, api) as bot:
        [overview] = (await api.wait_sent(before + 1, 1110))[before:]
        assert "Japan een" in overview["text"] and "Japan twee" in overview["text"]
        assert parse_html(overview["text"]).startswith("Je overzicht van 08:00")
        await outbox_drained(bot.services.store)
        await eventually(lambda: _overview_done(bot, 1110), what="overview recorded")
    async with running_bot(settings, api) as bot:
        await outbox_drained(bot.services.store)
        assert bot.services.overviews is not None
        assert await bot.services.overviews.run_due() == []
        assert len(api.sent(1110)) == before + 1  # never twice
        rows = await bot.services.store.chat_deliveries(1110)
        assert [r.status for r in rows] == ["sent", "sent"]
