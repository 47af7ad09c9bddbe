"""Alert delivery end to end: Telegram's errors, quiet hours, corrections and retractions."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

import pytest

import bot.delivery.retry as retry_module
from bot.delivery.ratelimit import Limits
from bot.news.parse import parse_brief
from fakes.botapi import BotAPI
from storage import DeliveryRecord
from tests.conftest import ADMIN, IN_PROCESS_SKEW, Harness, make_settings, running_bot, visible
from tests.waits import eventually

GROUP = -4001


async def post(bot: Harness, text: str) -> int:
    """Store a brief the way /plaats does (one path in) and return its id."""
    now = datetime.now(bot.services.settings.tz)
    stored = await bot.services.intake.add(parse_brief(text, now=now, source="test"))
    assert stored.item is not None and stored.item.id is not None
    return stored.item.id


async def follow(bot: Harness, chat_id: int, term: str = "Japan") -> None:
    store = bot.services.store
    await store.touch_chat(chat_id, "private" if chat_id > 0 else "group")
    await store.subscribe(chat_id, "r:JP" if term == "Japan" else term, term)


async def delivery(bot: Harness, chat_id: int) -> DeliveryRecord | None:
    """The chat's alert row of its newest item."""
    rows = await bot.services.store.chat_deliveries(chat_id)
    return rows[0] if rows else None


async def until(predicate: Callable[[], Awaitable[bool]], within: float = 10.0) -> None:
    """Wait until an async predicate holds (store state the emulator cannot see)."""
    await eventually(predicate, within=within, what="store state")


async def test_alert_reads_like_a_newspaper_brief(bot: Harness) -> None:
    await follow(bot, 1001)
    await post(bot, "TOKIO (ANP/RTR) - Japan & China <praten> over \"kernwapens\".")
    [alert] = await bot.api.wait_sent(1, 1001)
    assert alert["text"].startswith("<b>TOKIO</b> (ANP/RTR)")
    assert "Japan &amp; China &lt;praten&gt;" in alert["text"]
    assert "Je volgt: Japan" in visible(alert)
    assert alert["link_preview_options"]["is_disabled"] is True
    sent = await delivery(bot, 1001)
    assert sent.status == "sent" or await _eventually_sent(bot, 1001)


async def _eventually_sent(bot: Harness, chat_id: int) -> bool:
    await until(lambda: _status_is(bot, chat_id, "sent"))
    return True


async def _status_is(bot: Harness, chat_id: int, status: str) -> bool:
    row = await delivery(bot, chat_id)
    return row is not None and row.status == status


@pytest.mark.both_backends
async def test_429_waits_retry_after_then_delivers(bot: Harness) -> None:
    await follow(bot, 1001)
    bot.api.fail_next("sendMessage", 429, count=1, retry_after=1, chat_id=1001)
    started = asyncio.get_running_loop().time()
    await post(bot, "TOKIO (ANP) - Japan kiest een nieuwe premier.")
    await bot.api.wait_sent(1, 1001, timeout=5)
    assert asyncio.get_running_loop().time() - started >= 0.9  # waited what Telegram said
    assert bot.api.stats["429"] == 1
    await until(lambda: _status_is(bot, 1001, "sent"))
    assert await bot.services.store.counter("429") == 1
    assert len(bot.api.sent(1001)) == 1


@pytest.mark.parametrize("how", ["block", "deactivate", "chat_not_found"])
async def test_gone_chat_goes_dormant_and_start_wakes_it(bot: Harness, how: str) -> None:
    await follow(bot, 1002)
    getattr(bot.api, how)(1002)
    await post(bot, "TOKIO (ANP) - Japan eerste bericht.")
    store = bot.services.store

    async def dormant() -> bool:
        chat = await store.chat(1002)
        return chat is not None and chat.active == 0

    await until(dormant)
    assert (await delivery(bot, 1002)).status == "dropped"
    assert [s.key for s in await store.subscriptions(1002)] == ["r:JP"]  # kept, dormant
    # While dormant nothing is queued for it.
    await post(bot, "TOKIO (ANP) - Japan tweede bericht.")
    assert (await delivery(bot, 1002)).status == "dropped"
    # The reader comes back.
    bot.api.unblock(1002)
    assert "Welkom terug" in await bot.say("/start", chat_id=1002)
    await post(bot, "TOKIO (ANP) - Japan derde bericht.")
    sent = await bot.api.wait_sent(2, 1002)
    assert "derde" in sent[-1]["text"]


@pytest.mark.both_backends
async def test_group_migrated_to_supergroup_moves_and_resends(bot: Harness) -> None:
    await follow(bot, GROUP)
    bot.api.migrate(GROUP, -1009999)
    await post(bot, "TOKIO (ANP) - Japan in de groep.")
    [alert] = await bot.api.wait_sent(1, -1009999)
    assert "in de groep" in alert["text"]
    store = bot.services.store
    assert await store.chat(GROUP) is None
    assert [s.key for s in await store.subscriptions(-1009999)] == ["r:JP"]


async def test_5xx_burst_is_retried_with_backoff(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retry_module, "BACKOFF_BASE", 0.05)
    await follow(bot, 1003)
    bot.api.fail_next("sendMessage", 502, count=2, chat_id=1003)
    bot.api.fail_next("sendMessage", 500, count=1, chat_id=1003)
    await post(bot, "TOKIO (ANP) - Japan na storing.")
    await bot.api.wait_sent(1, 1003, timeout=5)
    await until(lambda: _status_is(bot, 1003, "sent"))
    assert (await delivery(bot, 1003)).attempts == 3
    assert len(bot.api.sent(1003)) == 1


async def test_give_up_after_bounded_attempts_with_reason(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retry_module, "BACKOFF_BASE", 0.02)
    monkeypatch.setattr(retry_module, "MAX_ATTEMPTS", 3)
    await follow(bot, 1004)
    bot.api.fail_next("sendMessage", 500, count=10, chat_id=1004)
    await post(bot, "TOKIO (ANP) - Japan onbereikbaar.")
    await until(lambda: _status_is(bot, 1004, "failed"))
    row = await delivery(bot, 1004)
    assert "3 pogingen" in str(row.error)


async def test_other_400_fails_that_alert_but_not_the_queue(bot: Harness) -> None:
    await follow(bot, 1005)
    await follow(bot, 1006)
    bot.api.fail_next("sendMessage", 400, "Bad Request: can't parse entities", chat_id=1005)
    await post(bot, "TOKIO (ANP) - Japan geparst.")
    await bot.api.wait_sent(1, 1006)
    await until(lambda: _status_is(bot, 1005, "failed"))
    assert "can't parse entities" in str((await delivery(bot, 1005)).error).lower()


async def test_quiet_hours_make_alerts_silent(bot: Harness) -> None:
    await follow(bot, 1007)
    now = datetime.now(bot.services.settings.tz)
    start, end = (now.hour - 1) % 24, (now.hour + 2) % 24
    assert "zonder geluid" in await bot.say(f"/stil {start}-{end}", chat_id=1007)
    assert "zonder geluid" in await bot.say("/mijn", chat_id=1007)
    await post(bot, "TOKIO (ANP) - Japan in de nacht.")
    sent = await bot.api.wait_sent(3, 1007)
    assert sent[-1]["disable_notification"] is True
    assert "uit" in await bot.say("/stil uit", chat_id=1007)
    await post(bot, "TOKIO (ANP) - Japan overdag.")
    sent = await bot.api.wait_sent(5, 1007)
    assert not sent[-1].get("disable_notification")


@pytest.mark.parametrize("bad", ["25-7", "23", "morgen", "7-7"])
async def test_bad_quiet_hours_get_usage(bot: Harness, bad: str) -> None:
    assert "/stil 23-7" in await bot.say(f"/stil {bad}")
    chat = await bot.services.store.chat(1001)
    assert chat is None or chat.quiet_from is None


async def test_correction_edits_sent_alerts(bot: Harness) -> None:
    await follow(bot, 1008)
    item_id = await post(bot, "TOKIO (ANP) - Japan meldt 10 doden.")
    [alert] = await bot.api.wait_sent(1, 1008)
    await until(lambda: _status_is(bot, 1008, "sent"))
    reply = await bot.say(f"/corrigeer {item_id} Japan meldt 12 doden.", chat_id=ADMIN)
    assert "gecorrigeerd" in reply and "1 verstuurde melding wordt aangepast" in reply
    await bot.api.wait_for(
        lambda: "12 doden" in bot.api.messages[1008][alert["message_id"]]["text"]
    )
    edited = bot.api.messages[1008][alert["message_id"]]
    assert edited["text"].startswith("TOKIO (ANP)")  # dateline kept
    item = await bot.services.store.item(item_id)
    assert item is not None and item.body == "Japan meldt 12 doden."


@pytest.mark.both_backends
async def test_retraction_deletes_sent_alerts(bot: Harness) -> None:
    await follow(bot, 1009)
    item_id = await post(bot, "TOKIO (ANP) - Japan vals alarm.")
    [alert] = await bot.api.wait_sent(1, 1009)
    await until(lambda: _status_is(bot, 1009, "sent"))
    reply = await bot.say(f"/intrekken {item_id} ja", chat_id=ADMIN)
    assert "ingetrokken" in reply
    await bot.api.wait_for(lambda: alert["message_id"] not in bot.api.messages[1009])
    assert "vals alarm" not in await bot.say("/laatste 5", chat_id=1009)
    assert "geen bericht" in await bot.say(f"/intrekken {item_id} ja", chat_id=ADMIN)


async def test_bad_admin_ids_get_answers(bot: Harness) -> None:
    assert "Gebruik" in await bot.say("/corrigeer", chat_id=ADMIN)
    assert "Gebruik" in await bot.say("/intrekken abc", chat_id=ADMIN)
    assert "geen bericht #99" in await bot.say("/corrigeer 99 Nieuwe tekst.", chat_id=ADMIN)


@pytest.mark.parametrize("paid", [False, True])
async def test_burst_of_replies_earns_no_429(api: BotAPI, db_path: Path, paid: bool) -> None:
    """Many readers typing at once: replies share the budget and none is refused.

    With paid broadcast on, replies still count against the free 30/s: only alerts
    carry allow_paid_broadcast.
    """
    api.enforce_limits = True
    settings = make_settings(api, db_path, paid_broadcast=paid)
    limits = Limits(paid_per_second=1000 if paid else None, max_skew=IN_PROCESS_SKEW)
    async with running_bot(settings, api, limits=limits) as harness:
        for chat_id in range(2000, 2060):
            api.inject_message("/help", chat_id=chat_id, user_id=chat_id)
        await api.wait_sent(60, timeout=10)
        assert api.stats["429"] == 0
        assert all(len(api.sent(c)) == 1 for c in range(2000, 2060))
        del harness


async def test_blocking_the_bot_makes_the_chat_dormant_at_once(bot: Harness) -> None:
    await follow(bot, 1010)
    me = {"id": bot.api.bot_id, "is_bot": True, "first_name": "NewsBot"}
    reader = {"id": 1010, "is_bot": False, "first_name": "Test"}
    bot.api.push_update({"my_chat_member": {
        "chat": {"id": 1010, "type": "private", "first_name": "Test"},
        "from": reader, "date": 0,
        "old_chat_member": {"status": "member", "user": me},
        "new_chat_member": {"status": "kicked", "user": me, "until_date": 0},
    }})

    async def dormant() -> bool:
        chat = await bot.services.store.chat(1010)
        return chat is not None and chat.active == 0

    await until(dormant)
    assert [s.key for s in await bot.services.store.subscriptions(1010)] == ["r:JP"]
