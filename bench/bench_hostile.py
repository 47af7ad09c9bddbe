"""Benchmark: what other readers wait for their reply while the bot is under attack.

Four attacks, each measured as the reply latency of an ordinary reader -- from the moment
a `/help` is queued at Telegram (the emulator) to the moment the bot's reply is accepted
-- one reader a `--every` seconds for `--seconds`, median, p99 and max:

* ``slowloris``: webhook mode, and 1,100 connections to the webhook port that send a
  request a byte a second (the attacker, in this process); the bot runs with 1,024 file
  descriptors (a shell's usual limit; the systemd unit raises it);
* ``bigfeed``: polling mode, with one feed of about 9.9 MB (no validators, so every poll
  downloads and parses all of it) polled every 5 s (`NEWSBOT_FEED_INTERVAL`'s floor);
* ``flood``: polling mode, and 300 `/help` from one private chat within 0.3 s (Telegram
  lets the bot answer that chat once a second);
* ``groupflood``: polling mode, and 1,000 `/help` from one group within a second (twenty
  answers a minute).

For the floods it also says how many messages the flooding chat got while the readers
were measured.

A reply that does not come within 30 s counts as 30,000 ms and is reported as lost.
Without an attack (``quiet``) the same readers give the baseline.

How: the bot is the real `newsbot run` in a child process (so `--code` can point at
another checkout: the same attack against the code before a fix), the Bot API emulator
(bench/emulator.py) in another; the attacker and the feed server in this one.  Clocks
are CLOCK_MONOTONIC, comparable across processes on Linux.

Run from the repository root, with nothing else busy on the machine::

    .venv/bin/python -m bench.bench_hostile [--attack slowloris|bigfeed|flood|groupflood|quiet]
        [--seconds 30] [--every 0.5] [--code PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from bench.emulator import Emulator

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456:bench-token"
SECRET = "bench_webhook_secret"
FIRST_READER = 50_000
LOST_MS = 30_000.0
SLOW_CLIENTS = 1100
FLOODER = 40_000  # the flooding private chat
FLOOD_GROUP = -40_000  # the flooding group (its members: FLOODER and up)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def big_feed(target_bytes: int = 9_900_000) -> bytes:
    """An RSS feed of about `target_bytes`, entries of a few KB each."""
    body = "Het kabinet bespreekt vandaag de begroting en de Kamer debatteert erover. " * 40
    head = ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            "<title>Groot</title><link>https://groot.example/</link><description>x</description>")
    parts, size, n = [head], len(head), 0
    while size < target_bytes:
        entry = (f"<item><title>Bericht {n}</title><guid isPermaLink=\"false\">g-{n}</guid>"
                 f"<pubDate>Tue, 10 Jun 2025 09:00:00 +0200</pubDate>"
                 f"<description>&lt;p&gt;{body}&lt;/p&gt;</description></item>")
        parts.append(entry)
        size += len(entry)
        n += 1
    parts.append("</channel></rss>")
    return "".join(parts).encode()


@contextlib.asynccontextmanager
async def feed_server(body: bytes) -> AsyncIterator[str]:
    async def serve(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/rss+xml")

    app = web.Application()
    app.router.add_get("/feed.xml", serve)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/feed.xml"
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def newsbot(code: Path, env: dict[str, str], folder: Path) -> AsyncIterator[None]:
    """`newsbot run` from the checkout `code`, with 1,024 file descriptors."""

    def few_descriptors() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))

    full = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    full |= {"PYTHONPATH": str(code), "NEWSBOT_TOKEN": TOKEN, **env,
             "NEWSBOT_DB": str(folder / "news.sqlite3")}
    log = (folder / "bot.log").open("wb")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=code, env=full, stdout=log, stderr=log,
        preexec_fn=few_descriptors,
    )
    try:
        yield
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 30)
        except TimeoutError:
            proc.kill()
        log.close()
        text = (folder / "bot.log").read_text(errors="replace")
        kinds = Counter(line.split(" ", 3)[-1][:70] for line in text.splitlines()
                        if line[:4].isdigit())
        print(f"  (the bot logged {len(text):,} bytes; most often: {kinds.most_common(2)})")


async def slow_client(port: int, stop: asyncio.Event) -> None:
    """Send a request a byte a second until the server closes or `stop`; reconnect."""
    request = b"POST /telegram HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"
    request += b"x" * 100_000
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(1)
            continue
        try:
            for byte in request:
                writer.write(bytes([byte]))
                await writer.drain()
                with contextlib.suppress(TimeoutError):
                    if await asyncio.wait_for(reader.read(1), 1.0) == b"":
                        break
                if stop.is_set():
                    break
        except OSError:
            pass
        finally:
            writer.close()


async def readers(emulator: Emulator, seconds: float, every: float) -> list[float]:
    """One reader's /help every `every` s for `seconds`; their reply latencies in ms."""
    asked: list[tuple[int, float]] = []
    chat = FIRST_READER
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        asked.append((chat, await emulator.inject("/help", chat, chat)))
        chat += 1
        await asyncio.sleep(every)
    deadline = time.monotonic() + LOST_MS / 1000
    while time.monotonic() < deadline:
        accepted, _ = await emulator.accepted()
        answered = {c for _, c in accepted}
        if all(c in answered for c, _ in asked):
            break
        await asyncio.sleep(0.25)
    accepted, _ = await emulator.accepted()
    first: dict[int, float] = {}
    for at, c in accepted:
        first.setdefault(c, at)
    return [(first[c] - at) * 1000 if c in first else LOST_MS for c, at in asked]


async def run(attack: str, seconds: float, every: float, code: Path) -> list[float]:
    with tempfile.TemporaryDirectory(prefix="bench_hostile_") as name:
        folder = Path(name)
        async with Emulator() as emulator, contextlib.AsyncExitStack() as stack:
            env = {"NEWSBOT_API_URL": emulator.base_url}
            port = free_port()
            if attack == "slowloris":
                env |= {"NEWSBOT_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
                        "NEWSBOT_WEBHOOK_LISTEN": f"127.0.0.1:{port}",
                        "NEWSBOT_WEBHOOK_SECRET": SECRET}
            if attack == "bigfeed":
                url = await stack.enter_async_context(feed_server(big_feed()))
                env |= {"NEWSBOT_FEEDS": url, "NEWSBOT_FEED_INTERVAL": "5"}
            await stack.enter_async_context(newsbot(code, env, folder))
            await emulator.inject("/help", FIRST_READER - 1, FIRST_READER - 1)  # up and answering
            await emulator.wait_count(1, timeout=60)
            stop = asyncio.Event()
            attackers = []
            if attack == "slowloris":
                attackers = [asyncio.create_task(slow_client(port, stop))
                             for _ in range(SLOW_CLIENTS)]
                await asyncio.sleep(3)  # all connected and trickling
            elif attack == "bigfeed":
                await asyncio.sleep(5)  # the first poll is under way
            elif attack == "flood":
                for _ in range(3):  # 300 in 0.3 s
                    await emulator.inject_many([FLOODER] * 100, "/help")
                    await asyncio.sleep(0.1)
            elif attack == "groupflood":
                for batch in range(10):  # 1,000 in a second, from ten members
                    await emulator.inject_many([FLOOD_GROUP] * 100, "/help",
                                               user_id=FLOODER + batch)
                    await asyncio.sleep(0.1)
            try:
                latencies = await readers(emulator, seconds, every)
                if attack in ("flood", "groupflood"):
                    accepted, _ = await emulator.accepted()
                    got = sum(1 for _, c in accepted if c in (FLOODER, FLOOD_GROUP))
                    print(f"  the flooding chat got {got} messages meanwhile")
                return latencies
            finally:
                stop.set()
                for task in attackers:
                    task.cancel()
                await asyncio.gather(*attackers, return_exceptions=True)


def p99(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[98]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--attack", default="quiet",
                        choices=("slowloris", "bigfeed", "flood", "groupflood", "quiet"))
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--every", type=float, default=0.5)
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout to run")
    args = parser.parse_args()
    values = await run(args.attack, args.seconds, args.every, args.code.resolve())
    lost = sum(1 for v in values if v >= LOST_MS)
    print(f"{args.attack}: {len(values)} readers, reply latency median "
          f"{statistics.median(values):.0f} ms, p99 {p99(values):.0f} ms, "
          f"max {max(values):.0f} ms, {lost} lost (no reply in 30 s)")


if __name__ == "__main__":
    asyncio.run(main())
