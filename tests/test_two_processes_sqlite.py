"""Two real `newsbot run` processes on one SQLite file: the second refuses, never sends.

SQLite has no lease another process could wait for, so the second `run` on a file ends
at once with one line naming the file and exit code 2 (storage/lease.py,
``lock_sqlite_file``).  Before, both sent every alert and both called getUpdates.  The
lock goes with the process that held it, even killed with SIGKILL: the next `run` starts.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections import Counter
from pathlib import Path

import fakes.process
from fakes.botapi import BotAPI
from fakes.process import bot_env
from tests.conftest import TOKEN, follow_in_bulk, queue_brief
from tests.waits import eventually

CHATS = range(30_000, 30_050)
HELP_CHAT = 7


def start_bot(api: BotAPI, db: Path) -> subprocess.Popen[str]:
    return fakes.process.start_bot(bot_env(db, token=TOKEN, api_url=api.base_url), db.parent)


def stop(bot: subprocess.Popen[str]) -> None:
    if bot.poll() is None:  # never leave a bot running behind a failed test
        bot.kill()
        bot.wait()


async def _all_recorded(db: Path) -> bool:
    return await fakes.process.recorded_sent(db) == len(CHATS)


async def answers_help(api: BotAPI) -> None:
    """The running bot polls getUpdates: a /help gets its answer."""
    before = len(api.sent(HELP_CHAT))
    api.inject_message("/help", chat_id=HELP_CHAT, user_id=HELP_CHAT)
    await api.wait_sent(before + 1, chat_id=HELP_CHAT, timeout=60)


async def test_a_second_run_on_one_sqlite_file_refuses_and_each_follower_gets_one_alert(
    tmp_path: Path,
) -> None:
    db = tmp_path / "news.sqlite3"
    await follow_in_bulk(db, CHATS, "r:JP", "Japan")
    async with BotAPI(token=TOKEN) as api:
        first = start_bot(api, db)
        second: subprocess.Popen[str] | None = None
        try:
            await answers_help(api)
            second = start_bot(api, db)
            try:
                _, err = await asyncio.to_thread(second.communicate, timeout=30)
            except subprocess.TimeoutExpired:
                raise AssertionError("the second `newsbot run` on the file kept running") from None
            assert second.returncode == 2, err
            lines = err.splitlines()
            assert len(lines) == 1 and str(db) in lines[0], err

            await queue_brief(db, "TOKIO (ANP) - Japan kiest een nieuwe premier.",
                              queued=len(CHATS))
            await api.wait_sent(len(CHATS), timeout=60)
            await eventually(
                lambda: _all_recorded(db), within=30, what="every alert recorded as sent"
            )
            per_chat = Counter(m["chat_id"] for m in api.sent() if m["chat_id"] in CHATS)
            assert set(per_chat) == set(CHATS)
            assert set(per_chat.values()) == {1}, per_chat

            # Killed outright, the first leaves its lock file behind but not the lock.
            first.send_signal(signal.SIGKILL)
            await asyncio.to_thread(first.wait, 10)
            third = start_bot(api, db)
            try:
                await answers_help(api)
                third.send_signal(signal.SIGTERM)
                await asyncio.to_thread(third.wait, 30)
                assert third.returncode == 0
            finally:
                stop(third)
        finally:
            stop(first)
            if second is not None:
                stop(second)
