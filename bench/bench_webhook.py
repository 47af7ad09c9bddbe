"""Benchmark: 300 readers' commands arriving at once, webhook mode beside polling mode.

What it measures: the reply latency -- from the moment 300 `/laatste` updates from 300
different private chats are queued at Telegram (the emulator) to the moment each reply is
accepted by Telegram -- median and p99, in

* polling mode: the bot long-polls `getUpdates` (up to 100 updates a call, PTB's default);
* webhook mode, Telegram's way: the emulator posts the same 300 updates to the bot's
  webhook over up to 40 connections, as Telegram does with setWebhook's default
  `max_connections` (here the emulator's own posting shares the 2 cores with the bot);
* webhook mode, all at once: a separate poster process opens 300 connections and posts all
  300 updates at the same moment (`--post`, below), the literal "300 posted at once".

How: the Bot API emulator (bench/emulator.py, the test emulator plus a control API) runs
in its own process, so it does not share the bot's event loop; the bot is the real
Application from `build_application` in this process, with the webhook server of
`bot.webhook` in webhook mode.  Both clocks are CLOCK_MONOTONIC, comparable across
processes on Linux.  Telegram's limits are lifted in the bot (1,000 messages/s, no
per-chat pacing) so the figures are the bot's and the transport's work: with the free
budget of 30 messages/s, 300 replies at once *must* take 10 s whatever the mode.  One
warm-up burst is not counted; then `--rounds` bursts, 1 s apart.

Run from the repository root, with nothing else busy on the machine::

    .venv/bin/python -m bench.bench_webhook [--rounds 5] [--burst 300]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from bench.emulator import Emulator
from bot.app import build_application, running
from bot.delivery.ratelimit import Limits
from bot.news.parse import parse_brief
from bot.services import SERVICES_KEY
from bot.settings import Settings
from bot.webhook import webhook_server

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456:bench-token"
FIRST_CHAT = 10_000
SECRET = "bench_webhook_secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def bot(emulator: Emulator, db: Path, mode: str) -> AsyncIterator[str]:
    values: dict[str, Any] = {"token": TOKEN, "api_url": emulator.base_url, "db": db}
    if mode != "polling":
        port = free_port()
        values |= {
            "webhook_url": f"http://127.0.0.1:{port}/telegram",
            "webhook_listen": f"127.0.0.1:{port}",
            "webhook_secret": SECRET,
        }
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    limits = Limits(global_per_second=1000, chat_window=0.0)
    async with running(build_application(settings, limits=limits)) as app:
        svc = app.bot_data[SERVICES_KEY]
        await svc.intake.add(
            parse_brief("DEN HAAG (ANP) - Het kabinet presenteert de begroting.",
                        now=datetime.now(UTC), source="bench")
        )
        if mode != "polling":
            async with webhook_server(app, settings):
                yield str(settings.webhook_url)
        else:
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0.0, timeout=10)
            yield ""


async def measure(mode: str, rounds: int, burst: int) -> list[float]:
    """Reply latencies in ms over `rounds` bursts (after one warm-up burst)."""
    latencies: list[float] = []
    chats = list(range(FIRST_CHAT, FIRST_CHAT + burst))
    with tempfile.TemporaryDirectory(prefix="bench_webhook_") as folder:
        async with (
            Emulator() as emulator,
            bot(emulator, Path(folder) / "news.sqlite3", mode) as url,
        ):
            done = 0
            for n in range(rounds + 1):
                if mode == "direct":
                    at = await post_from_another_process(url, FIRST_CHAT, burst, n * burst + 1)
                else:
                    at = await emulator.inject_many(chats, "/laatste")
                accepted = await emulator.wait_accepted(done + burst)
                if n > 0:  # the first burst warms caches and connections
                    latencies += [(t - at) * 1000 for t, _ in accepted[done:]]
                done += burst
                await asyncio.sleep(1.0)
    return latencies


async def post_from_another_process(url: str, first_chat: int, count: int, update_id: int) -> float:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--post", url, "--burst", str(count),
        "--first-chat", str(first_chat), "--update-id", str(update_id),
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await proc.communicate()
    return float(json.loads(out)["at"])


async def post_all(url: str, first_chat: int, count: int, update_id: int) -> None:
    """The poster: `count` updates over `count` open connections at one moment; prints `at`."""
    bodies = []
    for i in range(count):
        chat = first_chat + i
        user = {"id": chat, "is_bot": False, "first_name": "Lezer"}
        bodies.append(json.dumps({"update_id": update_id + i, "message": {
            "message_id": update_id + i, "date": int(time.time()), "text": "/laatste",
            "chat": {"id": chat, "type": "private", "first_name": "Lezer"}, "from": user,
            "entities": [{"type": "bot_command", "offset": 0, "length": 8}],
        }}).encode())
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(body: bytes) -> int:
            async with session.post(url, data=body, headers=headers) as response:
                return response.status

        async def connect() -> None:
            async with session.get(url) as response:  # 405; the connection stays open
                await response.read()

        # Telegram keeps its connections open: open them first, so that the poster's own
        # 300 handshakes (Python, on the same two cores) are not counted as the bot's time.
        await asyncio.gather(*(connect() for _ in bodies))
        at = time.monotonic()
        statuses = await asyncio.gather(*(one(b) for b in bodies))
    assert all(s == 200 for s in statuses), statuses
    print(json.dumps({"at": at}), flush=True)


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--burst", type=int, default=300)
    parser.add_argument("--post", metavar="URL", help=argparse.SUPPRESS)  # the poster process
    parser.add_argument("--first-chat", type=int, default=FIRST_CHAT, help=argparse.SUPPRESS)
    parser.add_argument("--update-id", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.post:
        await post_all(args.post, args.first_chat, args.burst, args.update_id)
        return
    logging.basicConfig(level=logging.WARNING)
    print(f"{args.burst} `/laatste` at once, {args.rounds} bursts; reply latency, ms")
    print(f"{'mode':<30} {'median':>8} {'p99':>8} {'max':>8} {'replies':>8}")
    for mode, label in (("polling", "polling (getUpdates)"),
                        ("webhook", "webhook, emulator, 40 conns"),
                        ("direct", "webhook, 300 POSTs at once")):
        values = await measure(mode, args.rounds, args.burst)
        print(f"{label:<30} {statistics.median(values):8.1f} {p99(values):8.1f}"
              f" {max(values):8.1f} {len(values):8d}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
