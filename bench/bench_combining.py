"""Benchmark: fewer, better messages, against the emulator with Telegram's limits.

1. **busy hour, with and without combining**: 3,000 private chats, each following 5 of
   25 keywords (so each keyword has ~600 followers); 50 briefs arrive over 60 s (one
   every 1.2 s), each naming one keyword, so each matches ~600 chats (a fifth).  Once
   with the sender combining a chat's waiting alerts into one message, once with
   ``build_application(..., combine=False)`` (every alert its own message).  Measured:
   messages the emulator accepted, 429s, and the time from the first brief until every
   reader has seen every item that matched them (the last ``sent_at`` in the outbox:
   when the message carrying that item was accepted), plus the median delay per item.
   Target: at least 3x fewer messages with combining, and the last reader done sooner.
2. **overview at 8:00**: 10,000 chats with ``/overzicht 8:00`` and 10 held briefs each;
   the scheduler's clock is set to 08:00 (a settable clock: nobody waits for the real
   8:00) and the time until the emulator accepted the last overview is measured, with
   the 429 count (target 0).  At 30 messages/s the floor is 10,000 / 30 = 333 s.

Nothing is compressed: the emulator enforces the real limits (30/s overall, 1/s per
private chat) in real time, so a scenario takes minutes: 30,000 single alerts need at
least 1,000 s at 30/s, and 10,000 overviews at least 333 s.  Each scenario runs in its
own emulator process and a fresh SQLite file; ``--only`` picks scenarios (run them in
parallel processes to save time: each has its own emulator and budget).  ``--chats``
scales scenario 1 down for a quick look (the ratio of followers stays a fifth per brief).

Run from the repository root::

    .venv/bin/python -m bench.bench_combining [--only 1a,1b,2] [--chats 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.emulator import Emulator
from bot.app import build_application, running
from bot.news.match import resolve
from bot.news.parse import parse_brief
from bot.news.regions import default_gazetteer
from bot.services import SERVICES_KEY, Services
from bot.settings import Settings
from storage import Store, open_store

TOKEN = "123456:bench-token"
TZ = ZoneInfo("Europe/Amsterdam")
FIRST_CHAT = 10_000
TOPICS = (
    "fietspaden", "tulpenvelden", "kaasmarkt", "dijkversterking", "windpark", "zonnepanelen",
    "woningbouw", "stikstofregels", "ziekenhuisbedden", "bibliotheek", "zwembad", "veerpont",
    "snelwegverbreding", "schoolplein", "havenkraan", "dierentuin", "voetbalclub",
    "muziekfestival", "sluiswachter", "kinderopvang", "treinkaartjes", "waterschap",
    "glasvezel", "marktplein", "kerstmarkt",
)  # fmt: skip
FOLLOWS = 5
BRIEFS = 50
SPREAD = 60.0  # seconds over which the briefs arrive
OVERVIEW_CHATS = 10_000
OVERVIEW_HELD = 10
EIGHT = datetime(2026, 6, 1, 8, 0, tzinfo=TZ).timestamp()

log = logging.getLogger("bench_combining")


def settings(emulator: Emulator, db: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, token=TOKEN, api_url=emulator.base_url, db=db
    )


def services(app: Any) -> Services:
    svc = app.bot_data[SERVICES_KEY]
    assert isinstance(svc, Services)
    return svc


@contextlib.asynccontextmanager
async def scratch_db() -> AsyncIterator[Path]:
    with tempfile.TemporaryDirectory(prefix="bench_combining_") as folder:
        yield Path(folder) / "news.sqlite3"


async def create_chats(db: Path, chats: int, follows: int, seed: int = 13) -> list[str]:
    """Private chats FIRST_CHAT.., each following `follows` of the topics at random."""
    gazetteer = default_gazetteer()
    topics = [resolve(word, gazetteer) for word in TOPICS]
    rng = random.Random(seed)
    store = await open_store(db)
    try:
        async with store.transaction() as conn:
            await conn.executemany(
                "INSERT INTO chats (id, kind, created_at) VALUES (?, 'private', 0)",
                [(FIRST_CHAT + i,) for i in range(chats)],
            )
            await conn.executemany(
                "INSERT INTO subscriptions (chat_id, key, label, created_at) VALUES (?, ?, ?, 0)",
                [
                    (FIRST_CHAT + i, topic.key, topic.name)
                    for i in range(chats)
                    for topic in rng.sample(topics, follows)
                ],
            )
    finally:
        await store.close()
    return [topic.key for topic in topics]


async def query(store: Store, sql: str) -> list[Any]:
    """Rows of a read on the store's connection (the bench looks at the outbox)."""
    async with store.transaction() as conn:  # the backend's, beside the interface
        return await conn.fetchall(sql)


def brief(n: int) -> str:
    word = TOPICS[n % len(TOPICS)]
    return (
        f"DEN HAAG (ANP) - Bericht {n}: nieuws over {word} uit het hele land. "
        f"De gemeente maakt vandaag meer bekend over de plannen met {word}."
    )


async def busy_hour(chats: int, *, combine: bool) -> dict[str, Any]:
    async with scratch_db() as db:
        await create_chats(db, chats, FOLLOWS)
        async with Emulator(enforce_limits=True) as emulator:
            app = build_application(settings(emulator, db), combine=combine)
            async with running(app):
                svc = services(app)
                assert svc.sender is not None
                started = time.time()
                matched = 0
                for n in range(BRIEFS):
                    # On a fixed schedule: the n-th brief at n * 1.2 s, however long storing took.
                    await asyncio.sleep(max(0.0, started + n * SPREAD / BRIEFS - time.time()))
                    stored = await svc.intake.add(
                        parse_brief(brief(n), now=datetime.now(TZ), source="bench")
                    )
                    matched += stored.queued
                while (await svc.store.stats(since=0))["pending"]:  # noqa: ASYNC110 - polls the DB
                    await asyncio.sleep(0.5)
                await asyncio.sleep(1.0)
                [row] = await query(
                    svc.store, "SELECT max(sent_at), count(*) FROM deliveries WHERE status = 'sent'"
                )
                delays = [
                    r[0] for r in await query(
                        svc.store,
                        "SELECT d.sent_at - i.received_at FROM deliveries AS d"
                        " JOIN items AS i ON i.id = d.item_id WHERE d.status = 'sent'",
                    )
                ]
                sender_429 = svc.sender.rate_limited
            accepted, stats = await emulator.accepted()
    last, sent_rows = row[0], row[1]
    return {
        "name": f"busy hour, {'with' if combine else 'without'} combining",
        "matched (item, chat) pairs": matched,
        "delivered pairs": sent_rows,
        "messages sent": len(accepted),
        "429s": stats.get("429", 0) + sender_429,
        "last reader done (s after the first brief)": round(last - started, 1),
        "median delay per item (s)": round(statistics.median(delays), 1),
        "p95 delay per item (s)": round(statistics.quantiles(delays, n=20)[-1], 1),
    }


async def overview_at_eight(chats: int) -> dict[str, Any]:
    async with scratch_db() as db:
        keys = await create_chats(db, chats, 1)
        async with Emulator(enforce_limits=True) as emulator:
            app = build_application(settings(emulator, db))
            async with running(app):
                svc = services(app)
                assert svc.overviews is not None
                svc.overviews.set_clock(lambda: EIGHT - 3600)
                async with svc.store.transaction() as conn:
                    await conn.execute(
                        "UPDATE chats SET overview = '08:00', overview_due = ?", (EIGHT,)
                    )
                for n in range(OVERVIEW_HELD * len(keys)):  # every chat: OVERVIEW_HELD briefs
                    await svc.intake.add(
                        parse_brief(brief(n), now=datetime.now(TZ), source="bench")
                    )
                [(held,)] = await query(
                    svc.store, "SELECT count(*) FROM deliveries WHERE status = 'held'"
                )
                started_mono = time.monotonic()
                svc.overviews.set_clock(lambda: EIGHT)  # 08:00
                deadline = time.monotonic() + chats / 30 * 2 + 120
                while await emulator.count() < chats:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"{await emulator.count()} of {chats} overviews")
                    await asyncio.sleep(0.5)
                while (await svc.store.stats(since=0))["pending"]:  # noqa: ASYNC110 - polls the DB
                    await asyncio.sleep(0.5)
                await asyncio.sleep(1.0)
                assert svc.sender is not None
                sender_429 = svc.sender.rate_limited
            accepted, stats = await emulator.accepted()
    times = sorted(t for t, _ in accepted)
    per_chat: dict[int, int] = {}
    for _, chat in accepted:
        per_chat[chat] = per_chat.get(chat, 0) + 1
    return {
        "name": f"overview at 08:00, {chats} chats",
        "held alerts": held,
        "messages sent": len(accepted),
        "chats with exactly one overview": sum(1 for c in per_chat.values() if c == 1),
        "last overview sent (s after 08:00)": round(times[-1] - started_mono, 1),
        "rate (messages/s)": round(len(times) / (times[-1] - started_mono), 1),
        "429s": stats.get("429", 0) + sender_429,
    }


async def main_async(only: set[str], chats: int, overview_chats: int) -> None:
    logging.basicConfig(level=logging.WARNING)
    results = []
    if "1a" in only:
        results.append(await busy_hour(chats, combine=True))
    if "1b" in only:
        results.append(await busy_hour(chats, combine=False))
    if "2" in only:
        results.append(await overview_at_eight(overview_chats))
    for result in results:
        print(f"\n{result.pop('name')}")
        for key, value in result.items():
            print(f"  {key:48} {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="1a,1b,2")
    parser.add_argument("--chats", type=int, default=3000)
    parser.add_argument("--overview-chats", type=int, default=OVERVIEW_CHATS)
    args = parser.parse_args()
    asyncio.run(main_async(set(args.only.split(",")), args.chats, args.overview_chats))


if __name__ == "__main__":
    main()
