"""PostgreSQL down at start, and going away while the bot runs: one line, wait, carry on.

A TCP relay on loopback stands between the bot and the real PostgreSQL server, so the
test can make the database unreachable (refuse connections, cut live ones) and bring it
back without touching the server others use.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import subprocess
import threading
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from fakes.botapi import BotAPI
from fakes.process import bot_env, start_bot
from storage import open_store
from tests.conftest import TOKEN, queue_brief
from tests.waits import eventually

ROOT = Path(__file__).resolve().parents[1]
READER = 4242


class Relay:
    """Forwards a loopback port to the database server; can go down and come back."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def up(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def down(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()  # cut, as a server restart would
        self._writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers -= {writer, up_writer}


class Output:
    """A process's stderr, collected line by line in a thread."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        assert process.stderr is not None
        self._thread = threading.Thread(target=self._read, args=(process.stderr,), daemon=True)
        self._thread.start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.lines.append(line.rstrip("\n"))

    def has(self, text: str) -> bool:
        return any(text in line for line in self.lines)


def via(url: str, port: int) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host))


@pytest.mark.parametrize("db_target", ["postgresql"], indirect=True)
async def test_database_down_at_start_and_while_running(db_target: str, tmp_path: Path) -> None:
    store = await open_store(db_target)
    try:
        await store.touch_chat(READER, "private")
        await store.subscribe(READER, "r:JP", "Japan")
    finally:
        await store.close()
    target = urlsplit(db_target)
    relay = Relay(target.hostname or "127.0.0.1", target.port or 5432)
    async with BotAPI(token=TOKEN) as api:
        env = bot_env(token=TOKEN, api_url=api.base_url, db=via(db_target, relay.port))
        bot = start_bot(env, tmp_path)
        output = Output(bot)
        try:
            # Down at start: one line, then it waits.
            await eventually(lambda: output.has("unreachable"), within=30,
                             what="the bot said the database is unreachable")
            await relay.up()
            await queue_brief(db_target, "TOKIO (ANP) - Japan kiest.", queued=1)
            await api.wait_sent(1, chat_id=READER, timeout=30)

            # Going away while running: the bot stops sending, waits, and carries on.
            await relay.down()
            await eventually(lambda: output.has("lost the sender lease"), within=15,
                             what="the bot noticed the database went away")
            await queue_brief(db_target, "TOKIO (ANP) - Japan telt de stemmen.", queued=1)
            await relay.up()
            await api.wait_sent(2, chat_id=READER, timeout=30)
            bot.send_signal(signal.SIGTERM)
            await asyncio.to_thread(bot.wait, 30)
        finally:
            if bot.poll() is None:
                bot.kill()
                bot.wait()
            await relay.down()
    assert bot.returncode == 0
    assert not output.has("Traceback"), "\n".join(output.lines)
    # A handful of warnings for two outages, not a flood.
    warnings = [ln for ln in output.lines if " WARNING " in ln or " ERROR " in ln]
    assert len(warnings) <= 8, "\n".join(output.lines)
    assert len(api.sent(READER)) == 2
