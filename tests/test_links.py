"""Follow links: /link makes them, /start volg-<payload> follows in one tap."""

from __future__ import annotations

import base64
import re

import pytest

from bot.news import deeplink
from tests.conftest import ADMIN, Harness

GROUP = -100777
BOT = "newsbot_test_bot"  # the emulator's bot username

# One of each kind of topic name: a country with a diaeresis, a place with an apostrophe
# and a hyphen, a phrase with a space, a plain keyword, a province.
TOPICS = [
    ("Oekraïne", "Oekraïne (land)"),
    ("'s-Hertogenbosch", "'s-Hertogenbosch (gemeente)"),
    ("Tweede Kamer", "Tweede Kamer (onderwerp)"),
    ("staking", "staking (onderwerp)"),
    ("Noord-Brabant", "Noord-Brabant (provincie)"),
]


async def links_for(bot: Harness, term: str) -> tuple[str, str]:
    """The private and the group link /link answers with, as a reader sees them."""
    reply = await bot.say(f"/link {term}", chat_id=ADMIN)
    private = re.search(rf"https://t\.me/{BOT}\?start=(\S+)", reply)
    group = re.search(rf"https://t\.me/{BOT}\?startgroup=(\S+)", reply)
    assert private and group, reply
    return private.group(1), group.group(1)


@pytest.mark.parametrize(("term", "label"), TOPICS)
async def test_a_follow_link_follows_like_volg(bot: Harness, term: str, label: str) -> None:
    start, group_start = await links_for(bot, term)
    assert start == group_start
    assert len(start) <= 64 and re.fullmatch(r"[A-Za-z0-9_-]+", start)
    # The reader taps the link: Telegram sends /start with the parameter.
    via_link = await bot.say(f"/start {start}", chat_id=2001)
    typed = await bot.say(f"/volg {term}", chat_id=2002)
    assert via_link == typed
    assert typed.startswith(f"Je volgt nu {label}.")
    assert typed.endswith("Nieuwe berichten erover krijg je meteen.")
    store = bot.services.store
    assert await store.subscriptions(2001) == await store.subscriptions(2002)
    # Tapping it again changes nothing, and says so as /volg would.
    assert "al" in await bot.say(f"/start {start}", chat_id=2001)
    assert len(await store.subscriptions(2001)) == 1


async def test_a_link_made_with_plain_base64_works_too(bot: Harness) -> None:
    payload = base64.urlsafe_b64encode("Oekraïne".encode()).decode().rstrip("=")
    assert "Je volgt nu Oekraïne (land)" in await bot.say(f"/start volg-{payload}")


@pytest.mark.parametrize(
    "start", ["volg-", "volg-___", "volg-AA-ECAw", "volg-_-_-", "iets-anders", "volg-" + "-" * 59]
)
async def test_a_payload_that_does_not_decode_gets_the_welcome(bot: Harness, start: str) -> None:
    reply = await bot.say(f"/start {start}")
    assert reply.startswith("Welkom bij het nieuws!")
    assert await bot.services.store.subscriptions(1001) == []


async def test_group_link_follows_in_the_group_when_an_admin_adds_the_bot(bot: Harness) -> None:
    _, start = await links_for(bot, "Tweede Kamer")
    bot.api.set_admins(GROUP, [7])
    # Adding the bot through ?startgroup= makes Telegram post /start@bot <parameter>.
    command = f"/start@{BOT} {start}"
    refused = await bot.say(command, chat_id=GROUP, user_id=8, chat_type="supergroup")
    assert "beheerders" in refused
    assert await bot.services.store.subscriptions(GROUP) == []
    reply = await bot.say(command, chat_id=GROUP, user_id=7, chat_type="supergroup")
    assert "Je volgt nu Tweede Kamer (onderwerp)" in reply
    assert [s.key for s in await bot.services.store.subscriptions(GROUP)] == ["k:tweede kamer"]


async def test_link_refuses_what_does_not_fit_and_non_admins(bot: Harness) -> None:
    long_topic = "Grensoverschrijdende samenwerking Nederland België"  # 50 chars, base64 > 64
    reply = await bot.say(f"/link {long_topic}", chat_id=ADMIN)
    assert "te lang voor een link" in reply and "64 tekens" in reply
    assert "Gebruik: /link" in await bot.say("/link", chat_id=ADMIN)
    assert "te lang" in await bot.say("/link " + "x" * 65, chat_id=ADMIN)
    assert "alleen voor de redactie" in await bot.say("/link Oekraïne")


def test_every_link_decodes_to_its_own_topic() -> None:
    topics = [
        "staking", "blog", "aces", "NI", "D66", "COVID-19", "Curaçao", "Malmö", "Київ",
        "St. Maarten", "A&O", "Rutte's", "Tweede  Kamer", "x" * 44,
    ]
    for topic in topics:
        start = deeplink.encode(topic)
        assert start.startswith("volg-") and len(start) <= 64
        assert re.fullmatch(r"[A-Za-z0-9_-]+", start)
        assert deeplink.decode(start) == " ".join(topic.split())
    with pytest.raises(deeplink.TooLong):
        deeplink.encode("ë" * 40)
    with pytest.raises(deeplink.Unlinkable):
        deeplink.encode("prijs (euro)")


async def test_link_refuses_what_volg_refuses(bot: Harness) -> None:
    reply = await bot.say("/link de", chat_id=ADMIN)
    assert "bijna elk bericht" in reply and "t.me" not in reply
    reply = await bot.say("/link sport", chat_id=ADMIN)
    assert "Sport (rubriek)" in reply
