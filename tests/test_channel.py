"""The newsroom's channel (NEWSBOT_CHANNEL) end to end: post, edit, delete, and no flood."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.news.buttons import direct_toggle, unfollow_alert, unfollow_list
from bot.news.match import ALL_KEY
from bot.news.parse import parse_article, parse_brief
from fakes.botapi import BotAPI
from storage import Store
from tests.conftest import ADMIN, Harness, make_settings, running_bot, visible
from tests.waits import eventually, outbox_drained

CHANNEL = -1001234567890
NAME = "nieuwsdesk"


async def post(bot: Harness, text: str) -> int:
    now = datetime.now(bot.services.settings.tz)
    stored = await bot.services.intake.add(parse_brief(text, now=now, source="test"))
    assert stored.item is not None and stored.item.id is not None
    return stored.item.id


@pytest.fixture
async def newsroom(api: BotAPI, db_path: Path) -> AsyncIterator[Harness]:
    """The bot with NEWSBOT_CHANNEL=@nieuwsdesk, a channel it is an admin of."""
    api.add_channel(CHANNEL, username=NAME, title="Nieuwsdesk")
    api.set_admins(CHANNEL, [api.bot_id])
    async with running_bot(make_settings(api, db_path, channel=f"@{NAME}"), api) as bot:
        yield bot


async def test_every_item_is_posted_then_edited_then_deleted(newsroom: Harness) -> None:
    bot, api = newsroom, newsroom.api
    item_id = await post(bot, "UTRECHT (ANP) - De Dom staat weer in de steigers.")
    [brief] = await api.wait_sent(1, CHANNEL)
    text = visible(brief)
    assert text.startswith("UTRECHT (ANP) - De Dom staat weer in de steigers.")
    assert "Je volgt" not in text  # the channel's readers follow the channel, not a topic
    [[share]] = brief["reply_markup"]["inline_keyboard"]  # no unfollow button in a channel
    assert share["text"] == "Deel" and share["switch_inline_query"] == f"#{item_id}"
    # An article goes with its title.
    now = datetime.now(bot.services.settings.tz)
    await bot.services.intake.add(parse_article(
        "Kabinet valt over stikstof\nDEN HAAG (ANP) - Het kabinet is gevallen.",
        now=now, source="test",
    ))
    article = (await api.wait_sent(2, CHANNEL))[1]
    assert visible(article).startswith("Kabinet valt over stikstof\nDEN HAAG (ANP)")
    # A correction edits the post in place.
    reply = await bot.say(
        f"/corrigeer {item_id} UTRECHT (ANP) - De Domtoren staat weer in de steigers.",
        chat_id=ADMIN,
    )
    assert "gecorrigeerd" in reply
    await api.wait_for(
        lambda: "Domtoren" in api.messages[CHANNEL][brief["message_id"]]["text"]
    )
    assert "Je volgt" not in api.messages[CHANNEL][brief["message_id"]]["text"]
    # A retraction deletes it.
    assert "ingetrokken" in await bot.say(f"/intrekken {item_id} ja", chat_id=ADMIN)
    await api.wait_for(lambda: brief["message_id"] not in api.messages[CHANNEL])
    assert article["message_id"] in api.messages[CHANNEL]
    assert len(api.sent(CHANNEL)) == 2


async def test_the_channel_is_a_chat_row_in_the_outbox(newsroom: Harness) -> None:
    store = newsroom.services.store
    row = await store.chat(CHANNEL)
    assert row is not None and row.kind == "channel" and row.active
    assert [s.key for s in await store.subscriptions(CHANNEL)] == [ALL_KEY]
    await post(newsroom, "ZWOLLE (ANP) - Het regent.")
    await outbox_drained(store)
    [delivery] = await store.chat_deliveries(CHANNEL)
    assert delivery.status == "sent" and delivery.key == ALL_KEY


async def test_not_an_admin_one_warning_and_no_flood(
    api: BotAPI, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    api.add_channel(CHANNEL, username=NAME)  # the bot is not an admin of it
    caplog.set_level(logging.WARNING, logger="bot.channel")
    async with running_bot(make_settings(api, db_path, channel=str(CHANNEL)), api) as bot:
        warnings = [r for r in caplog.records if r.name == "bot.channel"]
        assert len(warnings) == 1 and "not an admin" in warnings[0].getMessage()
        for n in range(5):
            await post(bot, f"ZWOLLE (ANP) - Bericht {n} over het weer.")
        await outbox_drained(bot.services.store)
        tried = [c for c in api.calls_to("sendMessage") if c.params.get("chat_id") == CHANNEL]
        assert tried == []  # nothing queued for it, so nothing tried and failed
        # An admin of the channel makes the bot an admin: posting starts, no restart.
        api.inject_my_chat_member(CHANNEL, "administrator")

        async def active() -> bool:
            row = await bot.services.store.chat(CHANNEL)
            return bool(row and row.active)

        await eventually(active, what="channel active again")
        await post(bot, "ZWOLLE (ANP) - Nu schijnt de zon.")
        [message] = await api.wait_sent(1, CHANNEL)
        assert "zon" in visible(message)


async def test_unsetting_the_channel_stops_posting(api: BotAPI, db_path: Path) -> None:
    api.add_channel(CHANNEL, username=NAME)
    api.set_admins(CHANNEL, [api.bot_id])
    async with running_bot(make_settings(api, db_path, channel=f"@{NAME}"), api):
        pass
    async with running_bot(make_settings(api, db_path), api) as bot:
        assert await bot.services.store.subscriptions(CHANNEL) == []
        await post(bot, "ZWOLLE (ANP) - Het regent.")
        await outbox_drained(bot.services.store)
        assert api.sent(CHANNEL) == []


async def test_set_channel_keeps_one_channel(store: Store) -> None:
    await store.set_channel(-1001)
    await store.set_channel(-1002, "Tweede")
    assert await store.subscriptions(-1001) == []
    assert [s.key for s in await store.subscriptions(-1002)] == [ALL_KEY]
    await store.set_channel(None)
    assert await store.subscriptions(-1002) == []


# Who may change a chat's follows is decided by the person who pressed,
# never by the message the button is under.  The channel's posts are sent by the channel
# itself (sender_chat = the channel), which once passed for "an anonymous admin".
SUBSCRIPTION_BUTTONS = {
    "unfollow under an alert": lambda key: unfollow_alert(key),
    "unfollow in /mijn": lambda key: unfollow_list(key),
    "direct": lambda key: direct_toggle(key, True),
    "in overzicht": lambda key: direct_toggle(key, False),
}


@pytest.mark.parametrize("button", sorted(SUBSCRIPTION_BUTTONS))
async def test_a_forged_button_on_a_channel_post_changes_nothing(
    newsroom: Harness, button: str
) -> None:
    bot, api = newsroom, newsroom.api
    await post(bot, "ZWOLLE (ANP) - Het regent.")
    [message] = await api.wait_sent(1, CHANNEL)
    assert api.messages[CHANNEL][message["message_id"]]["sender_chat"]["id"] == CHANNEL
    before = await bot.services.store.subscriptions(CHANNEL)
    answered = len(api.callback_answers)
    api.inject_callback(SUBSCRIPTION_BUTTONS[button](ALL_KEY), chat_id=CHANNEL, user_id=1001)
    [answer] = (await api.wait_for(lambda: api.callback_answers[answered:]))
    assert answer.get("show_alert") and "beheerders" in answer["text"]
    assert await bot.services.store.subscriptions(CHANNEL) == before
    # The channel still gets the next item.
    await post(bot, "ZWOLLE (ANP) - Nu schijnt de zon.")
    await api.wait_sent(2, CHANNEL)


async def test_a_channel_admin_may_press(newsroom: Harness) -> None:
    """The presser decides: an admin of the channel is allowed what a reader is not."""
    bot, api = newsroom, newsroom.api
    api.set_admins(CHANNEL, [api.bot_id, 777])
    await post(bot, "ZWOLLE (ANP) - Het regent.")
    await api.wait_sent(1, CHANNEL)
    api.inject_callback(direct_toggle(ALL_KEY, False), chat_id=CHANNEL, user_id=777)
    [answer] = await api.wait_for(lambda: api.callback_answers)
    assert not answer.get("show_alert")
