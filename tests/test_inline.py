"""Inline mode end to end: `@bot <woorden>` in any chat, and "Deel" under every alert."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
import telegram
from telegram import InlineQueryResultArticle, InputTextMessageContent
from telegram.error import BadRequest

from bot.delivery.telegram_http import AiohttpRequest
from bot.news.parse import parse_brief
from fakes.botapi import BotAPI
from fakes.telegram_html import parse_html
from tests.conftest import ADMIN, Harness, import_seed

BOT = "newsbot_test_bot"


async def ask(bot: Harness, query: str, user_id: int = 1001) -> dict[str, Any]:
    """Type `@bot <query>` somewhere; return Telegram's record of the bot's answer."""
    query_id = bot.api.inject_inline_query(query, user_id=user_id)
    return await bot.api.wait_inline_answer(query_id)


def shown(result: dict[str, Any]) -> str:
    """What the chat sees when the result is picked."""
    content = result["input_message_content"]
    assert content["parse_mode"] == "HTML"
    return parse_html(content["message_text"])


async def post(bot: Harness, text: str) -> int:
    now = datetime.now(bot.services.settings.tz)
    stored = await bot.services.intake.add(parse_brief(text, now=now, source="test"))
    assert stored.item is not None and stored.item.id is not None
    return stored.item.id


async def test_empty_query_gives_the_newest_briefs(bot: Harness) -> None:
    await import_seed(bot)
    ids = [await post(bot, f"ZWOLLE (ANP) - Bericht nummer {n} over het weer.") for n in range(6)]
    answer = await ask(bot, "")
    results = answer["results"]
    # Ten of the 13 briefs, newest first; the article (the lead story) is not a brief.
    assert len(results) == 10
    assert [r["id"] for r in results[:6]] == [str(i) for i in reversed(ids)]
    assert len({r["id"] for r in results}) == 10
    assert answer["is_personal"] is False and 0 < answer["cache_time"] <= 60
    first = results[0]
    assert first["type"] == "article"
    assert first["title"].startswith("ZWOLLE — Bericht nummer 5")
    assert "geleden" in first["description"] or "zojuist" in first["description"]
    text = shown(first)
    assert text.startswith("ZWOLLE (ANP) - Bericht nummer 5 over het weer.")
    assert "Je volgt" not in text
    assert text.endswith(f"Meer nieuws: @{BOT}")
    assert f'href="https://t.me/{BOT}"' in first["input_message_content"]["message_text"]


async def test_words_search_like_zoek(bot: Harness) -> None:
    await import_seed(bot)
    answer = await ask(bot, "staking")
    [result] = answer["results"]
    assert result["title"].startswith("PARIJS — De staking bij het Louvre")
    assert "Louvre" in shown(result)
    # As /zoek and a follow: other forms and compounds count ("longtransplantatie").
    [result] = (await ask(bot, "transplantaties"))["results"]
    assert "Mette-Marit" in shown(result)
    assert (await ask(bot, "zzzonbekend"))["results"] == []
    # What /volg refuses as too common finds nothing here either, not every item.
    assert (await ask(bot, "de"))["results"] == []


@pytest.mark.parametrize(
    "query", ['"staking', "staking OR", "NEAR(staking", "*", "staking)", "!!!", "#", "#abc"]
)
async def test_query_syntax_is_never_read_as_syntax(bot: Harness, query: str) -> None:
    await import_seed(bot)
    answer = await ask(bot, query)  # answered, not an error
    for result in answer["results"]:
        assert "staking" in shown(result).lower()


async def test_hash_id_gives_that_item_and_nothing_once_retracted(bot: Harness) -> None:
    await import_seed(bot)
    item_id = await post(bot, "UTRECHT (ANP) - De Dom staat in de steigers.")
    [result] = (await ask(bot, f"#{item_id}"))["results"]
    assert result["id"] == str(item_id) and "Dom staat in de steigers" in shown(result)
    assert (await ask(bot, "#99999"))["results"] == []
    await bot.say(f"/intrekken {item_id} ja", chat_id=ADMIN)
    assert (await ask(bot, f"#{item_id}"))["results"] == []


async def test_deel_under_an_alert_shares_that_item_in_another_chat(bot: Harness) -> None:
    await bot.say("/volg Japan")
    before = len(bot.api.sent(1001))
    await import_seed(bot)
    [alert] = (await bot.api.wait_sent(before + 1, 1001))[before:]
    share = alert["reply_markup"]["inline_keyboard"][-1][0]
    assert share["text"] == "Deel"
    # Telegram lets the reader pick a chat and types "@bot <query>" there.
    answer = await ask(bot, share["switch_inline_query"])
    [result] = answer["results"]
    assert "TOKIO" in shown(result) and "kernwapens" in shown(result)
    message = bot.api.choose_inline_result(answer, result["id"], chat_id=3003)
    assert message["text"].startswith("TOKIO") and message["via_bot"]["username"] == BOT
    assert "Je volgt" not in message["text"]


# -- the emulator checks answers as Telegram does ------------------------------------


@pytest.fixture
async def raw() -> AsyncIterator[tuple[BotAPI, telegram.Bot]]:
    async with BotAPI() as api:
        bot = telegram.Bot(api.token, base_url=api.base_url, request=AiohttpRequest())
        async with bot:
            yield api, bot


def article(result_id: str, text: str = "<b>Hallo</b>") -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        result_id, "Titel", InputTextMessageContent(text, parse_mode="HTML")
    )


@pytest.mark.parametrize(
    ("results", "error"),
    [
        ([article(str(i)) for i in range(51)], "RESULTS_TOO_MUCH"),
        ([article("1"), article("1")], "RESULT_ID_DUPLICATE"),
        ([article("x" * 65)], "RESULT_ID_INVALID"),
        ([article("1", "<b>open")], "can't parse entities"),
        ([article("1", "a" * 4097)], "message is too long"),
    ],
)
async def test_emulator_refuses_what_telegram_refuses(
    raw: tuple[BotAPI, telegram.Bot], results: list[InlineQueryResultArticle], error: str
) -> None:
    api, bot = raw
    query_id = api.inject_inline_query("x")
    with pytest.raises(BadRequest, match=f"(?i){error}"):
        await bot.answer_inline_query(query_id, results)
    assert api.inline_answers == []


async def test_emulator_accepts_fifty_and_each_query_once(
    raw: tuple[BotAPI, telegram.Bot],
) -> None:
    api, bot = raw
    query_id = api.inject_inline_query("x")
    assert await bot.answer_inline_query(query_id, [article(str(i)) for i in range(50)])
    assert len(api.inline_answers[0]["results"]) == 50
    with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
        await bot.answer_inline_query(query_id, [])


async def test_a_shared_result_has_a_button_that_opens_the_whole_item(bot: Harness) -> None:
    item_id = await post(bot, "ZWOLLE (ANP) - Het water stijgt. De dijken houden het.")
    [result] = (await ask(bot, f"#{item_id}"))["results"]
    [[button]] = result["reply_markup"]["inline_keyboard"]
    assert button["url"].endswith(f"?start=bericht-{item_id}")
    # The link brings the reader to the bot, which shows the item in full.
    [full] = await bot.replies(f"/start bericht-{item_id}", 1)
    assert "De dijken houden het." in full


@pytest.mark.both_backends
async def test_a_modifier_letter_apostrophe_gets_an_answer(bot: Harness) -> None:
    """Oʻzbekiston (U+02BB) folds to a quote on PostgreSQL: that once broke the query there."""
    await post(bot, "TASJKENT (ANP) - Oʻzbekiston sluit de grens met Tadzjikistan.")
    [result] = (await ask(bot, "Oʻzbekiston"))["results"]
    assert "TASJKENT" in shown(result)
