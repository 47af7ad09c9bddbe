"""Search is the follow matcher: /zoek, /laatste <term> and inline mode find what a follow of
the same words would alert on, newest first by time, echoing what the reader typed.

Checked against the seed page's briefs
through PTB's real HTTP stack and the Bot API emulator.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.news.match import FollowedKeys, item_keys, search_keys, store_keys
from bot.news.parse import parse_brief
from bot.news.regions import default_gazetteer
from tests.briefs_scoring import DEV, load
from tests.conftest import Harness, import_seed


async def test_zoek_finds_other_forms_and_compounds_like_a_follow(bot: Harness) -> None:
    await import_seed(bot)
    # /volg staking promises plurals and compounds; /zoek stakingen keeps that promise.
    reply = await bot.say("/zoek stakingen")
    assert "Gevonden voor “stakingen”" in reply and "Louvre" in reply
    # A compound whose head is the word: longtransplantatie.
    assert "Mette-Marit" in await bot.say("/zoek transplantatie")


@pytest.mark.both_backends
async def test_laatste_of_a_place_by_another_name_lists_its_briefs(bot: Harness) -> None:
    await import_seed(bot)
    by_name = await bot.say("/laatste Kyiv")
    assert "KYIV" in by_name
    # The Russian spelling is the same place: the same briefs, not "Nog geen nieuws",
    # under a header that echoes what was typed and says which place it was taken for.
    by_other = await bot.say("/laatste Kiev", chat_id=2)
    assert "Het nieuwste over Kiev (Kyiv)" in by_other
    assert by_other.split("\n", 1)[1] == by_name.split("\n", 1)[1]


async def test_search_echoes_what_was_typed(bot: Harness) -> None:
    await import_seed(bot)
    assert "Gevonden voor “Oekraïne”" in await bot.say("/zoek Oekraïne")


@pytest.mark.parametrize(
    ("term", "rule"),
    [("de", "bijna elk bericht"), ("van het", "bijna elk bericht"), ("2026", "getal"),
     ("x", "te kort")],
)
async def test_what_volg_refuses_zoek_and_laatste_refuse_too(
    bot: Harness, term: str, rule: str
) -> None:
    """A follow of "de" is refused; a search for it would list nearly every item."""
    await import_seed(bot)
    assert rule in await bot.say(f"/volg {term}")
    searched = await bot.say(f"/zoek {term}")
    assert rule in searched and "Gevonden" not in searched and "/zoek" in searched
    if term.isdigit():
        return  # /laatste 2026 asks for a number of briefs
    latest = await bot.say(f"/laatste {term}")
    assert rule in latest and "Het nieuwste" not in latest and "Volg" not in latest


@pytest.mark.both_backends
async def test_zoek_lists_newest_first_by_time_not_by_storing_order(bot: Harness) -> None:
    now = datetime.now(UTC)
    # Stored in this order; published in another.
    for town, hours in (("ASSEN", 1), ("BREDA", 5), ("DELFT", 3)):
        item = parse_brief(f"{town} (ANP) - Een dijkbewaking houdt de wacht.", now=now)
        item = item.with_(published_at=now - timedelta(hours=hours))
        assert (await bot.services.intake.add(item)).item is not None
    reply = await bot.say("/zoek dijkbewaking")
    assert reply.index("ASSEN") < reply.index("DELFT") < reply.index("BREDA")


async def test_zoek_of_a_person_finds_the_other_spelling(bot: Harness) -> None:
    now = datetime.now(UTC)
    item = parse_brief("MOSKOU (ANP) - Poetin heeft een nieuwe minister benoemd.", now=now)
    assert (await bot.services.intake.add(item)).item is not None
    assert "MOSKOU" in await bot.say("/zoek Putin")
    assert "MOSKOU" in await bot.say("/zoek Vladimir Putin", chat_id=2)


@pytest.mark.both_backends
async def test_zoek_finds_words_with_modifier_letters_on_both_backends(bot: Harness) -> None:
    """A modifier-letter apostrophe (Uzbek ʻ) is part of the word, not query syntax."""
    now = datetime.now(UTC)
    item = parse_brief("TASJKENT (ANP) - Oʻzbekiston kiest een nieuw parlement.", now=now)
    assert (await bot.services.intake.add(item)).item is not None
    reply = await bot.say("/zoek Oʻzbekiston")
    assert "TASJKENT" in reply and "Gevonden voor “Oʻzbekiston”" in reply


async def test_a_very_long_zoek_gets_a_short_dutch_reply(bot: Harness) -> None:
    reply = await bot.say("/zoek " + "staking" * 300)
    assert reply.startswith("Niets gevonden") and "te lang" in reply and len(reply) < 400


def test_the_keys_read_once_for_storing_are_the_follow_and_the_search_keys() -> None:
    """The intake reads an item's text once for both the fan-out and search: the keys it
    stores are those a follow matches and a search looks up, for every dev brief."""
    gazetteer = default_gazetteer()
    briefs = load(DEV)
    followed = FollowedKeys(["r:NL", "g:NL-NH", "k:staking", "k:tweede kamer", "k:vn"])
    now = datetime(2026, 12, 7, 12, tzinfo=UTC)
    for brief in briefs.briefs:
        item = parse_brief(brief.text, now=now)
        places = gazetteer.find(item.text)
        assert store_keys(item, places, followed) == (
            item_keys(item, places, followed), search_keys(item, places)
        ), brief.text
