"""A follow that leaves something out: `/volg Ajax -transfer` or `/volg Ajax zonder transfer`
follows Ajax except briefs that mention transfers (in the follow's sense: other forms of
the word too); `/mijn` shows it; search agrees.  On both backends, through PTB's real HTTP
stack and the Bot API emulator.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.news.match import resolve
from bot.news.parse import parse_brief
from bot.news.regions import default_gazetteer
from storage import SubscribeResult, open_store
from tests.conftest import Harness
from tests.waits import outbox_drained

BRIEFS = [
    "AMSTERDAM (ANP) - Ajax heeft de transfer van zijn spits afgerond.",
    "AMSTERDAM (ANP) - Ajax wint met 3-0 van Feyenoord.",
    "AMSTERDAM (ANP) - De transfers van Ajax leveren dertig miljoen op.",
    "ROTTERDAM (ANP) - Feyenoord verkoopt zijn doelman, een transfer van tien miljoen.",
]


async def _post_all(bot: Harness) -> None:
    now = datetime.now(UTC)
    for text in BRIEFS:
        assert (await bot.services.intake.add(parse_brief(text, now=now))).item is not None
    await outbox_drained(bot.services.store)


@pytest.mark.both_backends
@pytest.mark.parametrize("typed", ["Ajax -transfer", "Ajax zonder transfer"])
async def test_a_follow_leaves_out_what_it_excludes(bot: Harness, typed: str) -> None:
    reply = await bot.say(f"/volg {typed}")
    assert "Je volgt nu <b>Ajax zonder transfer (onderwerp)</b>" in reply or (
        "Ajax zonder transfer" in reply and "Je volgt nu" in reply
    )
    await bot.say("/volg Feyenoord", chat_id=1002)  # another chat: gets its own
    before, other = len(bot.api.sent(1001)), len(bot.api.sent(1002))
    await _post_all(bot)
    got = "\n".join(bot.texts(1001, before))
    assert "wint met 3-0" in got
    assert "afgerond" not in got and "dertig" not in got and "doelman" not in got
    # The other chat's follow leaves nothing out: both Feyenoord briefs reach it.
    theirs = "\n".join(bot.texts(1002, other))
    assert "wint met 3-0" in theirs and "doelman" in theirs
    assert "Ajax zonder transfer" in await bot.say("/mijn")


async def test_a_second_follow_still_brings_what_the_first_leaves_out(bot: Harness) -> None:
    await bot.say("/volg Ajax -transfer")
    await bot.say("/volg transfer")
    before = len(bot.api.sent(1001))
    await _post_all(bot)
    # Every brief mentions Ajax or a transfer; the transfer follow brings those.
    got = "\n".join(bot.texts(1001, before))
    assert all(brief.split(" - ", 1)[1] in got for brief in BRIEFS)


async def test_zoek_leaves_out_the_same(bot: Harness) -> None:
    await _post_all(bot)
    reply = await bot.say("/zoek Ajax -transfer")
    assert "wint met 3-0" in reply and "afgerond" not in reply and "dertig" not in reply


@pytest.mark.both_backends
async def test_following_again_changes_or_keeps_the_exclusions(db_target: str) -> None:
    store = await open_store(db_target)
    try:
        gaz = default_gazetteer()
        await store.touch_chat(1, "private")
        ajax, without = resolve("Ajax", gaz), resolve("Ajax zonder transfer", gaz)
        assert without.key == ajax.key and without.excluding == ("k:transfer",)
        assert await store.subscribe(1, without.key, without.name,
                                     excluding=without.excluding) is SubscribeResult.ADDED
        assert await store.subscribe(1, without.key, without.name,
                                     excluding=without.excluding) is SubscribeResult.EXISTS
        assert "k:transfer" in store.followed.keys  # items report it, so the fan-out can
        # Plain again: the exclusion goes.
        assert await store.subscribe(1, ajax.key, ajax.name) is SubscribeResult.ADDED
        [sub] = await store.subscriptions(1)
        assert sub.label == "Ajax"
        item = parse_brief(BRIEFS[0], now=datetime.now(UTC))
        [(stored, queued)] = await store.add_items([(item, ["NL"], ["k:ajax", "k:transfer"])])
        assert stored is not None and queued == 1
    finally:
        await store.close()
