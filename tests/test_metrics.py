"""Metrics and health end to end: /metrics after a small fan-out, /healthz through an outage."""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import build_application, monitor_of, running
from bot.logs import setup_logging
from bot.services import SERVICES_KEY, Services
from fakes.botapi import BotAPI
from tests.conftest import ADMIN, TOKEN, Harness, make_settings
from tests.waits import eventually, outbox_drained

CONTRACT = (
    "newsbot_alerts_sent_total", "newsbot_alerts_failed_total", "newsbot_alerts_pending",
    "newsbot_alert_delay_seconds", "newsbot_telegram_requests_total", "newsbot_telegram_429_total",
    "newsbot_items_stored_total", "newsbot_subscriptions", "newsbot_chats", "newsbot_updates_total",
)


@asynccontextmanager
async def monitored_bot(api: BotAPI, db: Path, **overrides: Any) -> AsyncIterator[Harness]:
    settings = make_settings(api, db, metrics_listen="127.0.0.1:0", **overrides)
    async with running(build_application(settings)) as app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        yield Harness(api, app)


def monitor_url(bot: Harness, path: str) -> str:
    monitor = monitor_of(bot.app)
    assert monitor is not None
    return f"http://127.0.0.1:{monitor.port}{path}"


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


async def scrape(bot: Harness) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status, text = await get(monitor_url(bot, "/metrics"))
    assert status == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_count_a_small_fan_out(api: BotAPI, db_path: Path) -> None:
    async with monitored_bot(api, db_path) as bot:
        for chat in (2001, 2002, 2003, 2004):
            assert "Japan" in await bot.say("/volg Japan", chat_id=chat)
        api.block(2004)
        api.fail_next("sendMessage", 429, retry_after=1, chat_id=2003)
        reply = await bot.say(
            "/plaats TOKIO (ANP) - Japan sluit een nieuw akkoord.", chat_id=ADMIN
        )
        assert "#" in reply
        await api.wait_sent(1, 2001)
        await outbox_drained(bot.services.store)
        m = await scrape(bot)

    def sends(code: str) -> tuple[str, tuple[tuple[str, str], ...]]:
        return ("newsbot_telegram_requests_total", (("code", code), ("method", "sendMessage")))

    for name in CONTRACT:
        assert any(key[0].startswith(name) for key in m), name
    assert m[("newsbot_alerts_sent_total", (("mode", "free"),))] == 3
    assert m[("newsbot_alerts_failed_total", (("reason", "blocked"),))] == 1
    assert m[("newsbot_alert_delay_seconds_count", ())] == 3
    assert m[("newsbot_telegram_429_total", ())] == 1
    assert m[sends("429")] == 1
    assert m[sends("403")] == 1
    # 4 /volg replies, the /plaats reply and 3 alerts.
    assert m[sends("200")] == 8
    assert m[("newsbot_items_stored_total", (("source", "admin"),))] == 1
    assert m[("newsbot_updates_total", (("kind", "message"),))] == 5
    assert m[("newsbot_alerts_pending", ())] == 0
    assert m[("newsbot_subscriptions", ())] == 4
    assert m[("newsbot_chats", (("state", "inactive"),))] == 1
    assert m[("newsbot_chats", (("state", "active"),))] == 3  # 2001-2003


async def test_healthz_turns_503_when_telegram_stops_answering_and_200_when_back(
    api: BotAPI, db_path: Path
) -> None:
    # Long polls end every second (timeout=1), each an answer from Telegram: a window of
    # three seconds is never reached while the emulator is up, however loaded the machine.
    async with monitored_bot(api, db_path, health_window=3.0) as bot:
        url = monitor_url(bot, "/healthz")
        status, text = await get(url)
        body = json.loads(text)
        assert status == 200, body
        assert body["status"] == "ok" and body["pending"] == 0
        assert body["oldest_pending_s"] is None and body["telegram_ok_s_ago"] < 3.0

        await api.stop()

        async def down() -> dict[str, Any] | None:
            status, text = await get(url)
            return json.loads(text) if status == 503 else None

        body = await eventually(down, within=10, what="/healthz 503 while Telegram is away")
        assert body["status"] != "ok" and "Telegram" in body["reason"]
        assert body["telegram_ok_s_ago"] >= 3.0 and body["pending"] == 0

        await api.start()  # same port: the bot finds it again

        async def up() -> bool:
            return (await get(url))[0] == 200

        await eventually(up, within=10, what="/healthz 200 once Telegram answers again")


async def test_healthz_reports_pending_alerts_and_a_stopped_sender(
    api: BotAPI, db_path: Path
) -> None:
    async with monitored_bot(api, db_path) as bot:
        svc: Services = bot.app.bot_data[SERVICES_KEY]
        await svc.sender.stop()  # type: ignore[union-attr]
        await bot.say("/volg Japan", chat_id=2101)
        await bot.say("/plaats TOKIO (ANP) - Japan kiest.", chat_id=ADMIN)
        status, text = await get(monitor_url(bot, "/healthz"))
        body = json.loads(text)
        assert status == 503
        assert "sender" in body["reason"]
        assert body["pending"] == 1 and body["oldest_pending_s"] >= 0
        await svc.store.close()  # the database stops answering as well
        status, text = await get(monitor_url(bot, "/healthz"))
        body = json.loads(text)
        assert status == 503 and "database" in body["reason"] and body["pending"] is None


def test_json_log_lines_redact_the_token(caplog: Any) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    out = io.StringIO()
    try:
        setup_logging(logging.INFO, secrets=[TOKEN], stream=out, fmt="json")
        log = logging.getLogger("newsbot.test")
        log.info("calling https://api.telegram.org/bot%s/getMe", TOKEN, extra={"chat": 42,
                 "url": f"https://api.telegram.org/bot{TOKEN}/x"})
        try:
            raise RuntimeError(f"failed for {TOKEN}")
        except RuntimeError:
            log.exception("boom")
    finally:
        root.handlers[:], root.level = saved
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 2
    first, second = lines
    assert first["level"] == "INFO" and first["logger"] == "newsbot.test"
    assert first["chat"] == 42 and first["time"].endswith("+00:00")
    assert "[REDACTED]" in first["message"] and "[REDACTED]" in first["url"]
    assert "Traceback" in second["message"] and "RuntimeError" in second["message"]
    assert TOKEN not in out.getvalue() and TOKEN.split(":")[1] not in out.getvalue()


@pytest.mark.parametrize("db_target", ["postgresql"], indirect=True)
async def test_healthz_of_a_standby_process_is_ok_and_says_standby(
    api: BotAPI, db_target: str
) -> None:
    """Two processes on one PostgreSQL database: the one without the sender's lease is
    healthy (it answers readers) and says it stands by."""
    async with monitored_bot(api, db_target) as first, monitored_bot(api, db_target) as second:
        status, text = await get(monitor_url(first, "/healthz"))
        assert status == 200 and "role" not in json.loads(text)
        status, text = await get(monitor_url(second, "/healthz"))
        body = json.loads(text)
        assert status == 200, body
        assert body["role"] == "standby" and body["status"] == "ok"


# /healthz says 503 when the SQLite file the bot opened is no longer at
# its path, or when a write fails; the bot says so in one log line.

async def test_healthz_503_when_the_database_file_is_removed(
    api: BotAPI, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    async with monitored_bot(api, db_path) as bot:
        assert "Japan" in await bot.say("/volg Japan", chat_id=2101)
        assert (await get(monitor_url(bot, "/healthz")))[0] == 200
        os.unlink(db_path)
        await bot.say("/volg Oekraïne", chat_id=2101)  # a write to the vanished file
        status, text = await get(monitor_url(bot, "/healthz"))
        assert status == 503
        assert "no longer at" in json.loads(text)["reason"]
        assert (await get(monitor_url(bot, "/healthz")))[0] == 503  # and stays so
    said = [r for r in caplog.records if "no longer at" in r.getMessage()]
    assert len(said) == 1, [r.getMessage() for r in said]


async def test_healthz_503_when_a_write_fails(
    api: BotAPI, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The disk is full (SQLite's page limit stands in for it): every write fails."""
    caplog.set_level(logging.WARNING)
    async with monitored_bot(api, db_path) as bot:
        assert "Japan" in await bot.say("/volg Japan", chat_id=2102)
        store = bot.services.store
        [pages] = await store._fetchone("PRAGMA page_count")  # type: ignore[attr-defined,misc]
        await store.conn.execute(f"PRAGMA max_page_count = {pages}")  # type: ignore[attr-defined]
        for n in range(60):  # enough new rows to need a page more
            reply = await bot.say(f"/volg {'onderwerp' * 6}{n}", chat_id=2200 + n)
            if "mis" in reply:
                break
        status, text = await get(monitor_url(bot, "/healthz"))
        assert status == 503
        assert "write failed" in json.loads(text)["reason"]
    said = [r for r in caplog.records if "write failed" in r.getMessage()]
    assert len(said) == 1, [r.getMessage() for r in said]
