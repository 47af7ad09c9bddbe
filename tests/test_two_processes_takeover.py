"""Two real `newsbot run` processes on one PostgreSQL database: one sends, the other takes over.

The holder of the lease is killed with SIGKILL in the middle of a fan-out; the other
process takes the lease within seconds and every chat gets its alert, duplicates only
for sends that were in flight at the kill.  A reader's message gets one answer: only the
holder calls getUpdates.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from pathlib import Path

import pytest

import fakes.process
from fakes.botapi import BotAPI
from fakes.process import bot_env, both_up, lease_holder_pid, recorded_sent
from tests.conftest import TOKEN, follow_in_bulk, queue_brief
from tests.waits import eventually

ROOT = Path(__file__).resolve().parents[1]
CHATS = range(20_000, 21_000)


def start_bot(api: BotAPI, url: str, folder: Path) -> subprocess.Popen[str]:
    env = bot_env(token=TOKEN, api_url=api.base_url, db=url, paid_broadcast="true")
    return fakes.process.start_bot(env, folder)


@pytest.mark.parametrize("db_target", ["postgresql"], indirect=True)
async def test_sigkill_of_the_holder_mid_fan_out_the_other_finishes(
    db_target: str, tmp_path: Path
) -> None:
    await follow_in_bulk(db_target, CHATS, "r:JP", "Japan")
    async with BotAPI(token=TOKEN) as api:
        api.delay = 0.002  # a little latency, so the kill lands mid-flight
        bots = [start_bot(api, db_target, tmp_path) for _ in range(2)]
        try:
            await eventually(lambda: both_up(db_target), within=60,
                             what="both bots running, one holding the lease")
            holder_pid = await lease_holder_pid(db_target)
            holder = next(b for b in bots if b.pid == holder_pid)
            standby = next(b for b in bots if b is not holder)
            api.inject_message("/help", chat_id=7, user_id=7)
            await api.wait_sent(1, chat_id=7, timeout=30)

            # What `newsbot import` on another machine does: it wakes the holder's sender
            # at once (NOTIFY).
            await queue_brief(db_target, "TOKIO (ANP) - Japan kiest.", queued=len(CHATS))
            await api.wait_sent(len(CHATS) // 3, timeout=60)
            holder.send_signal(signal.SIGKILL)
            killed_at = time.monotonic()
            await asyncio.to_thread(holder.wait, 10)
            accepted = len(api.sent()) - 1  # the /help answer is not an alert
            assert 0 < accepted < len(CHATS), "the kill should land mid-fan-out"
            unrecorded = accepted - await recorded_sent(db_target)

            await api.wait_for(lambda: all(api.sent(c) for c in CHATS), timeout=60)
            await eventually(lambda: _all_recorded(db_target), within=60,
                             what="every alert recorded as sent")
            first_after = min(c.at for c in api.calls_to("sendMessage") if c.at > killed_at)
            assert first_after - killed_at < 10, "the standby took over within 10 s"

            # The new holder polls: a reader gets exactly one answer.
            api.inject_message("/help", chat_id=8, user_id=8)
            await api.wait_sent(1, chat_id=8, timeout=30)
            standby.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.to_thread(standby.communicate, timeout=30)
        finally:
            for bot in bots:
                if bot.poll() is None:
                    bot.kill()
                    bot.wait()
        assert standby.returncode == 0
        assert "Traceback" not in stderr
    per_chat = [len(api.sent(c)) for c in CHATS]
    assert min(per_chat) == 1, "every chat got its alert"
    assert sum(per_chat) - len(CHATS) <= unrecorded, "duplicates only for sends in flight"
    assert len(api.sent(7)) == 1 and len(api.sent(8)) == 1, "one answer per message"


async def _all_recorded(url: str) -> bool:
    return await recorded_sent(url) == len(CHATS)
