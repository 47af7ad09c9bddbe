"""Reading: /laatste, /zoek and the buttons under alerts, through the local Bot API."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.news.parse import parse_brief
from tests.conftest import ADMIN, Harness, import_seed, visible


async def test_laatste_with_nothing_stored_is_friendly(bot: Harness) -> None:
    assert "nog geen nieuws" in (await bot.say("/laatste")).lower()


async def test_laatste_shows_the_seed_lead_story(bot: Harness) -> None:
    await import_seed(bot)
    [story] = await bot.replies("/laatste", 1)
    assert story.startswith("Rusland trekt troepen terug uit Izjoem en Balaklia")
    assert "MOSKOU (ANP/RTR/AFP)" in story and "Spoorrails" in story
    assert "Buitenland" in story
    raw = bot.api.sent(1001)[-1]["text"]
    assert "<b>Rusland trekt troepen terug uit Izjoem en Balaklia</b>" in raw
    assert "<b>Spoorrails</b>" in raw


async def test_laatste_n_lists_the_newest_briefs(bot: Harness) -> None:
    await import_seed(bot)
    reply = await bot.say("/laatste 3")
    lines = [line for line in reply.splitlines() if line.strip()]
    # Numbered: the number is the button that opens the whole item.
    assert lines[1].startswith("1. PARIJS") and "16 minuten geleden" not in lines[0]
    assert lines[2].startswith("2. KYIV") and lines[3].startswith("3. MOSKOU")
    assert "OSLO" not in reply


async def test_laatste_bad_number_gives_usage(bot: Harness) -> None:
    assert "1 tot 20" in await bot.say("/laatste 0")
    assert "1 tot 20" in await bot.say("/laatste -5")
    # Above 20: the newest 20, and the reply says so.
    assert "de nieuwste 20" in await bot.say("/laatste 21")


@pytest.mark.both_backends
async def test_laatste_region(bot: Harness) -> None:
    await import_seed(bot)
    reply = await bot.say("/laatste Japan")
    assert "TOKIO" in reply and "PARIJS" not in reply


@pytest.mark.both_backends
async def test_zoek_is_diacritics_and_plural_tolerant(bot: Harness) -> None:
    await import_seed(bot)
    assert "Louvre" in await bot.say("/zoek staking")
    assert "begroting" in await bot.say("/zoek lecornu")
    reply = await bot.say("/zoek oekraine")
    assert "KYIV" in reply or "MOSKOU" in reply


async def test_zoek_survives_fts_syntax(bot: Harness) -> None:
    await import_seed(bot)
    queries = ('"', "*", "AND", "NEAR(", "(((", "staking -louvre", 'a"b OR', "^x:y")
    # One chat per query: a chat gets at most one message a second.
    replies = await asyncio.gather(
        *(bot.say(f"/zoek {query}", chat_id=3000 + i) for i, query in enumerate(queries))
    )
    for reply in replies:
        assert "iets mis" not in reply  # the error handler stayed quiet
        answers = ("Gevonden", "Niets gevonden", "Waar wil je", "bijna elk bericht", "te kort")
        assert any(ok in reply for ok in answers)  # a search, or what /volg would refuse
    # The words are echoed as typed; a "-" is no operator ("staking -louvre" is a phrase).
    assert "“staking -louvre”" in replies[5]


async def test_zoek_without_result_suggests_volg(bot: Harness) -> None:
    await import_seed(bot)
    reply = await bot.say("/zoek kwantumfysica")
    assert "Niets gevonden" in reply and "/volg kwantumfysica" in reply
    assert "Waar wil je naar zoeken" in await bot.say("/zoek")


@pytest.mark.both_backends
async def test_zoek_meer_pages_on(bot: Harness) -> None:
    now = datetime.now(UTC)
    for town in ("ASSEN", "BREDA", "DELFT", "EDE", "GOUDA", "HOORN", "LEEK"):
        item = parse_brief(f"{town} (ANP) - De dijkbewaking houdt de wacht.", now=now)
        assert (await bot.services.intake.add(item)).item is not None
    first = await bot.say("/zoek dijkbewaking")
    assert "(1–5)" in first
    message = bot.api.sent(1001)[-1]
    # A number per result (opens it in full), then "Meer".
    [numbers, [button]] = message["reply_markup"]["inline_keyboard"]
    assert [b["text"] for b in numbers] == ["1", "2", "3", "4", "5"]
    bot.api.inject_callback(button["callback_data"], chat_id=1001, message_id=message["message_id"])
    page = await bot.api.wait_for(
        lambda: "(6–" in bot.api.messages[1001][message["message_id"]]["text"]
    )
    assert page


async def test_unfollow_button_under_an_alert(bot: Harness) -> None:
    await bot.say("/volg Japan")
    before = len(bot.api.sent(1001))
    await import_seed(bot)
    [alert] = (await bot.api.wait_sent(before + 1, 1001))[before:]
    [[button], [share]] = alert["reply_markup"]["inline_keyboard"]
    assert button["text"] == "Ontvolg Japan"
    assert share["text"] == "Deel"
    bot.api.inject_callback(button["callback_data"], chat_id=1001, message_id=alert["message_id"])
    await bot.api.wait_for(lambda: bot.api.callback_answers)
    assert "niet meer" in bot.api.callback_answers[-1]["text"]
    # The unfollow button goes; sharing still makes sense.
    await bot.api.wait_for(
        lambda: bot.api.messages[1001][alert["message_id"]]["reply_markup"]["inline_keyboard"]
        == [[share]]
    )
    assert await bot.services.store.subscriptions(1001) == []


async def test_laatste_shows_new_news_at_once_despite_the_reply_cache(bot: Harness) -> None:
    assert "nog geen nieuws" in (await bot.say("/laatste")).lower()
    await import_seed(bot)
    [story] = await bot.replies("/laatste", 1)
    assert story.startswith("Rusland trekt troepen terug")
    await bot.say(
        "/opening Nieuwe opening\nDEN HAAG (ANP) - Het kabinet is gevallen.", chat_id=500
    )
    [story] = await bot.replies("/laatste", 1)
    assert story.startswith("Nieuwe opening")


async def test_laatste_odd_numbers_get_the_usage_reply(bot: Harness) -> None:
    """'²' passes isdigit() but not int(); '--5' is not a count."""
    await import_seed(bot)
    for arg in ("²", "--5", "-5", "+5", "99999999999999999999", "٣"):
        reply = await bot.say(f"/laatste {arg}")
        assert "1 tot 20" in reply and "iets mis" not in reply, arg


async def test_zoek_meer_pages_by_cursor_when_news_arrives_between_pages(bot: Harness) -> None:
    """A match stored between two pages neither repeats a result on the
    next page nor hides one; the button's data stays within 64 bytes."""
    towns = ["ALMERE", "BREDA", "DELFT", "EDE", "GOUDA", "HOORN", "LEIDEN"]

    async def post(town: str) -> None:
        text = f"{town} (ANP) - De dijkbewaking is opgeschaald."
        item = parse_brief(text, now=datetime.now(UTC))
        assert (await bot.services.intake.add(item)).item is not None

    for town in towns:
        await post(town)
    first = await bot.say("/zoek dijkbewaking")
    assert "(1–5)" in first
    assert [t for t in towns if t in first] == towns[2:]  # the newest five
    message = bot.api.sent(1001)[-1]
    [_numbers, [button]] = message["reply_markup"]["inline_keyboard"]
    assert len(button["callback_data"].encode()) <= 64
    await post("ZWOLLE")  # a new match between the pages
    bot.api.inject_callback(button["callback_data"], chat_id=1001, message_id=message["message_id"])
    await bot.api.wait_for(
        lambda: "(6–" in bot.api.messages[1001][message["message_id"]]["text"]
    )
    second = visible(bot.api.messages[1001][message["message_id"]])
    assert "(6–7)" in second
    assert [t for t in [*towns, "ZWOLLE"] if t in second] == ["ALMERE", "BREDA"]
    assert "ZWOLLE" in await bot.say("/zoek dijkbewaking")  # newest first on a new search


# Every reply that echoes what the reader typed stays within Telegram's
# 4,096 characters, whatever was typed.  The class: every command the bot lists, for a
# reader and for an admin, with arguments made to blow an echo up (one huge word, many
# long words, characters that escaping makes five times longer).
HOSTILE_ARGS = (
    "x" * 2500,
    " ".join(["ontwikkelingssamenwerking" * 4] * 12),
    "&" * 3000,
    "<b>" * 900,
    "Oekraïne " + "é" * 3000,
)


def _replies_fit(texts: list[dict[str, object]]) -> None:
    for sent in texts:
        raw = str(sent["text"])
        assert len(raw.encode("utf-16-le")) // 2 <= 4096, raw[:80]
        assert "er ging iets mis" not in visible(sent), raw[:80]  # type: ignore[arg-type]


async def test_zoek_with_a_word_of_2000_characters_gets_a_short_answer(bot: Harness) -> None:
    reply = await bot.say("/zoek " + "x" * 2500)
    assert reply.startswith("Niets gevonden")
    _replies_fit(bot.api.sent(1001))


async def test_every_reply_that_echoes_input_stays_within_telegrams_limits(
    bot: Harness,
) -> None:
    await import_seed(bot)
    commands = [name for name, _ in bot.api.commands]
    assert "zoek" in commands and "volg" in commands
    for chat, user in ((1001, 1001), (ADMIN, ADMIN)):
        for name in commands:
            for args in HOSTILE_ARGS:
                await bot.say(f"/{name} {args}", chat_id=chat, user_id=user)
        for args in HOSTILE_ARGS:
            await bot.say(args, chat_id=chat, user_id=user)  # free text
        _replies_fit(bot.api.sent(chat))


@pytest.mark.both_backends
async def test_zoek_with_a_modifier_letter_apostrophe_gets_a_normal_answer(bot: Harness) -> None:
    """Oʻzbekiston (U+02BB) folds to a quote on PostgreSQL: that once broke the query there."""
    await import_seed(bot)
    reply = await bot.say("/zoek Oʻzbekiston")
    assert "iets mis" not in reply
    assert "Niets gevonden" in reply and "/volg Oʻzbekiston" in reply
    text = "TASJKENT (ANP) - Oʻzbekiston sluit de grens met Tadzjikistan."
    assert (await bot.services.intake.add(parse_brief(text, now=datetime.now(UTC)))).item
    assert "TASJKENT" in await bot.say("/zoek Oʻzbekiston")
