"""`/overzicht` end to end: the command, /mijn's direct buttons, held alerts released on time.

The scheduler's clock is set by the test (never the real hour): each test picks a fixed
moment, sets `/overzicht` relative to it, and moves the clock past the overview time.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.news.parse import parse_brief
from tests.conftest import Harness
from tests.waits import eventually

AMS = ZoneInfo("Europe/Amsterdam")
MORNING = datetime(2026, 6, 1, 7, 0, tzinfo=AMS).timestamp()  # 07:00, overview at 08:00
EIGHT = datetime(2026, 6, 1, 8, 0, tzinfo=AMS).timestamp()
GROUP = -100777


def set_clock(bot: Harness, moment: float) -> None:
    assert bot.services.overviews is not None
    bot.services.overviews.set_clock(lambda: moment)


async def post(bot: Harness, text: str) -> int:
    now = datetime.now(bot.services.settings.tz)
    stored = await bot.services.intake.add(parse_brief(text, now=now, source="test"))
    assert stored.item is not None and stored.item.id is not None
    return stored.item.id


async def test_overzicht_sets_the_rhythm_and_holds_alerts_until_the_time(bot: Harness) -> None:
    set_clock(bot, MORNING)
    assert "Je volgt nu" in await bot.say("/volg Oekraïne")
    reply = await bot.say("/overzicht 8:00")
    assert "om 08:00" in reply and "Het volgende komt om 08:00" in reply
    sent_before = len(bot.api.sent(1001))
    await post(bot, "KYIV (AFP) - Oekraïne meldt aanvallen op Charkov.")
    await post(bot, "KYIV (AFP) - Oekraïne krijgt nieuwe luchtafweer.")
    store = bot.services.store
    assert await store.held_count(1001) == 2
    assert len(bot.api.sent(1001)) == sent_before  # held: nothing went out
    set_clock(bot, EIGHT + 1)
    await bot.api.wait_sent(sent_before + 1, 1001)
    await eventually(lambda: _all_sent(bot, 1001), what="held alerts recorded as sent")
    texts = "\n".join(bot.texts(1001, sent_before))
    assert "Charkov" in texts and "luchtafweer" in texts
    chat = await store.chat(1001)
    assert chat is not None and chat.overview_due == EIGHT + 24 * 3600  # tomorrow 08:00


async def _all_sent(bot: Harness, chat_id: int) -> bool:
    rows = await bot.services.store.chat_deliveries(chat_id)
    return bool(rows) and all(row.status == "sent" for row in rows)


@pytest.mark.parametrize("bad", ["morgen", "25:00", "8:61", "9-17"])
async def test_bad_input_gets_usage_and_stores_nothing(bot: Harness, bad: str) -> None:
    reply = await bot.say(f"/overzicht {bad}")
    assert "/overzicht 8:00" in reply and "/overzicht uit" in reply
    chat = await bot.services.store.chat(1001)
    assert chat is None or chat.overview is None


async def test_uur_and_uit(bot: Harness) -> None:
    set_clock(bot, MORNING + 600)  # 07:10
    assert "Het volgende komt om 08:00" in await bot.say("/overzicht uur")
    chat = await bot.services.store.chat(1001)
    assert chat is not None and chat.overview == "uur"
    assert "meteen" in await bot.say("/overzicht uit")
    chat = await bot.services.store.chat(1001)
    assert chat is not None and chat.overview is None and chat.overview_due is None


async def test_overzicht_uit_sends_what_was_held(bot: Harness) -> None:
    set_clock(bot, MORNING)
    await bot.say("/volg Oekraïne")
    await bot.say("/overzicht 7:30,18:00")
    before = len(bot.api.sent(1001))
    await post(bot, "KYIV (AFP) - Oekraïne bericht dat wachtte.")
    assert await bot.services.store.held_count(1001) == 1
    reply = await bot.say("/overzicht uit")
    assert "De bewaarde melding komt nu." in reply
    sent = await bot.api.wait_sent(before + 2, 1001)
    assert "wachtte" in "".join(m["text"] for m in sent[before:])


async def test_in_groups_only_admins_change_it(bot: Harness) -> None:
    bot.api.set_admins(GROUP, [1])
    reply = await bot.say("/overzicht 8:00", chat_id=GROUP, user_id=2)
    assert "alleen de beheerders" in reply
    chat = await bot.services.store.chat(GROUP)
    assert chat is None or chat.overview is None
    assert "08:00" in await bot.say("/overzicht 8:00", chat_id=GROUP, user_id=1)


async def test_mijn_shows_rhythm_and_switches_direct(bot: Harness) -> None:
    set_clock(bot, MORNING)
    await bot.say("/volg Oekraïne")
    await bot.say("/volg staking")
    plain = await bot.say("/mijn")
    assert "Meldingen komen meteen" in plain and "in overzicht" not in plain
    await bot.say("/overzicht 8:00")
    plain = await bot.say("/mijn")
    assert "Overzicht om 08:00" in plain
    assert "Oekraïne (land) — in overzicht" in plain
    assert "staking (onderwerp) — in overzicht" in plain
    mine = bot.api.sent(1001)[-1]
    buttons = [b for row in mine["reply_markup"]["inline_keyboard"] for b in row]
    direct = next(b for b in buttons if b["text"] == "⚡ direct")
    bot.api.inject_callback(direct["callback_data"], chat_id=1001, message_id=mine["message_id"])
    await bot.api.wait_for(
        lambda: "— direct" in bot.api.messages[1001][mine["message_id"]]["text"]
    )
    subs = await bot.services.store.subscriptions(1001)
    assert [s.direct for s in subs] == [True, False]
    # A direct topic comes at once; the other waits for 08:00.
    before = len(bot.api.sent(1001))
    await post(bot, "KYIV (AFP) - Oekraïne direct bericht.")
    await post(bot, "ROTTERDAM (ANP) - De staking in de haven gaat door.")
    [alert] = (await bot.api.wait_sent(before + 1, 1001))[before:]
    assert "direct bericht" in alert["text"]
    assert await bot.services.store.held_count(1001) == 1
    # And back in the overview.
    edited = bot.api.messages[1001][mine["message_id"]]
    back = next(
        b for row in edited["reply_markup"]["inline_keyboard"] for b in row
        if b["text"] == "🕗 in overzicht"
    )
    bot.api.inject_callback(back["callback_data"], chat_id=1001, message_id=mine["message_id"])
    await eventually(
        lambda: _no_direct(bot), what="subscription back in the overview"
    )


async def _no_direct(bot: Harness) -> bool:
    return not any(s.direct for s in await bot.services.store.subscriptions(1001))


async def test_help_and_menu_have_overzicht(bot: Harness) -> None:
    assert "/overzicht 8:00" in await bot.say("/help")
    await bot.api.wait_for(lambda: bot.api.commands)
    assert "overzicht" in [name for name, _ in bot.api.commands]
