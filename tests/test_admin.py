"""Admins post news through Telegram; everyone else is refused and nothing is stored."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN, Harness


async def test_admin_posts_a_brief_and_sees_id_dateline_regions(bot: Harness) -> None:
    reply = await bot.say(
        "/plaats DEN HAAG (ANP) - Het kabinet & de Tweede Kamer praten over <Oekraïne>.",
        chat_id=ADMIN,
    )
    assert "Bericht opgeslagen als #1" in reply
    # Names, not ISO codes.
    assert "DEN HAAG" in reply and "Nederland" in reply and "Oekraïne" in reply
    assert "NL" not in reply and "UA" not in reply
    item = await bot.services.store.item(1)
    assert item is not None and item.kind == "brief" and item.dateline == "DEN HAAG"
    assert item.agencies == ("ANP",) and item.source == f"admin:{ADMIN}"
    assert item.body == "Het kabinet & de Tweede Kamer praten over <Oekraïne>."


async def test_posting_the_same_brief_twice_stores_it_once(bot: Harness) -> None:
    text = "/plaats OSLO (ANP) - Het Noorse hof maakte iets bekend."
    assert "opgeslagen" in await bot.say(text, chat_id=ADMIN)
    assert "staat er al" in await bot.say(text, chat_id=ADMIN)
    assert await bot.services.store.count_items() == 1


async def test_plaats_without_text_gives_usage_with_example(bot: Harness) -> None:
    reply = await bot.say("/plaats", chat_id=ADMIN)
    assert "Gebruik" in reply and "DEN HAAG (ANP)" in reply
    assert await bot.services.store.count_items() == 0


async def test_opening_stores_the_lead_story(bot: Harness) -> None:
    reply = await bot.say(
        "/opening Kabinet valt over stikstof\n"
        "DEN HAAG (ANP) - Het kabinet is gevallen.\n"
        "Achtergrond\n"
        "De coalitie was het al maanden oneens.",
        chat_id=ADMIN,
    )
    assert "Openingsverhaal opgeslagen als #1" in reply
    lead = await bot.services.store.lead()
    assert lead is not None and lead.title == "Kabinet valt over stikstof"
    assert lead.subheadings == ("Achtergrond",) and lead.dateline == "DEN HAAG"
    shown = await bot.replies("/laatste", 1)
    assert "Kabinet valt over stikstof" in shown[0] and "Achtergrond" in shown[0]


async def test_non_admins_and_groups_are_refused(bot: Harness) -> None:
    assert "alleen voor de redactie" in await bot.say("/plaats PARIJS (AFP) - Iets.")
    assert "alleen voor de redactie" in await bot.say("/opening Kop\nTekst.")
    assert "alleen voor de redactie" in await bot.say("/stats")
    reply = await bot.say(
        "/plaats PARIJS (AFP) - Iets.", chat_id=-100555, user_id=ADMIN, chat_type="supergroup"
    )
    assert "privégesprek" in reply
    assert await bot.services.store.count_items() == 0


@pytest.mark.both_backends
async def test_stats_for_admins(bot: Harness) -> None:
    await bot.say("/volg Japan")
    reply = await bot.say("/stats", chat_id=ADMIN)
    assert "Abonnees: 1" in reply and "429" in reply and "Meldingen wachtend: 0" in reply


async def test_admins_get_their_commands_in_the_menu(bot: Harness) -> None:
    admin_menu = [c for c, _ in bot.api.commands_for({"type": "chat", "chat_id": ADMIN})]
    assert "plaats" in admin_menu and "volg" in admin_menu
    assert "plaats" not in [c for c, _ in bot.api.commands]  # readers do not see them


async def test_intrekken_with_a_bad_number_gets_the_usage_reply(bot: Harness) -> None:
    """'²' and a number past SQLite's integers get the usage reply."""
    assert "opgeslagen als #1" in await bot.say(
        "/plaats OSLO (ANP) - Het Noorse hof maakte iets bekend.", chat_id=ADMIN
    )
    for arg in ("²", "99999999999999999999", "#²", "-1", "0"):
        reply = await bot.say(f"/intrekken {arg}", chat_id=ADMIN)
        assert "Gebruik: /intrekken" in reply and "iets mis" not in reply, arg
    assert "Er is geen bericht #7" in await bot.say("/intrekken 7", chat_id=ADMIN)
    assert await bot.services.store.item(1, live=True) is not None  # nothing retracted


async def test_a_retracted_brief_can_be_posted_again(bot: Harness) -> None:
    """After /intrekken the same text is news again, not "staat er al"."""
    text = "/plaats OSLO (ANP) - Het Noorse hof maakte iets bekend."
    assert "opgeslagen als #1" in await bot.say(text, chat_id=ADMIN)
    assert "ingetrokken" in await bot.say("/intrekken 1 ja", chat_id=ADMIN)
    assert "opgeslagen als #2" in await bot.say(text, chat_id=ADMIN)
    assert "Noorse hof" in await bot.say("/laatste 5")
    assert "staat er al" in await bot.say(text, chat_id=ADMIN)
