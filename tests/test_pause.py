"""/pauze: no alerts until the pause ends; what matched meanwhile comes afterwards in one
message, or in the next overview.  The reader's side end to end, the store's on both
backends, and the reading of what a reader types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.news.items import Item
from bot.news.parse import parse_brief
from bot.news.pause import PauseError, parse_pause
from fakes.botapi import BotAPI
from storage import Store
from tests.conftest import Harness, visible
from tests.waits import outbox_drained

AMS = ZoneInfo("Europe/Amsterdam")
EVENING = datetime(2026, 6, 1, 17, 30, tzinfo=AMS)  # a Monday


@pytest.mark.parametrize(
    ("typed", "ends"),
    [
        ("2 uur", datetime(2026, 6, 1, 19, 30, tzinfo=AMS)),
        ("twee uur", datetime(2026, 6, 1, 19, 30, tzinfo=AMS)),
        ("30 minuten", datetime(2026, 6, 1, 18, 0, tzinfo=AMS)),
        ("anderhalf uur", datetime(2026, 6, 1, 19, 0, tzinfo=AMS)),
        ("tot 18:00", datetime(2026, 6, 1, 18, 0, tzinfo=AMS)),
        ("tot 9", datetime(2026, 6, 2, 9, 0, tzinfo=AMS)),  # passed today: tomorrow
        ("tot morgen", datetime(2026, 6, 2, 7, 0, tzinfo=AMS)),
        ("vannacht", datetime(2026, 6, 2, 7, 0, tzinfo=AMS)),
        ("tot maandag", datetime(2026, 6, 8, 7, 0, tzinfo=AMS)),  # today is Monday
        ("3 dagen", datetime(2026, 6, 4, 17, 30, tzinfo=AMS)),
    ],
)
def test_what_a_reader_types_is_read_as_a_moment(typed: str, ends: datetime) -> None:
    assert parse_pause(typed, EVENING, AMS) == ends.astimezone(UTC)


def test_tot_morgen_in_the_small_hours_is_the_coming_morning() -> None:
    night = datetime(2026, 6, 2, 1, 30, tzinfo=AMS)
    assert parse_pause("tot morgen", night, AMS) == datetime(2026, 6, 2, 7, 0, tzinfo=AMS)


@pytest.mark.parametrize("typed", ["lang", "25 uur x", "tot 25:00", "0 minuten", "40 dagen"])
def test_what_is_no_pause_is_refused_with_a_dutch_reason(typed: str) -> None:
    with pytest.raises(PauseError) as refused:
        parse_pause(typed, EVENING, AMS)
    assert "/pauze" in str(refused.value)


def test_uit_ends_a_pause() -> None:
    assert parse_pause("uit", EVENING, AMS) is None


async def _post(bot: Harness, text: str) -> None:
    await bot.services.intake.add(parse_brief(text, now=datetime.now(UTC), source="test"))


@pytest.mark.both_backends
async def test_a_pause_holds_alerts_and_uit_sends_them_in_one_message(bot: Harness) -> None:
    await bot.say("/volg Japan")
    reply = await bot.say("/pauze 2 uur")
    assert reply.startswith("Pauze tot ") and "Nederlandse tijd" in reply
    assert "Europe/" not in reply
    chat = await bot.services.store.chat(1001)
    assert chat is not None and chat.paused_until is not None
    assert 7100 < chat.paused_until - datetime.now(UTC).timestamp() <= 7200
    assert "Pauze tot " in await bot.say("/mijn")
    before = len(bot.api.sent(1001))
    await _post(bot, "TOKIO (ANP) - Japan kiest een nieuwe premier.")
    await _post(bot, "TOKIO (ANP) - Japan verhoogt de rente.")
    assert await bot.services.store.held_count(1001) == 2
    await outbox_drained(bot.services.store)
    assert len(bot.api.sent(1001)) == before  # paused: nothing went out
    resumed = await bot.say("/pauze uit")
    assert "Geen pauze meer" in resumed and "in één bericht" in resumed
    [combined] = (await bot.api.wait_sent(before + 2, 1001))[before + 1:]
    assert "premier" in visible(combined) and "rente" in visible(combined)
    await outbox_drained(bot.services.store)
    assert len(bot.api.sent(1001)) == before + 2
    chat = await bot.services.store.chat(1001)
    assert chat is not None and chat.paused_until is None
    assert "Pauze" not in await bot.say("/mijn")


async def test_bad_pause_input_stores_nothing(bot: Harness) -> None:
    reply = await bot.say("/pauze lang")
    assert "/pauze 2 uur" in reply
    chat = await bot.services.store.chat(1001)
    assert chat is None or chat.paused_until is None
    assert "Er is geen pauze." in await bot.say("/pauze")


async def test_in_groups_only_admins_pause(bot: Harness) -> None:
    group = -100555
    bot.api.set_admins(group, [7])
    reply = await bot.say("/pauze 2 uur", chat_id=group, user_id=8, chat_type="supergroup")
    assert "beheerders" in reply
    chat = await bot.services.store.chat(group)
    assert chat is None or chat.paused_until is None


def _brief(text: str) -> Item:
    return Item(kind="brief", paragraphs=(text,), dateline="TOKIO", agencies=("ANP",),
                published_at=datetime.now(UTC), source="test")


async def test_the_store_holds_releases_and_skips_overviews_while_paused(store: Store) -> None:
    for chat_id in (1, 2):
        await store.touch_chat(chat_id, "private")
        await store.subscribe(chat_id, "r:JP", "Japan")
    await store.set_overview(2, "08:00", 1000.0)
    [(_, queued)] = await store.add_items([(_brief("Japan een."), [], ["r:JP"])])
    assert queued == 2
    assert await store.set_pause(1, 5000.0) == 1  # its pending alert is held now
    assert await store.set_pause(2, 5000.0) == 0  # an overview chat's were held already
    await store.add_items([(_brief("Japan twee."), [], ["r:JP"])])
    assert await store.held_count(1) == 2 and await store.held_count(2) == 2
    assert await store.next_pause_end() == 5000.0
    # The overview due during the pause is skipped: its alerts wait for the next one.
    released, looked = await store.release_due_overviews(1500.0, lambda text, now: now + 86400)
    assert (released, looked) == ([], 1) and await store.held_count(2) == 2
    assert await store.end_pauses(4999.0) == []
    assert await store.end_pauses(5000.0) == [1]  # the overview chat waits for its overview
    assert await store.held_count(1) == 0 and await store.held_count(2) == 2
    chat = await store.chat(2)
    assert chat is not None and chat.paused_until is None
    released, _ = await store.release_due_overviews(1500.0 + 86400, lambda t, now: now + 86400)
    assert released == [2]


async def test_a_pause_set_in_the_future_ends_by_the_moment(store: Store) -> None:
    await store.touch_chat(1, "private")
    later = (datetime.now(UTC) + timedelta(hours=1)).timestamp()
    await store.set_pause(1, later)
    assert await store.end_pauses(later - 1) == []
    chat = await store.chat(1)
    assert chat is not None and chat.paused_until == later


@pytest.mark.both_backends
async def test_a_pause_ends_by_itself_and_what_matched_comes_in_one_message(
    bot: Harness,
) -> None:
    import time

    await bot.say("/volg Japan")
    await bot.say("/pauze 2 uur")
    before = len(bot.api.sent(1001))
    await _post(bot, "TOKIO (ANP) - Japan kiest een nieuwe premier.")
    await _post(bot, "TOKIO (ANP) - Japan verhoogt de rente.")
    assert await bot.services.store.held_count(1001) == 2
    assert bot.services.pauses is not None
    bot.services.pauses.set_clock(lambda: time.time() + 2 * 3600 + 1)  # two hours on
    [combined] = (await bot.api.wait_sent(before + 1, 1001))[before:]
    assert "premier" in visible(combined) and "rente" in visible(combined)
    await outbox_drained(bot.services.store)
    assert len(bot.api.sent(1001)) == before + 1
    chat = await bot.services.store.chat(1001)
    assert chat is not None and chat.paused_until is None


async def test_an_alert_too_old_by_the_end_of_the_pause_is_not_sent(
    api: BotAPI, db_path: Path
) -> None:
    """Expired alerts are excepted: what waited longer than NEWSBOT_ALERT_MAX_AGE."""
    import time

    from tests.conftest import make_settings, running_bot
    from tests.waits import eventually

    settings = make_settings(api, db_path, alert_max_age=1.0)
    async with running_bot(settings, api) as bot:
        await bot.say("/volg Japan")
        await bot.say("/pauze 2 uur")
        before = len(bot.api.sent(1001))
        await _post(bot, "TOKIO (ANP) - Japan kiest een nieuwe premier.")
        stored_at = time.time()
        await eventually(lambda: time.time() > stored_at + 1.5, what="the alert's age passes")
        assert bot.services.pauses is not None
        bot.services.pauses.set_clock(lambda: time.time() + 2 * 3600 + 1)

        async def expired() -> bool:
            rows = await bot.services.store.chat_deliveries(1001)
            return [r.status for r in rows] == ["expired"]

        await eventually(expired, what="the late alert expired")
        assert len(bot.api.sent(1001)) == before
