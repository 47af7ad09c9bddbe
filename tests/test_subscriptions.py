"""Following and matching, end to end: /volg, /ontvolg, /mijn, /stop, groups, the seed page."""

from __future__ import annotations

import re
import sys
import unicodedata
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.news.match import TermError, resolve
from bot.news.parse import parse_page
from bot.news.regions import default_gazetteer
from bot.news.text import words
from storage import Store, SubscribeResult
from tests.conftest import Harness, import_seed, visible
from tests.waits import outbox_drained

GROUP = -100123
GAZETTEER = default_gazetteer()


async def alerts_after_seed(
    bot: Harness, follow: str, expected: int, chat: int = 1001
) -> list[str]:
    """Follow `follow`, import the seed page, and return the alerts the chat received."""
    assert "Je volgt nu" in await bot.say(f"/volg {follow}", chat_id=chat)
    before = len(bot.api.sent(chat))
    await import_seed(bot)
    await bot.api.wait_sent(before + expected, chat)
    await _settle(bot)
    return bot.texts(chat, before)


async def _settle(bot: Harness) -> None:
    """Wait until the outbox has nothing pending, so 'nothing else arrived' means something."""
    await outbox_drained(bot.services.store)


@pytest.mark.both_backends
async def test_follow_ukraine_gets_lead_and_two_briefs_only(bot: Harness) -> None:
    assert "Je volgt nu Oekraïne (land)." in await bot.say("/volg Oekraïne")
    before = len(bot.api.sent(1001))
    await import_seed(bot)
    await bot.api.wait_sent(before + 1, 1001)
    await _settle(bot)
    # The page's three matches were waiting together: one message holds them.
    [alert] = bot.texts(1001, before)
    blocks = alert.split("\n\n")
    assert blocks[0] == "3 nieuwe berichten"
    # Newest first: the lead (no time, arrived now) and then the briefs by age.
    assert blocks[1].startswith("Rusland trekt troepen terug uit Izjoem en Balaklia")
    assert blocks[2].startswith("KYIV")
    assert blocks[3].startswith("MOSKOU") and "Poetin" in blocks[3]
    assert blocks[-1] == "Je volgt: Oekraïne"
    assert "Louvre" not in alert and "TOKIO" not in alert


@pytest.mark.parametrize(
    ("term", "expected", "marker"),
    [
        ("staking", 1, "Louvre"),
        ("Lecornu", 1, "Lecornu"),
        ("Japan", 1, "TOKIO"),
        ("Charkov", 1, "Izjoem"),
        ("Mette-Marit", 1, "OSLO"),
    ],
)
async def test_seed_cases(bot: Harness, term: str, expected: int, marker: str) -> None:
    alerts = await alerts_after_seed(bot, term, expected)
    assert len(alerts) == expected
    assert marker in alerts[0]


async def test_spelling_variants_are_one_subscription(bot: Harness) -> None:
    assert "Je volgt nu" in await bot.say("/volg oekraine")
    assert "al" in await bot.say("/volg OEKRAÏNE")
    assert "niet meer" in await bot.say("/ontvolg Oekraïne")
    assert "Je volgde" in await bot.say("/ontvolg oekraine")


async def test_keyword_stemming_follows_plurals(bot: Harness) -> None:
    await bot.say("/volg stakingen")
    assert "al" in await bot.say("/volg staking")


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/volg", "Wat wil je volgen?"),
        ("/volg " + "x" * 65, "te lang"),
        ("/volg !!!", "geen woorden"),
        ("/volg 🎉🎉", "geen woorden"),
        ("/volg \uff9e", "geen woorden"),  # folds to nothing
        ("/volg \uff9e\uff9f \uff9f", "geen woorden"),
        ("/volg een twee drie vier vijf zes zeven", "hoogstens"),
        ("/ontvolg", "Wat wil je niet meer volgen?"),
    ],
)
async def test_bad_input_gets_dutch_answer_and_changes_nothing(
    bot: Harness, command: str, expected: str
) -> None:
    assert expected in await bot.say(command)
    assert await bot.services.store.subscriptions(1001) == []


async def test_control_characters_are_refused(bot: Harness) -> None:
    assert "onzichtbare tekens" in await bot.say("/volg sta\x07king")
    assert await bot.services.store.subscriptions(1001) == []


async def test_more_than_fifty_subscriptions_is_refused(bot: Harness) -> None:
    store = bot.services.store
    await store.touch_chat(1001, "private")
    for i in range(50):
        await store.subscribe(1001, f"k:woord{i}", f"woord{i}")
    assert "maximum" in await bot.say("/volg staking")
    assert len(await store.subscriptions(1001)) == 50


@pytest.mark.both_backends
async def test_mine_lists_with_buttons_and_a_press_removes(bot: Harness) -> None:
    await bot.say("/volg Japan")
    await bot.say("/volg staking")
    reply = await bot.say("/mijn")
    assert "Japan (land)" in reply and "staking (onderwerp)" in reply
    message = bot.api.sent(1001)[-1]
    buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
    assert len(buttons) == 2
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)
    japan = next(b for b in buttons if "Japan" in b["text"])
    bot.api.inject_callback(japan["callback_data"], chat_id=1001,
                            message_id=message["message_id"])
    await bot.api.wait_for(lambda: bot.api.callback_answers)
    assert "niet meer" in bot.api.callback_answers[-1]["text"]
    edited = await bot.api.wait_for(
        lambda: "Japan" not in bot.api.messages[1001][message["message_id"]]["text"]
    )
    assert edited
    assert [s.label for s in await bot.services.store.subscriptions(1001)] == ["staking"]
    # The same (now stale) button again: a polite answer, nothing breaks.
    bot.api.inject_callback(japan["callback_data"], chat_id=1001,
                            message_id=message["message_id"])
    await bot.api.wait_for(lambda: len(bot.api.callback_answers) == 2)
    assert "al niet meer" in bot.api.callback_answers[-1]["text"]


async def test_stop_forgets_the_chat(bot: Harness) -> None:
    await bot.say("/volg Japan")
    assert "Weet je het zeker?" in await bot.say("/stop")
    assert await bot.services.store.chat(1001) is not None  # asked, nothing erased yet
    question = bot.api.sent(1001)[-1]
    bot.api.inject_callback("x:stop", chat_id=1001, message_id=question["message_id"])
    await bot.api.wait_for(
        lambda: "Gestopt" in bot.api.messages[1001][question["message_id"]]["text"]
    )
    assert await bot.services.store.chat(1001) is None
    assert "Je volgt nog niets" in await bot.say("/mijn")


async def test_in_groups_only_admins_change_subscriptions(bot: Harness) -> None:
    bot.api.set_admins(GROUP, [7])
    reply = await bot.say("/volg Japan", chat_id=GROUP, user_id=8, chat_type="supergroup")
    assert "beheerders" in reply
    assert await bot.services.store.subscriptions(GROUP) == []
    reply = await bot.say("/volg Japan", chat_id=GROUP, user_id=7, chat_type="supergroup")
    assert "Je volgt nu" in reply
    # Anyone may look.
    assert "Japan" in await bot.say("/mijn", chat_id=GROUP, user_id=8, chat_type="supergroup")


async def test_group_gets_alerts_too(bot: Harness) -> None:
    bot.api.set_admins(GROUP, [7])
    await bot.say("/volg Japan", chat_id=GROUP, user_id=7, chat_type="supergroup")
    before = len(bot.api.sent(GROUP))
    await import_seed(bot)
    await bot.api.wait_sent(before + 1, GROUP)
    assert "TOKIO" in bot.texts(GROUP, before)[0]


_CF = re.compile("[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]")


async def test_invisible_characters_neither_split_words_nor_reach_readers(bot: Harness) -> None:
    """A soft hyphen in a page still tags Oekraïne, a zero-width space in
    /volg follows the country (no dead keyword), /zoek finds through both, and no alert,
    list or label a reader gets holds a format character."""
    reply = await bot.say("/volg Oekra\u200bïne")
    assert "Je volgt nu Oekraïne (land)." in reply
    assert [s.key for s in await bot.services.store.subscriptions(1001)] == ["r:UA"]
    assert "al" in await bot.say("/volg Oekra\u2060ïne")  # the same subscription
    before = len(bot.api.sent(1001))
    page = parse_page(
        "Titel\nDEN HAAG (ANP) - Het kabinet vergadert.\nMeer uit Buitenland\n"
        "BRUSSEL (ANP) - De EU steunt Oekra\u00adïne met nieuw geld\u200b.\n5 minuten geleden\n",
        now=datetime.now(UTC),
    )
    [stored] = [r.item for r in await bot.services.intake.add_many(page.briefs)]
    # Brussel with the EU is the EU's seat, not Belgian news (docs/matching.md).
    assert stored is not None and stored.regions == ("UA",)
    [alert] = (await bot.api.wait_sent(before + 1, 1001))[before:]
    assert "Oekraïne met nieuw geld." in visible(alert) and not _CF.search(alert["text"])
    found = await bot.say("/zoek oekra\u00adine")
    assert "BRUSSEL" in found and not _CF.search(found)
    mine = await bot.say("/mijn")
    assert "Oekraïne (land)" in mine and not _CF.search(mine)


@pytest.mark.parametrize("overview", [False, True])
async def test_mine_with_fifty_long_labels_always_fits(bot: Harness, overview: bool) -> None:
    """50 labels of 64 characters (with & and ï, the worst case once
    escaped) fit one /mijn message of 4096, and its keyboard stays within Telegram's limits
    (100 buttons, 64-byte data, 10 kB of markup: the emulator checks all three)."""
    store = bot.services.store
    await store.touch_chat(1001, "private")
    labels = [f"{i:02d} " + ("Oekraïne & Rusland " * 4)[: 64 - 3] for i in range(50)]
    for i, label in enumerate(labels):
        await store.subscribe(1001, f"k:lang{i}", label)
    if overview:
        assert "iets mis" not in await bot.say("/overzicht 8:00")
    reply = await bot.say("/mijn")
    assert "Je volgt 50 onderwerpen" in reply and "iets mis" not in reply
    lines = [line for line in reply.splitlines() if line.startswith("• ")]
    assert len(lines) == 50
    for i, line in enumerate(lines):  # every line shows the start of its label
        assert line.startswith(f"• {i:02d} Oekraïne"), line
        assert line.endswith("(onderwerp)" if not overview else "in overzicht"), line
    message = bot.api.sent(1001)[-1]
    buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
    assert len(buttons) == (100 if overview else 50)
    unfollow = [b for b in buttons if b["text"].startswith("❌")]
    assert [b["text"][2:5] for b in unfollow] == [f"{i:02d} " for i in range(50)]


async def test_followed_keys_shrink_when_the_last_chat_unfollows(bot: Harness) -> None:
    """/volg + /ontvolg pairs leave no keys (or phrase prefixes) behind
    in memory, a key another chat still follows stays, and matching still works."""
    followed = bot.services.store.followed
    before = (set(followed.keys), dict(followed.prefixes))
    for term in ("Japan", "dijkbewaking", "grote staking bij de spoorwegen"):
        assert "Je volgt nu" in await bot.say(f"/volg {term}")
        assert "Je volgt nu" in await bot.say(f"/volg {term}", chat_id=1002)
    assert len(followed.keys) > len(before[0]) and followed.prefixes
    for term in ("Japan", "dijkbewaking", "grote staking bij de spoorwegen"):
        assert "niet meer" in await bot.say(f"/ontvolg {term}")
    assert len(followed.keys) > len(before[0])  # chat 1002 still follows them
    assert "Weet je het zeker?" in await bot.say("/stop", chat_id=1002)
    question = bot.api.sent(1002)[-1]
    bot.api.inject_callback("x:stop", chat_id=1002, message_id=question["message_id"])
    await bot.api.wait_for(lambda: bot.services.store.followed.keys == before[0])
    assert (set(followed.keys), dict(followed.prefixes)) == before
    # Followed again: matching finds it as before.
    await bot.say("/volg Japan")
    sent = len(bot.api.sent(1001))
    await import_seed(bot)
    assert "TOKIO" in visible((await bot.api.wait_sent(sent + 1, 1001))[sent])


async def test_a_thousand_follow_unfollow_pairs_leave_nothing_in_memory(store: Store) -> None:
    """One reader cannot grow the followed keys without bound."""
    await store.touch_chat(7, "private")
    before = (set(store.followed.keys), dict(store.followed.prefixes))
    for i in range(1000):
        key = f"k:woord{i} en nog wat"
        assert await store.subscribe(7, key, f"woord{i} en nog wat") is SubscribeResult.ADDED
        assert await store.unsubscribe(7, key) is not None
    assert (set(store.followed.keys), dict(store.followed.prefixes)) == before


# A term that folds to nothing (U+FF9E, U+FF9F: halfwidth sound marks
# that NFKD turns into combining marks, which folding drops) is refused like an empty
# term.  The class: any character at all, alone or around a word.
def _folds_to_nothing(ch: str) -> bool:
    decomposed = unicodedata.normalize("NFKD", ch.casefold())
    return bool(decomposed) and all(unicodedata.combining(c) for c in decomposed)


# Every character that is not a combining mark but becomes only combining marks.
VANISHING = [
    chr(c) for c in range(sys.maxunicode + 1)
    if not unicodedata.combining(chr(c)) and _folds_to_nothing(chr(c))
]


def test_no_character_is_a_word_that_folds_to_nothing() -> None:
    assert "\uff9e" in VANISHING and "\uff9f" in VANISHING
    for ch in VANISHING:
        assert words(f"a{ch} {ch} {ch}b") == ["a", "b"], repr(ch)


@given(st.text(st.characters() | st.sampled_from(VANISHING), min_size=1, max_size=3))
def test_a_term_is_refused_or_follows_words_that_are_there(term: str) -> None:
    """Property: /volg either refuses a term or follows a key made of non-empty words."""
    for text in (term, f"staking{term}", f"{term} staking"):
        assert all(words(text)), text  # no word folds to nothing
        try:
            topic = resolve(text, GAZETTEER)
        except TermError:
            continue
        kind, _, rest = topic.key.partition(":")
        assert kind and rest.strip() and all(rest.split(" ")), (text, topic.key)
