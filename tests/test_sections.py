"""Sections (rubrieken) end to end: followable, listable, from a page's
"Meer uit", a feed (tests/test_feeds.py) or the admin's `/plaats [Sport] ...`; a term that
is both a section and a word follows the section and offers the word."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.news.parse import parse_brief
from tests.conftest import ADMIN, Harness, import_seed, visible
from tests.waits import outbox_drained


async def keys(bot: Harness, chat_id: int = 1001) -> list[str]:
    return [s.key for s in await bot.services.store.subscriptions(chat_id)]


@pytest.mark.both_backends
async def test_volg_buitenland_follows_the_section_and_gets_its_items(bot: Harness) -> None:
    reply = await bot.say("/volg buitenland")
    assert "Je volgt nu Buitenland (rubriek)." in reply
    assert await keys(bot) == ["s:buitenland"]
    before = len(bot.api.sent(1001))
    await import_seed(bot)  # every item on the page is "Meer uit Buitenland"
    await bot.api.wait_sent(before + 1, 1001)
    await outbox_drained(bot.services.store)
    alerts = "\n".join(bot.texts(1001, before))
    assert "Louvre" in alerts and "TOKIO" in alerts


@pytest.mark.both_backends
async def test_laatste_buitenland_lists_the_section(bot: Harness) -> None:
    await import_seed(bot)
    reply = await bot.say("/laatste Buitenland")
    assert "Het nieuwste over de rubriek Buitenland" in reply and "1. " in reply
    reply = await bot.say("/laatste buitenland")
    assert "rubriek Buitenland" in reply


async def test_sport_is_the_section_and_the_reply_offers_the_word(bot: Harness) -> None:
    reply = await bot.say("/volg sport")
    assert "Je volgt nu Sport (rubriek)." in reply and "het woord ‘sport’" in reply
    assert await keys(bot) == ["s:sport"]
    message = bot.api.sent(1001)[-1]
    [word] = message["reply_markup"]["inline_keyboard"][0]
    assert word["callback_data"] == "f:w:sport"
    before = len(bot.api.sent(1001))
    bot.api.inject_callback(word["callback_data"], chat_id=1001, message_id=message["message_id"])
    [answer] = (await bot.api.wait_sent(before + 1, 1001))[before:]
    assert "Je volgt nu sport (onderwerp)." in visible(answer)
    assert "rubriek Sport" in visible(answer)  # and the other way round is offered
    assert sorted(await keys(bot)) == ["k:sport", "s:sport"]


async def test_plaats_in_a_section_reaches_the_section_followers(bot: Harness) -> None:
    await bot.say("/volg sport")
    reply = await bot.say(
        "/plaats [Sport] ROTTERDAM (ANP) - Feyenoord wint de topper van Ajax.",
        chat_id=ADMIN,
    )
    assert "rubriek Sport" in reply and "regio's: Nederland" in reply and "NL" not in reply
    [alert] = (await bot.api.wait_sent(2, 1001))[1:]
    assert "Feyenoord" in visible(alert)


async def test_a_section_without_a_tag_is_none(bot: Harness) -> None:
    item = parse_brief("UTRECHT (ANP) - Het regent.", now=datetime.now(UTC))
    stored = await bot.services.intake.add(item)
    assert stored.item is not None and stored.item.section is None
    assert "Nog geen nieuws over de rubriek Sport" in await bot.say("/laatste sport")
