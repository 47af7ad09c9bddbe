"""/volg with Dutch matching, end to end: the reply says what the follow became, and a
compound in a brief reaches the reader through the real intake, store and sender."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.news.parse import parse_brief
from tests.conftest import Harness
from tests.waits import outbox_drained


async def add_brief(bot: Harness, text: str) -> None:
    await bot.services.intake.add(parse_brief(text, now=datetime.now(UTC), source="test"))


async def test_follow_keyword_tells_it_covers_compounds_and_matches_one(bot: Harness) -> None:
    reply = await bot.say("/volg staking")
    assert "Je volgt nu staking (onderwerp)." in reply
    assert "samengestelde woorden" in reply
    before = len(bot.api.sent(1001))
    await add_brief(bot, "UTRECHT (ANP) - Door de pilotenstaking zijn vluchten geschrapt.")
    await add_brief(bot, "UTRECHT (ANP) - De gasten van het hotel moesten naar buiten.")
    await bot.api.wait_sent(before + 1, 1001)
    await outbox_drained(bot.services.store)
    texts = bot.texts(1001, before)
    assert len(texts) == 1 and "pilotenstaking" in texts[0]


async def test_follow_abbreviation_tells_the_full_name(bot: Harness) -> None:
    reply = await bot.say("/volg OM")
    assert "Je volgt nu Openbaar Ministerie (onderwerp)." in reply
    assert "‘OM’" not in reply.split("Ook", 1)[0]
    assert "al" in await bot.say("/volg Openbaar Ministerie")
    before = len(bot.api.sent(1001))
    await add_brief(bot, "ARNHEM (ANP) - Het OM eist vijf jaar cel tegen de verdachte.")
    await bot.api.wait_sent(before + 1, 1001)
    assert "eist vijf jaar" in bot.texts(1001, before)[0]


async def test_follow_phrase_says_it_must_stand_so(bot: Harness) -> None:
    reply = await bot.say("/volg openbaar vervoer")
    assert "naast elkaar, in deze volgorde" in reply


async def test_follow_of_an_agency_wants_briefs_about_it_not_every_brief_it_sent(
    bot: Harness,
) -> None:
    """The dateline's agency tells the tagger which country the copy is from; it is no
    word of the brief: /volg ANP alerts on "meldt het ANP", not on every (ANP) dateline."""
    await bot.say("/volg ANP")
    before = len(bot.api.sent(1001))
    await add_brief(bot, "ZWOLLE (ANP) - De gemeente opent een nieuw zwembad.")
    await add_brief(bot, "DEN HAAG - Het ANP heeft een nieuwe hoofdredacteur benoemd.")
    await bot.api.wait_sent(before + 1, 1001)
    await outbox_drained(bot.services.store)
    sent = "\n".join(bot.texts(1001, before))
    assert "hoofdredacteur" in sent
    assert "zwembad" not in sent
