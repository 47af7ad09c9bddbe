"""The real `newsbot run` process: SIGKILL mid-fan-out loses nothing; SIGTERM stops cleanly."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from pathlib import Path

import pytest

import fakes.process
from fakes.botapi import BotAPI
from fakes.process import bot_env, recorded_sent
from tests.conftest import TOKEN, follow_in_bulk, queue_brief
from tests.waits import eventually

ROOT = Path(__file__).resolve().parents[1]
CHATS = range(10_000, 11_000)


def start_bot(api: BotAPI, db: Path) -> subprocess.Popen[str]:
    env = bot_env(token=TOKEN, api_url=api.base_url, db=db, paid_broadcast="true")
    return fakes.process.start_bot(env, db.parent, stdout=subprocess.PIPE)


@pytest.fixture
async def db(tmp_path: Path) -> Path:
    """1,000 chats following Japan and one brief about Japan: 1,000 pending alerts."""
    db = tmp_path / "news.sqlite3"
    await follow_in_bulk(db, CHATS, "r:JP", "Japan")
    await queue_brief(db, "TOKIO (ANP) - Japan kiest.", queued=len(CHATS))
    return db


async def _all_recorded(db: Path) -> bool:
    return await recorded_sent(db) == len(CHATS)


async def test_sigkill_mid_fan_out_then_restart_delivers_everything(db: Path) -> None:
    async with BotAPI(token=TOKEN) as api:
        api.delay = 0.002  # a little latency, so the kill lands mid-flight
        bot = start_bot(api, db)
        try:
            await api.wait_sent(len(CHATS) // 3, timeout=60)
        finally:
            bot.send_signal(signal.SIGKILL)
            await asyncio.to_thread(bot.wait, 10)
        # Requests the bot sent before it died may still be completing in the emulator.
        await api.wait_for(lambda: api.in_flight == 0, timeout=10)
        accepted = len(api.sent())
        assert 0 < accepted < len(CHATS), "the kill should land mid-fan-out"
        recorded = await recorded_sent(db)
        unrecorded = accepted - recorded  # sent, but the outcome never reached the database

        bot = start_bot(api, db)
        try:
            await api.wait_for(lambda: all(api.sent(c) for c in CHATS), timeout=60)
            # Every outcome written means no row is pending: nothing more can be sent.
            await eventually(
                lambda: _all_recorded(db), within=60, what="every alert recorded as sent"
            )
        finally:
            bot.send_signal(signal.SIGTERM)
            await asyncio.to_thread(bot.wait, 20)
    per_chat = [len(api.sent(c)) for c in CHATS]
    assert min(per_chat) == 1, "every chat got its alert"
    duplicates = sum(per_chat) - len(CHATS)
    # At-least-once: only alerts that were in flight at the kill may come twice.
    assert duplicates <= unrecorded
    # Outcomes are written as soon as known (group commit) and a worker sends again only
    # once an earlier outcome is written: no more than the sender's 64 workers repeat.
    assert duplicates <= 64
    assert await recorded_sent(db) == len(CHATS)


async def test_sigterm_finishes_in_flight_sends_and_records_them(db: Path) -> None:
    async with BotAPI(token=TOKEN) as api:
        api.delay = 0.002
        bot = start_bot(api, db)
        try:
            await api.wait_sent(100, timeout=60)
            bot.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.to_thread(bot.communicate, timeout=30)
        finally:
            if bot.poll() is None:  # never leave a bot running behind a failed test
                bot.kill()
                bot.wait()
        assert bot.returncode == 0
        assert "Traceback" not in stderr
        accepted = len(api.sent())
    # Everything Telegram accepted is written down: a restart will not send it again.
    assert await recorded_sent(db) == accepted
