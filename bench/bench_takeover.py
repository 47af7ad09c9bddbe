"""Benchmark: two `newsbot run` processes on one PostgreSQL database, the holder SIGKILLed.

Per run: a fresh database with N chats following Japan; the Bot API emulator in its own
process, enforcing Telegram's limits (so a burst above them at the takeover shows as
429s); two real `newsbot run` processes with paid broadcast (1000/s); one brief stored
from this process, as `newsbot import` on another machine would (NOTIFY wakes the
holder's sender).  Halfway through the fan-out the lease holder gets SIGKILL.

Reported per run: seconds from the SIGKILL to the first alert the other process sent,
to the last chat served, alerts lost (chats that never got theirs), duplicates (and
the sends in flight at the kill, the most that may come twice: accepted by the emulator
but not yet recorded as sent), and 429s.

Run from the repository root (the URL names a server database this benchmark may use to
create and drop its own scratch databases)::

    .venv/bin/python -m bench.bench_takeover [--url postgresql://postgres@127.0.0.1/test]
        [--chats 5000] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import time
from datetime import datetime
from pathlib import Path

import asyncpg

import fakes.process
from bench.emulator import Emulator
from bot.intake import Intake
from bot.news.parse import parse_brief
from bot.news.regions import default_gazetteer
from fakes.process import bot_env, both_up, lease_holder_pid, recorded_sent
from storage import open_store
from storage.postgres import PostgresStore

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456:BENCH-takeover-token"
FIRST_CHAT = 100_000


def start_bot(emulator: Emulator, url: str) -> subprocess.Popen[str]:
    env = bot_env(token=TOKEN, api_url=emulator.base_url, db=url, paid_broadcast="true")
    return fakes.process.start_bot(env, ROOT)


def database_url(server: str, name: str) -> str:
    base, _, query = server.partition("?")
    return base.rsplit("/", 1)[0] + "/" + name + (f"?{query}" if query else "")


async def admin(server: str, sql: str) -> None:
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def prepare(url: str, chats: int) -> None:
    store = await open_store(url)
    assert isinstance(store, PostgresStore)
    try:
        async with store.pool.acquire() as raw:
            await raw.execute(
                "INSERT INTO chats (id, kind, created_at)"
                " SELECT i, 'private', 0 FROM generate_series($1::bigint, $2::bigint) AS i",
                FIRST_CHAT, FIRST_CHAT + chats - 1,
            )
            await raw.execute(
                "INSERT INTO subscriptions (chat_id, key, label, created_at)"
                " SELECT id, 'r:JP', 'Japan', 0 FROM chats"
            )
    finally:
        await store.close()


async def lease_taken(url: str) -> float:
    """When the lease was last taken (unix time): by the survivor, after the kill."""
    store = await open_store(url)
    assert isinstance(store, PostgresStore)
    try:
        async with store.pool.acquire() as raw:
            return float(await raw.fetchval("SELECT acquired_at FROM lease WHERE name = 'sender'"))
    finally:
        await store.close()


async def one_run(server: str, chats: int, n: int) -> dict[str, float]:
    name = f"newsbot_bench_takeover_{os.getpid()}_{n}"
    await admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    await admin(server, f"CREATE DATABASE {name}")
    url = database_url(server, name)
    try:
        await prepare(url, chats)
        async with Emulator(enforce_limits=True) as emulator:
            bots = [start_bot(emulator, url) for _ in range(2)]
            try:
                deadline = time.monotonic() + 60
                while not await both_up(url):
                    if time.monotonic() > deadline:
                        raise RuntimeError("the bots did not start")
                    await asyncio.sleep(0.2)
                pid = await lease_holder_pid(url)
                holder = next(b for b in bots if b.pid == pid)
                store = await open_store(url)
                try:
                    item = parse_brief("TOKIO (ANP) - Japan kiest.",
                                       now=datetime.now().astimezone())
                    [stored] = await Intake(store, default_gazetteer()).add_many([item])
                    assert stored.queued == chats
                finally:
                    await store.close()
                await emulator.wait_count(chats // 2, timeout=120, interval=0.005)
                holder.send_signal(signal.SIGKILL)
                killed, killed_wall = time.monotonic(), time.time()
                await asyncio.to_thread(holder.wait, 10)
                await asyncio.sleep(0.3)  # requests already on the wire are answered
                recorded = await recorded_sent(url)
                deadline = time.monotonic() + 120
                while True:
                    accepted, stats = await emulator.accepted()
                    if len({chat for _, chat in accepted}) >= chats:
                        break
                    if time.monotonic() > deadline:
                        break
                    await asyncio.sleep(0.2)
                accepted, stats = await emulator.accepted()
            finally:
                for bot in bots:
                    if bot.poll() is None:
                        bot.send_signal(signal.SIGTERM)
                        await asyncio.to_thread(bot.wait, 30)
        # The new holder sends only after taking the lease: what arrived before that
        # came from the killed process (some of it on the wire at the kill).
        lease_s = await lease_taken(url) - killed_wall
        new = [t for t, _ in accepted if t >= killed + lease_s]
        old = len(accepted) - len(new)
        served = {chat for _, chat in accepted}
        return {
            "lease_s": lease_s,
            "takeover_s": (min(new) - killed) if new else float("nan"),
            "finish_s": (max(new) - killed) if new else float("nan"),
            "lost": chats - len(served),
            "duplicates": len(accepted) - len(served),
            "in_flight": old - recorded,
            "rate_limited": stats.get("429", 0),
        }
    finally:
        await admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def main(args: argparse.Namespace) -> None:
    print(f"{args.chats:,} chats, paid broadcast (1000/s), holder SIGKILLed halfway")
    print("seconds from the SIGKILL: lease taken, first alert by the survivor, last chat served")
    print(f"{'run':>3} {'lease':>7} {'1st alert':>10} {'all served':>11} {'lost':>5}"
          f" {'dupes':>6} {'in flight':>10} {'429s':>5}")
    for n in range(1, args.runs + 1):
        r = await one_run(args.url, args.chats, n)
        print(f"{n:>3} {r['lease_s']:>6.2f}s {r['takeover_s']:>9.2f}s {r['finish_s']:>10.2f}s"
              f" {r['lost']:>5}"
              f" {r['duplicates']:>6} {r['in_flight']:>10} {r['rate_limited']:>5}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--chats", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    asyncio.run(main(parser.parse_args()))
