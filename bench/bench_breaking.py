"""Benchmark: a breaking item jumps a backlog of ordinary alerts at the free 30/s.

The scenario of the newsroom's /breaking: 20,000 chats (5,000 with ``--quick``) follow a
place and one ordinary brief about it is stored, so 20,000 alerts wait at the free
budget (about 11 minutes of sending).  Once the fan-out runs at full speed, an editor's
breaking brief is stored for 200 other chats that follow ``Belangrijk nieuws``.  The
emulator (``bench/emulator.py``, Telegram's limits enforced, in its own process) records
when it accepted each message.  Printed:

* first reader: time from storing the breaking item to its first alert (target < 2 s);
* last reader: to the last of its alerts;
* ordinary alerts overtaken: those still waiting when the breaking item was stored
  that went after its last alert (target: all of them but the few already in flight);
* ordinary alerts sent meanwhile: accepted between storing it and its last alert;
* 429s (target 0).

The bot side is the real thing (``build_application`` + ``running``: the Sender, its
limiter, the aiohttp request backend, the SQLite store); the brief is stored through the
intake as /breaking does.  The run stops after the last breaking alert: the remaining
ordinary alerts are not waited for.

Run from the repository root, with nothing else busy on the machine::

    .venv/bin/python -m bench.bench_breaking [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from datetime import datetime

from bench.bench_delivery import (
    BRIEF,
    FIRST_CHAT,
    FOLLOW_KEY,
    FOLLOW_LABEL,
    TZ,
    bench_settings,
    create_followers,
    scratch_db,
    services,
)
from bench.emulator import Emulator
from bot.app import build_application, running
from bot.news.parse import parse_brief
from bot.news.sections import BREAKING, BREAKING_KEY
from storage import open_store

READERS = 200  # chats that follow Belangrijk nieuws
READERS_FIRST = 1_000_000  # their chat ids, apart from the ordinary followers
WARM_UP = 90  # ordinary alerts accepted before the breaking item is stored (3 s at 30/s)
BREAKING_BRIEF = "DEN HAAG (ANP) - Het kabinet is gevallen; de premier biedt het ontslag aan."
TARGET_FIRST = 2.0


async def scenario(ordinary: int) -> dict[str, float | int]:
    async with scratch_db() as db, Emulator(enforce_limits=True) as emulator:
        store = await open_store(db)
        try:
            await create_followers(store, FIRST_CHAT, ordinary, FOLLOW_KEY, FOLLOW_LABEL)
            await create_followers(store, READERS_FIRST, READERS, BREAKING_KEY, BREAKING)
        finally:
            await store.close()
        app = build_application(bench_settings(emulator, db))
        async with running(app):
            svc = services(app)
            stored = await svc.intake.add(parse_brief(BRIEF, now=datetime.now(TZ), source="b"))
            assert stored.queued == ordinary, stored
            await emulator.wait_count(WARM_UP, timeout=60)
            at = time.monotonic()
            breaking = parse_brief(BREAKING_BRIEF, now=datetime.now(TZ), source="b")
            done = await svc.intake.add(breaking.with_(breaking=True))
            assert done.queued == READERS, done
            readers = set(range(READERS_FIRST, READERS_FIRST + READERS))
            deadline = at + READERS / 30 * 3 + 30
            while True:
                accepted, stats = await emulator.accepted()
                reached = [t for t, chat in accepted if chat in readers]
                if len(reached) >= READERS or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.25)
    ordinary_times = sorted(t for t, chat in accepted if chat not in readers)
    last = max(reached) if reached else float("nan")
    before = sum(1 for t in ordinary_times if t < at)
    meanwhile = sum(1 for t in ordinary_times if at <= t <= last)
    return {
        "readers": len(reached),
        "first": min(reached) - at if reached else float("nan"),
        "last": last - at,
        "waiting": ordinary - before,
        "meanwhile": meanwhile,
        "overtaken": ordinary - before - meanwhile,
        "429": int(stats.get("429", 0)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 ordinary alerts")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    ordinary = 5_000 if args.quick else 20_000
    print(f"{ordinary} ordinary alerts pending at the free 30/s, then /breaking for "
          f"{READERS} readers of {BREAKING} ...", flush=True)
    r = asyncio.run(scenario(ordinary))
    ok_first = r["first"] < TARGET_FIRST
    ok_order = r["readers"] == READERS and r["429"] == 0
    print(f"breaking readers reached:      {r['readers']}/{READERS}")
    print(f"first reader:                  {r['first']:.2f} s  (target < {TARGET_FIRST:g} s)"
          f"  {'ok' if ok_first else 'NO'}")
    print(f"last reader:                   {r['last']:.2f} s")
    print(f"ordinary alerts waiting:       {r['waiting']} when the breaking item was stored")
    print(f"ordinary sent meanwhile:       {r['meanwhile']} (before its last reader)")
    print(f"ordinary alerts overtaken:     {r['overtaken']}")
    print(f"429s:                          {r['429']}  (target 0)")
    return 0 if ok_first and ok_order else 1


if __name__ == "__main__":
    sys.exit(main())
