"""`newsbot run` before Telegram answers: it waits, serves once it does, stops cleanly.

The real process against the emulator: started on a port nothing listens on yet, or
with a token the emulator refuses.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import time
from pathlib import Path

from fakes.botapi import BotAPI
from fakes.process import bot_env, start_bot
from tests.conftest import TOKEN

WAITING = "Telegram is not reachable"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Lines:
    """The bot's standard error, read line by line in a thread (it is a pipe)."""

    def __init__(self, bot: subprocess.Popen[str]) -> None:
        self.bot = bot
        self.lines: list[str] = []

    async def until(self, needle: str, count: int = 1, within: float = 20.0) -> None:
        assert self.bot.stderr is not None
        deadline = time.monotonic() + within
        while sum(needle in line for line in self.lines) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{count} x {needle!r} not seen: {self.lines}")
            line = await asyncio.wait_for(
                asyncio.to_thread(self.bot.stderr.readline), deadline - time.monotonic()
            )
            if not line:
                raise AssertionError(f"the bot ended early: {self.lines}")
            self.lines.append(line.rstrip("\n"))

    async def rest(self) -> str:
        _, err = await asyncio.to_thread(self.bot.communicate, timeout=30)
        return "\n".join(self.lines) + "\n" + err


def stop(bot: subprocess.Popen[str]) -> None:
    if bot.poll() is None:  # never leave a bot running behind a failed test
        bot.kill()
        bot.wait()


async def test_run_waits_for_telegram_then_serves(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/bot"
    bot = start_bot(bot_env(tmp_path / "news.sqlite3", token=TOKEN, api_url=url), tmp_path)
    out = Lines(bot)
    try:
        await out.until(WAITING)  # nobody listens yet: one warning, then a retry
        async with BotAPI(token=TOKEN, port=port) as api:
            api.inject_message("/start", chat_id=1001, user_id=1001)
            [reply] = await api.wait_sent(1, chat_id=1001, timeout=20)
            assert "Welkom" in reply["text"]
            bot.send_signal(signal.SIGTERM)
            stderr = await out.rest()
    finally:
        stop(bot)
    assert bot.returncode == 0
    warnings = [line for line in stderr.splitlines() if WAITING in line]
    assert warnings and all("WARNING" in line for line in warnings)
    assert "Traceback" not in stderr and "Unclosed" not in stderr, stderr


async def test_sigint_or_sigterm_while_waiting_ends_cleanly_with_0(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/bot"  # nobody ever listens
    for signum in (signal.SIGINT, signal.SIGTERM):
        bot = start_bot(bot_env(tmp_path / "news.sqlite3", token=TOKEN, api_url=url), tmp_path)
        out = Lines(bot)
        try:
            await out.until(WAITING, count=2)  # one line per attempt, backing off
            bot.send_signal(signum)
            stderr = await out.rest()
        finally:
            stop(bot)
        assert bot.returncode == 0, (signum, stderr)
        assert "Traceback" not in stderr and "Unclosed" not in stderr, stderr
        # Every line is a log line of its own: no traceback, nothing multi-line.
        assert all(" WARNING " in line or " INFO " in line for line in stderr.splitlines()
                   if line.strip()), stderr


async def test_a_token_telegram_refuses_ends_with_one_line_and_exit_2(tmp_path: Path) -> None:
    async with BotAPI(token="999:the-right-one") as api:
        env = bot_env(tmp_path / "news.sqlite3", token=TOKEN, api_url=api.base_url)
        bot = start_bot(env, tmp_path)
        try:
            _, stderr = await asyncio.to_thread(bot.communicate, timeout=30)
        finally:
            stop(bot)
        assert api.stats["401"] == 1
    assert bot.returncode == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "NEWSBOT_TOKEN" in lines[0], stderr
    assert TOKEN.split(":")[1] not in stderr  # the refused token is not repeated
