"""Telegram down: the sender pauses as a whole, probes, resumes, and loses nothing.

Timings are shortened (constructor values): per-delivery backoff of 20 ms and 3 attempts,
so a rule that spent an attempt on every failure would drop an alert within 0.1 s;
outage probes every 50-200 ms.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from bot.delivery.ratelimit import Limits
from bot.delivery.retry import Timings
from bot.news.parse import parse_brief
from fakes.botapi import BotAPI
from storage import open_store
from storage.db import connect
from tests.conftest import ADMIN, Harness, make_settings, running_bot
from tests.test_delivery_limits import add_followers
from tests.waits import eventually, outbox_drained

SHORT = Timings(retry_base=0.02, max_attempts=3, probe_base=0.05, probe_cap=0.2,
                expire_every=0.05)


async def post(bot: Harness, text: str) -> int:
    now = datetime.now(bot.services.settings.tz)
    stored = await bot.services.intake.add(parse_brief(text, now=now, source="test"))
    return stored.queued


def gate_down(bot: Harness) -> bool:
    sender = bot.services.sender
    assert sender is not None
    return sender.gate.down


@pytest.mark.parametrize("answer", [502, None], ids=["502", "no-connection"])
async def test_outage_longer_than_the_old_give_up_loses_nothing(
    api: BotAPI, db_path: Path, answer: int | None
) -> None:
    followers = range(60_000, 60_040)
    async with running_bot(make_settings(api, db_path), api, timings=SHORT) as bot:
        await add_followers(bot.services.store, followers)
        api.go_down(answer)
        assert await post(bot, "TOKIO (ANP) - Japan kiest tijdens de storing.") == 40
        await eventually(lambda: gate_down(bot), what="the sender sees the outage")
        assert await post(bot, "OSAKA (ANP) - Japan telt de stemmen na.") == 40
        probes = api.stats["down getme"]
        # Down for many probes: far past the 3 attempts a delivery may spend on its own.
        await eventually(lambda: api.stats["down getme"] >= probes + 6, what="six more probes")
        # Paused as a whole: the sends that were under way when it began, then only probes.
        tried = api.stats["down sendmessage"]
        assert 1 <= tried <= 30, api.stats
        await eventually(lambda: api.stats["down getme"] >= probes + 8, what="two more probes")
        assert api.stats["down sendmessage"] == tried
        assert not api.sent()
        api.come_up()
        await outbox_drained(bot.services.store, within=15)
        rows = [r for c in followers for r in await bot.services.store.chat_deliveries(c)]
        assert not gate_down(bot)
    # Both alerts reached every chat (the backlog may come as one combined message).
    for chat in followers:
        texts = " ".join(m["text"] for m in api.sent(chat))
        assert texts.count("kiest tijdens de storing") == 1, chat
        assert texts.count("telt de stemmen na") == 1, chat
    # The outage cost no delivery an attempt.
    assert len(rows) == 80
    assert all(r.status == "sent" and r.attempts == 0 for r in rows), rows[:3]


async def test_a_chat_that_fails_alone_backs_off_and_gives_up_with_its_reason(
    api: BotAPI, db_path: Path
) -> None:
    """Telegram answers the probe and the other chats: the failure is the chat's own."""
    async with running_bot(make_settings(api, db_path), api, timings=SHORT) as bot:
        await add_followers(bot.services.store, range(61_000, 61_005))
        api.fail_next("sendMessage", 500, "Internal Server Error", count=50, chat_id=61_000)
        assert await post(bot, "TOKIO (ANP) - Japan en een kapotte chat.") == 5
        await api.wait_sent(4)
        await outbox_drained(bot.services.store)
        [row] = await bot.services.store.chat_deliveries(61_000)
        assert not gate_down(bot)
    assert row.status == "failed"
    assert "na 3 pogingen" in row.error and "Internal Server Error" in row.error
    assert not api.sent(61_000)


async def test_alerts_older_than_the_max_age_expire_and_stats_counts_them(
    api: BotAPI, db_path: Path
) -> None:
    followers = range(62_000, 62_003)
    settings = make_settings(api, db_path, alert_max_age=2.0)
    async with running_bot(settings, api, timings=SHORT) as bot:
        await add_followers(bot.services.store, followers)
        store = bot.services.store
        api.go_down(502)
        assert await post(bot, "TOKIO (ANP) - Japan: oud nieuws na de storing.") == 3

        async def expired() -> bool:
            return (await store.delivery_counts()).get("expired", 0) == 3

        # Expired while Telegram is still down: nothing waits for the sender to reach them.
        await eventually(expired, what="three alerts expired")
        assert gate_down(bot)
        api.come_up()
        await eventually(lambda: not gate_down(bot), what="sending resumed")
        assert await post(bot, "TOKIO (ANP) - Japan: vers nieuws.") == 3
        for chat in followers:
            [alert] = await api.wait_sent(1, chat_id=chat)
            assert "vers nieuws" in alert["text"]
        await outbox_drained(store)
        rows = await store.chat_deliveries(followers[0])
        assert [r.status for r in rows] == ["sent", "expired"]
        assert "ouder dan 2 s" in rows[1].error
        stats = await bot.say("/stats", chat_id=ADMIN)
    assert "Verlopen (te oud om nog te sturen): 3" in stats
    assert all(len(api.sent(c)) == 1 for c in followers)


async def test_sendmessage_failing_for_every_chat_while_getme_answers_is_an_outage(
    api: BotAPI, db_path: Path
) -> None:
    """Only sending is broken (getMe answers): each probe is followed by one trial send,
    not by the whole queue, and no alert spends its attempts or is dropped."""
    followers = range(63_000, 63_010)
    timings = Timings(retry_base=0.02, max_attempts=3, probe_base=0.02, probe_cap=0.05)
    async with running_bot(make_settings(api, db_path), api, timings=timings) as bot:
        await add_followers(bot.services.store, followers)
        # More failures than the 10 alerts' 3 attempts each would survive (30).
        api.fail_next("sendMessage", 502, "Bad Gateway", count=45)
        assert await post(bot, "TOKIO (ANP) - Japan: alleen versturen hapert.") == 10
        await api.wait_sent(len(followers), timeout=30)
        await outbox_drained(bot.services.store, within=15)
        rows = [(await bot.services.store.chat_deliveries(c))[0] for c in followers]
    assert api.stats["502"] == 45
    assert all(len(api.sent(c)) == 1 for c in followers)
    # At most the first failure, before a second chat's made it an outage, counted.
    assert all(r.status == "sent" and r.attempts <= 1 for r in rows), rows[:3]


async def test_an_outbox_from_before_expiry_keeps_its_rows_and_takes_expired(
    db_path: Path,
) -> None:
    """Migration 0008 rebuilds the outbox for the new state without losing a row."""
    old = await connect(db_path, upto=7)
    await old.execute(
        "INSERT INTO items (kind, body, received_at, content_hash) VALUES ('brief', 'x', 0, 'h')"
    )
    await old.execute(
        "INSERT INTO deliveries (item_id, chat_id, key, status, attempts, message_id, sent_at)"
        " VALUES (1, 7, 'r:JP', 'sent', 1, 99, 5.0), (1, 8, 'r:JP', 'pending', 2, NULL, NULL)"
    )
    await old.close()
    store = await open_store(db_path)
    try:
        [sent] = await store.chat_deliveries(7)
        assert (sent.status, sent.message_id, sent.sent_at) == ("sent", 99, 5.0)
        assert await store.expire_alerts(1.0, "verlopen") == 1  # the item arrived at 0
        [late] = await store.chat_deliveries(8)
        assert (late.status, late.attempts, late.error) == ("expired", 2, "verlopen")
        assert (await store.stats(since=0))["expired"] == 1
    finally:
        await store.close()


async def test_after_an_outage_that_expired_every_alert_the_next_alert_goes_out(
    api: BotAPI, db_path: Path
) -> None:
    """The fan-out is held at the closed gate (two sends a second: two try, the rest wait)
    and every alert of it expires there.  When Telegram answers again, the trial send the
    gate admits goes to an alert that is no longer sent: the trial is given back, and the
    first alert still worth sending goes out as the trial."""
    followers = range(64_000, 64_030)
    reader = 64_100  # follows France only: the brief after the outage is for him
    settings = make_settings(api, db_path, alert_max_age=2.0)
    limits = Limits(global_per_second=2)
    async with running_bot(settings, api, timings=SHORT, limits=limits) as bot:
        store = bot.services.store
        await add_followers(store, followers)
        await add_followers(store, range(reader, reader + 1), key="r:FR")
        api.go_down(502)
        assert await post(bot, "TOKIO (ANP) - Japan: nieuws tijdens de storing.") == 30
        await eventually(lambda: gate_down(bot), what="the sender sees the outage")

        async def all_expired() -> bool:
            return (await store.delivery_counts()).get("expired", 0) == 30

        await eventually(all_expired, what="the whole fan-out expired")
        # Most of the fan-out never reached Telegram: held by workers at the gate.
        assert api.stats["down sendmessage"] < 30, api.stats
        api.come_up()
        await eventually(lambda: not gate_down(bot), what="a probe is answered")
        assert await post(bot, "PARIJS (ANP) - Frankrijk: nieuws na de storing.") == 1
        [alert] = await api.wait_sent(1, chat_id=reader, timeout=10)
        await outbox_drained(store)
        assert not gate_down(bot)
    assert "nieuws na de storing" in alert["text"]
    assert not any(api.sent(c) for c in followers)


async def test_a_sender_stopped_during_an_outage_sends_again_when_restarted(
    api: BotAPI, db_path: Path
) -> None:
    """A lost lease stops the sender and a regained one starts it again (bot/app.py's
    duties): stopped while Telegram was down, it probes again once restarted."""
    followers = range(65_000, 65_005)
    async with running_bot(make_settings(api, db_path), api, timings=SHORT) as bot:
        sender = bot.services.sender
        assert sender is not None
        await add_followers(bot.services.store, followers)
        api.go_down(502)
        assert await post(bot, "TOKIO (ANP) - Japan: de zender stopt in de storing.") == 5
        await eventually(lambda: gate_down(bot), what="the sender sees the outage")
        await sender.stop()
        sender.start()
        api.come_up()
        for chat in followers:
            [alert] = await api.wait_sent(1, chat_id=chat, timeout=10)
            assert "de zender stopt in de storing" in alert["text"]
        await outbox_drained(bot.services.store)
        assert not gate_down(bot)
