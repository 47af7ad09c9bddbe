"""Benchmark: alert delivery against the Bot API emulator, with Telegram's limits enforced.

What it measures, against the targets (2-core machine):

1. **free budget**: 3,000 subscribed private chats (600 with ``--quick``), one brief: the
   sustained rate must be at least 29.5 messages/s with zero 429s and every chat exactly
   one alert;
2. **paid broadcast** (``Settings.paid_broadcast``): 20,000 chats (5,000 with ``--quick``),
   at least 970 messages/s sustained, zero 429s, every chat exactly one alert;
3. **/plaats to first alert**: an admin's ``/plaats`` injected through the emulator's
   getUpdates, to the moment the emulator accepts the alert for the one chat that follows
   the post's keyword: median over 20 posts (10 with ``--quick``) 1.2 s apart, under 50 ms;
4. **kill -9**: a real ``newsbot run`` subprocess is SIGKILLed halfway through a fan-out and
   restarted, at the free rate (600 chats, 300 with ``--quick``) and at 1000/s paid (5,000
   chats, 2,000 with ``--quick``), the emulator answering after 20 ms like a round trip to
   Telegram: every chat gets its alert; duplicates are at most the sends in flight at the
   kill (accepted by the emulator but not yet recorded as sent), and at most 30 (free) or
   64 (paid); the requests awaiting an answer at the kill are shown beside them;
6. **outage**: a paid fan-out to 10,000 chats (5,000 with ``--quick``); a third of the way in
   every call is answered 502 for 5 minutes (30 s with ``--quick``): nothing lost, no
   duplicates, no attempt spent, how many sends and probes went out meanwhile, and the time
   from recovery to the first and the last alert (the probe backs off to 30 s);
7. **one budget**: 2,000 readers (300 with ``--quick``) send /help at once; as their last
   replies go at the free 30/s, a paid fan-out to 20,000 chats (5,000) starts: 0 x 429,
   at least 970/s, and no second with more than 1,000 sends, replies included;
8. **outage past the max age**: every call 502 for 40 s (12 s with ``--quick``) from before a
   fan-out to 100 chats is stored, with ``NEWSBOT_ALERT_MAX_AGE`` 20 s (6 s): the fan-out
   expires, held at the closed gate; 30 s (6 s) after Telegram answers again a second brief
   is stored: its first alert within 10 s, and every chat reached within 90 s (30 s);
5. **comparison** on the 600-chat free-budget run: our Sender, PTB's ``AIORateLimiter``
   (only if the ``aiolimiter`` package is installed: it is not a dependency, so the row is
   otherwise marked skipped), and a plain loop over the chats with no limiter, once sleeping
   1/30 s after each send and once on a fixed 1/30 s schedule.  A 429 in the plain loop is
   a lost alert (nothing retries it).

Every scenario gets a fresh SQLite file in a temporary folder (chats and subscriptions
created with set-based SQL, the brief stored through ``Intake`` so the outbox rows are made
the real way) and its own emulator process (``bench/emulator.py``: ``fakes/botapi.py`` with
``enforce_limits=True``), so the emulator does not share the bot's event loop.  The bot side
is the real thing: ``build_application`` + ``running`` (Sender, TelegramLimiter,
AiohttpRequest), or the real ``newsbot run`` process for scenario 4.

"Sustained rate" is the number of messages the emulator accepted between the 10th and the
90th percentile of their acceptance times, divided by that window; "overall" is all
messages divided by the time from storing the brief to the last acceptance.  "Busiest 1 s"
is the most messages the emulator accepted in any sliding one-second window (the budget is
30, or 1,000 paid).

Run from the repository root, with nothing else busy on the machine::

    .venv/bin/python -m bench.bench_delivery [--quick] [--only 1,2,3,4,5]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import logging
import os
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import RetryAfter, TelegramError

from bench.emulator import Emulator
from bot.app import build_application, running
from bot.delivery.telegram_http import AiohttpRequest
from bot.intake import Intake
from bot.news.buttons import unfollow_alert
from bot.news.match import item_keys, resolve
from bot.news.parse import parse_brief
from bot.news.regions import default_gazetteer
from bot.news.render import render_alert
from bot.services import SERVICES_KEY, Services
from bot.settings import Settings
from fakes.process import bot_env, start_bot
from storage import Store, open_store

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456:bench-token"
ADMIN = 500
FIRST_CHAT = 10_000
TZ = ZoneInfo("Europe/Amsterdam")
BRIEF = "TOKIO (ANP) - Japan kiest een nieuwe premier na het aftreden van de regering."
FOLLOW_KEY, FOLLOW_LABEL = "r:JP", "Japan"
SECOND_BRIEF = "OSAKA (ANP) - Japan telt de stemmen na de verkiezingen."
SETTLE = 1.0  # seconds to wait after the last expected alert, for duplicates to show

TARGET_FREE_RATE = 29.5
TARGET_PAID_RATE = 970.0
TARGET_LATENCY_MS = 50.0
FREE_BUDGET, PAID_BUDGET = 30, 1000

# /plaats scenario: one follower chat per post, each following a keyword only its post has.
LATENCY_WORDS = (
    "fietspaden", "tulpenvelden", "kaasmarkt", "dijkversterking", "windpark", "zonnepanelen",
    "woningbouw", "stikstofregels", "ziekenhuisbedden", "bibliotheek", "zwembad", "veerpont",
    "snelwegverbreding", "schoolplein", "havenkraan", "dierentuin", "voetbalclub",
    "muziekfestival", "sluiswachter", "kinderopvang",
)
LATENCY_GAP = 1.2  # seconds between posts: the admin's chat may get 1 message/s

log = logging.getLogger("bench_delivery")


# -- data --------------------------------------------------------------------------------


async def create_followers(store: Store, first: int, count: int, key: str, label: str) -> None:
    """Chats first..first+count-1, private, each following `key` (two set-based INSERTs)."""
    series = (
        "WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
    )
    async with store.transaction() as conn:
        await conn.execute(
            series + "INSERT INTO chats (id, kind, created_at) SELECT i, 'private', 0 FROM n",
            (first, first + count - 1),
        )
        await conn.execute(
            series + "INSERT INTO subscriptions (chat_id, key, label, created_at)"
            " SELECT i, ?, ?, 0 FROM n",
            (first, first + count - 1, key, label),
        )


def bench_settings(emulator: Emulator, db: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "token": TOKEN, "api_url": emulator.base_url, "db": db, "admins": frozenset({ADMIN}),
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def services(app: Any) -> Services:
    svc = app.bot_data[SERVICES_KEY]
    assert isinstance(svc, Services)
    return svc


@contextlib.asynccontextmanager
async def scratch_db() -> AsyncIterator[Path]:
    with tempfile.TemporaryDirectory(prefix="bench_delivery_") as folder:
        yield Path(folder) / "news.sqlite3"


@contextlib.asynccontextmanager
async def followed_db(chats: int) -> AsyncIterator[Path]:
    """A scratch database in which `chats` chats follow the benchmark's key."""
    async with scratch_db() as db:
        store = await open_store(db)
        try:
            await create_followers(store, FIRST_CHAT, chats, FOLLOW_KEY, FOLLOW_LABEL)
        finally:
            await store.close()
        yield db


# -- results -----------------------------------------------------------------------------


@dataclass
class Run:
    """What the emulator saw of one fan-out."""

    name: str
    chats: list[int]
    accepted: list[tuple[float, int]]
    stats: Counter[str]
    started: float  # monotonic time the brief was stored / the loop began
    lost: int = 0  # plain loop only: 429s nobody retried
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def times(self) -> list[float]:
        return sorted(t for t, _ in self.accepted)

    @property
    def sustained(self) -> float:
        times = self.times
        if len(times) < 10:
            return float("nan")
        lo, hi = times[int(0.1 * (len(times) - 1))], times[int(0.9 * (len(times) - 1))]
        inside = bisect.bisect_right(times, hi) - bisect.bisect_left(times, lo)
        return inside / (hi - lo) if hi > lo else float("nan")

    @property
    def overall(self) -> float:
        times = self.times
        return len(times) / (times[-1] - self.started) if times else float("nan")

    @property
    def busiest_second(self) -> int:
        times, best, start = self.times, 0, 0
        for end, t in enumerate(times):
            while t - times[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best

    @property
    def per_chat(self) -> Counter[int]:
        return Counter(chat for _, chat in self.accepted)

    @property
    def exactly_one(self) -> int:
        per_chat = self.per_chat
        return sum(1 for chat in self.chats if per_chat[chat] == 1)

    @property
    def missing(self) -> int:
        per_chat = self.per_chat
        return sum(1 for chat in self.chats if per_chat[chat] == 0)

    @property
    def duplicates(self) -> int:
        return sum(n - 1 for n in self.per_chat.values() if n > 1)

    @property
    def rate_limited(self) -> int:
        return int(self.stats.get("429", 0))

    @property
    def all_exactly_one(self) -> bool:
        return self.exactly_one == len(self.chats) and len(self.accepted) == len(self.chats)


@dataclass
class Row:
    scenario: str
    measure: str
    figure: str
    target: str = ""
    ok: bool | None = None


def rate_rows(scenario: str, run: Run, target_rate: float | None) -> list[Row]:
    if run.note:
        return [Row(scenario, "skipped", run.note)]
    target = f">= {target_rate:g}/s" if target_rate else ""
    ok = run.sustained >= target_rate if target_rate else None
    rows = [
        Row(scenario, "sustained rate (p10-p90)", f"{run.sustained:.1f}/s", target, ok),
        Row(scenario, "overall rate (store to last)", f"{run.overall:.1f}/s"),
        Row(scenario, "busiest 1 s window", str(run.busiest_second)),
        Row(scenario, "429s", str(run.rate_limited), "0" if target_rate else "",
            run.rate_limited == 0 if target_rate else None),
        Row(
            scenario,
            "chats with exactly one alert",
            f"{run.exactly_one}/{len(run.chats)} (missing {run.missing},"
            f" duplicates {run.duplicates})",
            "all" if target_rate else "",
            run.all_exactly_one if target_rate else None,
        ),
    ]
    if run.lost:
        rows.append(Row(scenario, "alerts lost (429, not retried)", str(run.lost)))
    for key, value in run.extra.items():
        rows.append(Row(scenario, key, str(value)))
    return rows


def print_table(rows: list[Row]) -> None:
    widths = [max(len(getattr(r, col)) for r in rows) for col in ("scenario", "measure", "figure")]
    target_width = max([len(r.target) for r in rows] + [6])
    header = (
        f"{'scenario':<{widths[0]}}  {'measure':<{widths[1]}}  {'figure':<{widths[2]}}  "
        f"{'target':<{target_width}}  ok"
    )
    print(header)
    print("-" * len(header))
    last = ""
    for r in rows:
        mark = "" if r.ok is None else ("yes" if r.ok else "NO")
        name = r.scenario if r.scenario != last else ""
        last = r.scenario
        print(
            f"{name:<{widths[0]}}  {r.measure:<{widths[1]}}  {r.figure:<{widths[2]}}  "
            f"{r.target:<{target_width}}  {mark}"
        )


# -- scenarios 1, 2 and 5a: the Sender -----------------------------------------------------


async def sender_fan_out(name: str, chats: int, *, paid: bool) -> Run:
    """`chats` followers, one brief stored through Intake, the real app sends."""
    budget = PAID_BUDGET if paid else FREE_BUDGET
    async with followed_db(chats) as db, Emulator(enforce_limits=True) as emulator:
        app = build_application(bench_settings(emulator, db, paid_broadcast=paid))
        async with running(app):
            svc = services(app)
            started = time.monotonic()
            stored = await svc.intake.add(
                parse_brief(BRIEF, now=datetime.now(TZ), source="bench")
            )
            assert stored.queued == chats, stored
            await emulator.wait_count(chats, timeout=chats / budget * 2 + 30)
            deadline = time.monotonic() + 30
            while (await svc.store.stats(since=0))["pending"]:
                if time.monotonic() > deadline:
                    raise TimeoutError("outbox still has pending rows")
                await asyncio.sleep(0.1)
            await asyncio.sleep(SETTLE)
            assert svc.sender is not None
            sender_429 = svc.sender.rate_limited
        accepted, stats = await emulator.accepted()
    run = Run(name, list(range(FIRST_CHAT, FIRST_CHAT + chats)), accepted, stats, started)
    if sender_429:
        run.extra["429s seen by the sender"] = sender_429
    return run


# -- scenario 5: PTB's AIORateLimiter, and a plain loop ------------------------------------


async def _rendered_alert(db: Path) -> str:
    store = await open_store(db)
    try:
        stored = await Intake(store, default_gazetteer()).add(
            parse_brief(BRIEF, now=datetime.now(TZ), source="bench")
        )
    finally:
        await store.close()
    assert stored.item is not None
    return render_alert(stored.item, reason=FOLLOW_LABEL, now=datetime.now(TZ), tz=TZ)


def _button() -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(
        f"Ontvolg {FOLLOW_LABEL}", callback_data=unfollow_alert(FOLLOW_KEY)
    )
    return InlineKeyboardMarkup([[button]])


async def aio_rate_limiter_fan_out(name: str, chats: int) -> Run:
    """The same fan-out through PTB's AIORateLimiter (needs the optional aiolimiter)."""
    chat_ids = list(range(FIRST_CHAT, FIRST_CHAT + chats))
    try:
        import aiolimiter  # noqa: F401
    except ImportError:
        return Run(name, chat_ids, [], Counter(), 0.0,
                   note="aiolimiter not installed (python-telegram-bot[rate-limiter] extra)")
    from telegram.ext import AIORateLimiter, ExtBot

    async with scratch_db() as db:
        text = await _rendered_alert(db)
    async with Emulator(enforce_limits=True) as emulator:
        bot = ExtBot(
            TOKEN, base_url=emulator.base_url, request=AiohttpRequest(),
            rate_limiter=AIORateLimiter(max_retries=3),
        )
        lost = 0
        async with bot:
            started = time.monotonic()

            async def send(chat: int) -> None:
                nonlocal lost
                try:
                    await bot.send_message(chat, text, parse_mode="HTML", reply_markup=_button())
                except TelegramError:
                    lost += 1

            await asyncio.gather(*(send(chat) for chat in chat_ids))
            await asyncio.sleep(SETTLE)
        accepted, stats = await emulator.accepted()
    return Run(name, chat_ids, accepted, stats, started, lost=lost)


async def plain_loop_fan_out(name: str, chats: int, *, fixed_schedule: bool) -> Run:
    """No limiter: send to each chat in turn, 1/30 s apart; a 429 loses that alert."""
    chat_ids = list(range(FIRST_CHAT, FIRST_CHAT + chats))
    async with scratch_db() as db:
        text = await _rendered_alert(db)
    markup = _button()
    interval = 1 / FREE_BUDGET
    lost = 0
    async with Emulator(enforce_limits=True) as emulator:
        async with Bot(TOKEN, base_url=emulator.base_url, request=AiohttpRequest()) as bot:
            started = time.monotonic()
            for i, chat in enumerate(chat_ids):
                try:
                    await bot.send_message(chat, text, parse_mode="HTML", reply_markup=markup)
                except RetryAfter:
                    lost += 1
                if fixed_schedule:
                    await asyncio.sleep(max(0.0, started + (i + 1) * interval - time.monotonic()))
                else:
                    await asyncio.sleep(interval)
            await asyncio.sleep(SETTLE)
        accepted, stats = await emulator.accepted()
    return Run(name, chat_ids, accepted, stats, started, lost=lost)


# -- scenario 3: /plaats to the first alert -------------------------------------------------


def _latency_posts(count: int) -> list[tuple[str, str]]:
    """(post text, key its follower follows), checked to match only their own follower."""
    gazetteer = default_gazetteer()
    words = LATENCY_WORDS[:count]
    keys = [resolve(word, gazetteer).key for word in words]
    posts = []
    for i, (word, key) in enumerate(zip(words, keys, strict=True)):
        text = (
            f"AMSTERDAM (ANP) - De gemeenteraad praat vanavond over {word}, "
            f"meldt een woordvoerder in bericht {i + 1}."
        )
        item = parse_brief(text, now=datetime.now(TZ))
        matched = set(item_keys(item, gazetteer.find(item.text)))
        assert key in matched and not matched & (set(keys) - {key}), (word, key)
        posts.append((text, key))
    return posts


async def plaats_latency(posts: int) -> tuple[list[float], list[float], Run]:
    """Inject /plaats from the admin; time to the follower's alert and to the admin's reply."""
    plan = _latency_posts(posts)
    followers = [FIRST_CHAT + i for i in range(len(plan))]
    async with scratch_db() as db:
        store = await open_store(db)
        try:
            async with store.transaction() as conn:
                await conn.executemany(
                    "INSERT INTO chats (id, kind, created_at) VALUES (?, 'private', 0)",
                    [(chat,) for chat in followers],
                )
                await conn.executemany(
                    "INSERT INTO subscriptions (chat_id, key, label, created_at)"
                    " VALUES (?, ?, ?, 0)",
                    [(chat, key, key[2:]) for chat, (_, key) in zip(followers, plan, strict=True)],
                )
        finally:
            await store.close()
        async with Emulator(enforce_limits=True) as emulator:
            app = build_application(bench_settings(emulator, db))
            injected: list[float] = []
            async with running(app):
                assert app.updater is not None
                await app.updater.start_polling(poll_interval=0.0, timeout=10)
                await asyncio.sleep(0.5)
                started = time.monotonic()
                for text, _ in plan:
                    injected.append(await emulator.inject(f"/plaats {text}", ADMIN, ADMIN))
                    # No polling of the emulator meanwhile: the bot shares this event loop.
                    await asyncio.sleep(LATENCY_GAP)
            accepted, stats = await emulator.accepted()
    first: dict[int, float] = {}
    replies = sorted(t for t, chat in accepted if chat == ADMIN)
    for t, chat in accepted:
        first.setdefault(chat, t)
    alert_ms = [
        (first[c] - t) * 1000 for c, t in zip(followers, injected, strict=True) if c in first
    ]
    reply_ms = []
    for t in injected:
        later = [r for r in replies if r >= t]
        if later:
            reply_ms.append((later[0] - t) * 1000)
    alerts = [(t, c) for t, c in accepted if c != ADMIN]
    run = Run("plaats", followers, alerts, stats, started)
    return alert_ms, reply_ms, run


# -- scenario 4: kill -9 mid-fan-out, restart ------------------------------------------------


async def _sent_in_db(db: Path) -> tuple[int, int]:
    store = await open_store(db)
    try:
        figures = await store.stats(since=0)
    finally:
        await store.close()
    return figures["sent"], figures["pending"]


async def crash_and_restart(chats: int, *, paid: bool = True, latency: float = 0.02) -> list[Row]:
    """kill -9 halfway through a fan-out, restart: lost, duplicates, what was in flight.

    The emulator answers after `latency` seconds (a round trip to Telegram), so that
    requests are really on their way at the kill: "awaiting an answer" is the emulator's
    count of calls it had received and not yet answered at that moment.
    """
    chat_ids = list(range(FIRST_CHAT, FIRST_CHAT + chats))
    name = f"4{'b' if paid else 'a'} kill -9, {'paid' if paid else 'free'}"
    mode = "true" if paid else "false"
    async with followed_db(chats) as db:
        # Opened again, as the bot would be: the store reads the followed keys at open.
        store = await open_store(db)
        try:
            stored = await Intake(store, default_gazetteer()).add(
                parse_brief(BRIEF, now=datetime.now(TZ), source="bench")
            )
            assert stored.queued == chats, stored
        finally:
            await store.close()
        async with Emulator(enforce_limits=True) as emulator:
            await emulator.set_delay(latency)
            env = bot_env(token=TOKEN, api_url=emulator.base_url, db=db, paid_broadcast=mode)
            bot = start_bot(env, db.parent)
            try:
                # Mid-burst, not at a second's boundary (the permits come back each second).
                budget = PAID_BUDGET if paid else FREE_BUDGET
                await emulator.wait_count(chats // 2 + budget // 3, timeout=300, interval=0.005)
            finally:
                bot.send_signal(signal.SIGKILL)
                awaiting = int((await emulator.progress())["in_flight"])
                await asyncio.to_thread(bot.wait, 10)
            await asyncio.sleep(0.3 + latency)  # requests already on the wire are answered
            at_kill = await emulator.count()
            recorded, _ = await _sent_in_db(db)
            in_flight = at_kill - recorded

            restarted = time.monotonic()
            bot = start_bot(env, db.parent)
            try:
                deadline = time.monotonic() + 300
                while True:
                    accepted, _ = await emulator.accepted()
                    if len({chat for _, chat in accepted}) >= chats:
                        break
                    if time.monotonic() > deadline or bot.poll() is not None:
                        raise RuntimeError("the restarted bot did not deliver everything")
                    await asyncio.sleep(0.2)
                finished = time.monotonic()
                await asyncio.sleep(SETTLE)
            finally:
                bot.send_signal(signal.SIGTERM)
                _, stderr = await asyncio.to_thread(bot.communicate, timeout=30)
            accepted, stats = await emulator.accepted()
        sent_after, pending_after = await _sent_in_db(db)
    run = Run("kill -9", chat_ids, accepted, stats, 0.0)
    dupes = run.duplicates
    bound = 64 if paid else 30  # the targets: the workers, the free budget
    return [
        Row(name, "accepted at the kill", f"{at_kill}/{chats}"),
        Row(name, f"requests awaiting an answer at the kill ({latency * 1000:.0f} ms RTT)",
            str(awaiting)),
        Row(name, "accepted but not recorded at the kill", str(in_flight)),
        Row(name, "restart to last chat served", f"{finished - restarted:.1f} s"),
        Row(name, "chats missing after restart", str(run.missing), "0", run.missing == 0),
        Row(name, "duplicate alerts", str(dupes), f"<= {in_flight}, <= {bound}",
            dupes <= in_flight and dupes <= bound),
        Row(name, "DB after restart: sent / pending", f"{sent_after} / {pending_after}",
            f"{chats} / 0", sent_after == chats and pending_after == 0),
        Row(name, "429s", str(run.rate_limited), "0", run.rate_limited == 0),
        Row(name, "tracebacks on stderr", str(stderr.count("Traceback")), "0",
            "Traceback" not in stderr),
    ]


# -- scenario 6: Telegram down mid-fan-out -------------------------------------------------


async def outage_mid_fan_out(chats: int, outage: float) -> list[Row]:
    """Paid fan-out; at a third every call gets 502 for `outage` seconds, then recovers."""
    name = f"6 {outage / 60:g} min outage, {chats} chats"
    chat_ids = list(range(FIRST_CHAT, FIRST_CHAT + chats))
    async with followed_db(chats) as db, Emulator(enforce_limits=True) as emulator:
        app = build_application(bench_settings(emulator, db, paid_broadcast=True))
        async with running(app):
            svc = services(app)
            started = time.monotonic()
            stored = await svc.intake.add(
                parse_brief(BRIEF, now=datetime.now(TZ), source="bench")
            )
            assert stored.queued == chats, stored
            await emulator.wait_count(chats // 3, timeout=120, interval=0.01)
            down_at = await emulator.go_down(502)
            await asyncio.sleep(outage)
            during = (await emulator.progress())["stats"]
            up_at = await emulator.come_up()
            await emulator.wait_count(chats, timeout=outage + 120)
            deadline = time.monotonic() + 60
            while (figures := await svc.store.stats(since=0))["pending"]:
                if time.monotonic() > deadline:
                    raise TimeoutError("outbox still has pending rows")
                await asyncio.sleep(0.1)
            await asyncio.sleep(SETTLE)
            with sqlite3.connect(db) as conn:  # a figure no store query gives
                attempts = conn.execute("SELECT max(attempts) FROM deliveries").fetchone()[0]
        accepted, stats = await emulator.accepted()
    run = Run(name, chat_ids, accepted, stats, started)
    after = sorted(t for t, _ in accepted if t >= up_at)
    first = after[0] - up_at if after else float("nan")
    drained = after[-1] - up_at if after else float("nan")
    return [
        Row(name, "alerts lost", str(run.missing), "0", run.missing == 0),
        Row(name, "duplicates", str(run.duplicates), "0", run.duplicates == 0),
        Row(name, "failed / expired rows", f"{figures['failed']} / {figures['expired']}",
            "0 / 0", figures["failed"] == 0 and figures["expired"] == 0),
        Row(name, "most attempts spent by a delivery", str(attempts), "0", attempts == 0),
        Row(name, "sendMessage calls during the outage",
            str(during.get("down sendmessage", 0))),
        Row(name, "getMe probes during the outage", str(during.get("down getme", 0))),
        Row(name, "recovery to first alert / to the last", f"{first:.1f} / {drained:.1f} s",
            "<= 30 s to first", first <= 31.0),
        Row(name, "accepted before the outage", str(sum(t < down_at for t, _ in accepted))),
        Row(name, "429s", str(run.rate_limited), "0", run.rate_limited == 0),
    ]


# -- scenario 8: an outage that outlasts NEWSBOT_ALERT_MAX_AGE ------------------------------


async def outage_past_max_age(
    chats: int, outage: float, max_age: float, after: float, wait: float
) -> list[Row]:
    """Every call 502 for `outage` s, from before a fan-out is stored: its alerts expire,
    held at the closed gate.  `after` s after Telegram answers again a second brief is
    stored: how long to its first alert, and how many chats it reaches within `wait` s."""
    name = f"8 {outage:g} s outage, max age {max_age:g} s, {chats} chats"
    async with followed_db(chats) as db, Emulator(enforce_limits=True) as emulator:
        app = build_application(bench_settings(emulator, db, alert_max_age=max_age))
        async with running(app):
            svc = services(app)
            await emulator.go_down(502)
            stored = await svc.intake.add(parse_brief(BRIEF, now=datetime.now(TZ), source="bench"))
            assert stored.queued == chats, stored
            await asyncio.sleep(outage)
            up_at = await emulator.come_up()
            await asyncio.sleep(after)
            posted = time.monotonic()
            second = await svc.intake.add(
                parse_brief(SECOND_BRIEF, now=datetime.now(TZ), source="bench")
            )
            assert second.queued == chats, second
            with contextlib.suppress(TimeoutError):  # reached fewer: the row says how many
                await emulator.wait_count(chats, timeout=wait, interval=0.05)
            figures = await svc.store.stats(since=0)
        accepted, _ = await emulator.accepted()
    after_up = sorted(t for t, _ in accepted if t >= up_at)
    first = after_up[0] - posted if after_up else float("nan")
    reached = len({chat for t, chat in accepted if t >= posted})
    return [
        Row(name, "alerts expired (both briefs)", f"{figures['expired']}/{2 * chats}"),
        Row(name, f"brief {after:g} s after recovery: to first alert",
            "never" if not after_up else f"{first:.2f} s", "<= 10 s",
            bool(after_up) and first <= 10.0),
        Row(name, f"chats it reached within {wait:g} s", f"{reached}/{chats}", "all",
            reached == chats),
    ]


# -- scenario 7: paid broadcast right behind a burst of replies ----------------------------


async def paid_after_replies(chats: int, readers: int) -> list[Row]:
    """`readers` send /help at once; as their last replies go, a paid fan-out starts."""
    name = f"7 paid {chats} after {readers} replies"
    followers = list(range(FIRST_CHAT, FIRST_CHAT + chats))
    askers = list(range(FIRST_CHAT + chats, FIRST_CHAT + chats + readers))
    async with followed_db(chats) as db, Emulator(enforce_limits=True) as emulator:
        app = build_application(bench_settings(emulator, db, paid_broadcast=True))
        async with running(app):
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0.0, timeout=10)
            svc = services(app)
            await emulator.inject_many(askers, "/help")
            # Replies go at the free 30/s: start the fan-out while the last second's
            # replies are still going, when separate budgets for replies and alerts would overrun.
            await emulator.wait_count(readers - FREE_BUDGET, timeout=readers / 25 + 60)
            started = time.monotonic()
            stored = await svc.intake.add(
                parse_brief(BRIEF, now=datetime.now(TZ), source="bench")
            )
            assert stored.queued == chats, stored
            await emulator.wait_count(chats + readers, timeout=chats / 500 + 60)
            await asyncio.sleep(SETTLE)
        accepted, stats = await emulator.accepted()
    alerts = [(t, c) for t, c in accepted if c < FIRST_CHAT + chats]
    everything = Run(name, followers + askers, accepted, stats, started)
    run = Run(name, followers, alerts, stats, started)
    rows = rate_rows(name, run, TARGET_PAID_RATE)
    rows.insert(3, Row(name, "busiest 1 s window, replies included",
                       str(everything.busiest_second), f"<= {PAID_BUDGET}",
                       everything.busiest_second <= PAID_BUDGET))
    rows.append(Row(name, "readers answered", f"{sum(1 for c in askers if everything.per_chat[c])}"
                    f"/{readers}", "all", all(everything.per_chat[c] for c in askers)))
    return rows


# -- main ----------------------------------------------------------------------------------


def pick(text: str) -> set[int]:
    return {int(part) for part in text.split(",") if part.strip()}


async def main(args: argparse.Namespace) -> int:
    quick = args.quick
    only = pick(args.only)
    rows: list[Row] = []

    def show(new: Iterable[Row]) -> None:
        new = list(new)
        rows.extend(new)
        for row in new:
            print(f"  {row.scenario}: {row.measure}: {row.figure}", flush=True)

    if 1 in only:
        n = 600 if quick else 3000
        print(f"[1] free budget, {n} chats (~{n / FREE_BUDGET:.0f} s) ...", flush=True)
        run = await sender_fan_out("free", n, paid=False)
        show(rate_rows(f"1 free, {n} chats", run, TARGET_FREE_RATE))
    if 2 in only:
        n = 5000 if quick else 20_000
        print(f"[2] paid broadcast, {n} chats ...", flush=True)
        run = await sender_fan_out("paid", n, paid=True)
        show(rate_rows(f"2 paid, {n} chats", run, TARGET_PAID_RATE))
    if 3 in only:
        n = 10 if quick else 20
        print(f"[3] /plaats to first alert, {n} posts ...", flush=True)
        alert_ms, reply_ms, run = await plaats_latency(n)
        scenario = f"3 /plaats, {n} posts"
        median = statistics.median(alert_ms) if alert_ms else float("nan")
        show([
            Row(scenario, "to first alert: median", f"{median:.1f} ms",
                f"< {TARGET_LATENCY_MS:g} ms", median < TARGET_LATENCY_MS),
            Row(scenario, "to first alert: min / max",
                f"{min(alert_ms):.1f} / {max(alert_ms):.1f} ms"),
            Row(scenario, "to the admin's reply: median",
                f"{statistics.median(reply_ms):.1f} ms"),
            Row(scenario, "followers with exactly one alert", f"{run.exactly_one}/{n}", "all",
                run.exactly_one == n),
            Row(scenario, "429s", str(run.rate_limited), "0", run.rate_limited == 0),
        ])
    if 4 in only:
        n = 300 if quick else 600
        print(f"[4a] kill -9 halfway through {n} chats at the free rate, restart ...", flush=True)
        show(await crash_and_restart(n, paid=False))
        n = 2000 if quick else 5000
        print(f"[4b] kill -9 halfway through {n} chats at 1000/s, restart ...", flush=True)
        show(await crash_and_restart(n, paid=True))
    if 5 in only:
        n = 600
        print(f"[5] comparison on {n} chats, free budget (~{4 * n / FREE_BUDGET:.0f} s) ...",
              flush=True)
        run = await sender_fan_out("sender", n, paid=False)
        show(rate_rows(f"5a Sender, {n}", run, None))
        run = await aio_rate_limiter_fan_out("aiorl", n)
        show(rate_rows(f"5b AIORateLimiter, {n}", run, None))
        run = await plain_loop_fan_out("sleep", n, fixed_schedule=False)
        show(rate_rows(f"5c loop, sleep 1/30 s, {n}", run, None))
        run = await plain_loop_fan_out("schedule", n, fixed_schedule=True)
        show(rate_rows(f"5d loop, 1/30 s schedule, {n}", run, None))

    if 6 in only:
        n, outage = (5000, 30.0) if quick else (10_000, 300.0)
        print(f"[6] {outage:.0f} s outage a third into a {n}-chat paid fan-out ...", flush=True)
        show(await outage_mid_fan_out(n, outage))
    if 8 in only:
        n, outage, max_age, after, wait = (
            (100, 12.0, 6.0, 6.0, 30.0) if quick else (100, 40.0, 20.0, 30.0, 90.0)
        )
        print(f"[8] {outage:.0f} s outage past a {max_age:.0f} s max age, then a brief "
              f"{after:.0f} s after recovery (~{outage + after + 2:.0f} s, up to "
              f"{outage + after + wait:.0f} s) ...", flush=True)
        show(await outage_past_max_age(n, outage, max_age, after, wait))
    if 7 in only:
        n, readers = (5000, 300) if quick else (20_000, 2000)
        print(f"[7] paid {n} chats right behind {readers} replies "
              f"(~{readers / FREE_BUDGET + n / PAID_BUDGET:.0f} s) ...", flush=True)
        show(await paid_after_replies(n, readers))

    print()
    print_table(rows)
    failed = [r for r in rows if r.ok is False]
    return 1 if failed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs (600 free chats)")
    parser.add_argument("--only", default="1,2,3,4,5,6,7,8", help="scenarios to run, e.g. 2,3")
    # Loopback only: never through a proxy from the environment.
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                 "all_proxy"):
        os.environ.pop(name, None)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    sys.exit(asyncio.run(main(parser.parse_args())))
