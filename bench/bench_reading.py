"""Benchmark: /laatste and /zoek over a 100,000-item archive while 100 readers ask at once.

What it measures, against the targets (2-core machine): the bot's own time for a reader's
command -- from the moment 100 commands arrive together to the moment each one's reply
reaches the request backend as a ``sendMessage`` call -- median under 10 ms and p99 under
50 ms, for

* ``/laatste`` (the lead story, rendered as an article),
* ``/laatste 5`` (the five newest briefs),
* ``/zoek staking`` (search on a common word, newest 6 of thousands),
* ``/zoek <rare word>`` (a word in only a handful of items),
* a mix: 25 of each of the above in the same burst.

How: the archive is generated into a fresh SQLite file (``--db`` keeps it for reruns)
with varied Dutch-ish wire briefs -- datelines, agencies, regions, topics drawn with a
Zipf-like popularity -- plus one lead article in 200, inserted in batches in one transaction
(their search keys are made when the store opens).  The real Application is built with
``build_application`` (handlers, TelegramLimiter, the idle Sender) but with the in-process
Bot API of ``bot/localapi.py`` (the console's) as request backend, which answers every call
at once; it notes when each ``sendMessage`` arrives.  Each round builds 100 ``Update``
objects from 100 different private chats, then starts ``app.process_update`` for all of
them with ``asyncio.gather``; a reply's latency is measured from the start of the round
(all 100 arrived together), and, for comparison, from the start of its own
``process_update``.

The judged runs lift Telegram's limits (1,000 messages/s, no per-chat pacing; replies
never use the paid budget) and space rounds 0.2 s apart, so the figures are the bot's
work, not Telegram's global limit: with the free
budget of 30 messages/s, 100 replies at once *must* be spread over about 3.3 s whatever the
bot does.  One extra row shows that: ``/laatste 5`` with the free budget.  Other rows,
also not held to the targets, give the scale: ``/help`` 100 at once (PTB's own path, no
database, no rendering) and each command for a single reader at a time.

Run from the repository root, with nothing else busy on the machine::

    .venv/bin/python bench/bench_reading.py [--items 100000] [--rounds 10] [--db PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import logging
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.app import build_application, running
from bot.delivery.ratelimit import Limits
from bot.localapi import LocalBotAPI
from bot.news.match import resolve
from bot.news.regions import default_gazetteer
from bot.settings import Settings
from storage import open_store
from storage.sqlite import SQLiteStore

TOKEN = "123456:bench-token"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Nieuwsbot", "username": "bench_bot"}
READERS = 100
ROUND_GAP = 0.2  # seconds between bursts: 100 replies each, well inside 1,000/s
TARGET_MEDIAN_MS = 10.0
TARGET_P99_MS = 50.0
RARE_WORD = "Lecornu"
RARE_COUNT = 4
LEAD_EVERY = 200
SEED = 20251125
NOT_JUDGED = "~"  # label prefix of rows shown for scale, not held to the targets

QUERIES = {
    "/laatste": "/laatste",
    "/laatste 5": "/laatste 5",
    "/zoek staking": "/zoek staking",
    f"/zoek {RARE_WORD} (rare)": f"/zoek {RARE_WORD.lower()}",
}

# -- the archive -------------------------------------------------------------------------

PLACES = [
    ("AMSTERDAM", "NL"), ("DEN HAAG", "NL"), ("ROTTERDAM", "NL"), ("UTRECHT", "NL"),
    ("EINDHOVEN", "NL"), ("GRONINGEN", "NL"), ("MAASTRICHT", "NL"), ("ZWOLLE", "NL"),
    ("BRUSSEL", "BE"), ("ANTWERPEN", "BE"), ("PARIJS", "FR"), ("BERLIJN", "DE"),
    ("LONDEN", "GB"), ("MADRID", "ES"), ("ROME", "IT"), ("KYIV", "UA"), ("MOSKOU", "RU"),
    ("WASHINGTON", "US"), ("NEW YORK", "US"), ("TOKIO", "JP"), ("PEKING", "CN"),
    ("JERUZALEM", "IL"), ("ANKARA", "TR"), ("WARSCHAU", "PL"), ("STOCKHOLM", "SE"),
    ("KOPENHAGEN", "DK"), ("WENEN", "AT"), ("ATHENE", "GR"), ("NAIROBI", "KE"),
    ("BRASILIA", "BR"), ("NEW DELHI", "IN"), ("CANBERRA", "AU"),
]
MENTIONS = [
    ("Oekraïne", "UA"), ("Rusland", "RU"), ("China", "CN"), ("de Verenigde Staten", "US"),
    ("Duitsland", "DE"), ("Frankrijk", "FR"), ("België", "BE"), ("Israël", "IL"),
    ("Japan", "JP"), ("Turkije", "TR"),
]
AGENCIES = ["ANP", "ANP", "ANP", "RTR", "AFP", "AP", "DPA", "ANP/RTR", "AFP/RTR", "ANP/AFP"]
SECTIONS = ["Binnenland", "Buitenland", "Economie", "Politiek", "Sport", "Cultuur", None]
SUBJECTS = [
    "Het kabinet", "De gemeenteraad", "De politie", "Een woordvoerder van het ministerie",
    "De vakbond", "Het bestuur", "De minister-president", "Onderzoekers", "De rechtbank",
    "Een meerderheid van de Kamer", "De burgemeester", "Het openbaar ministerie",
    "De centrale bank", "Actievoerders", "De brandweer", "Een grote werkgever",
    "Het Rode Kruis", "De oppositie", "De provincie", "De regering",
]
VERBS = [
    "heeft besloten over", "praat vandaag over", "waarschuwt voor", "onderzoekt",
    "kondigt maatregelen aan rond", "is verrast door", "wil meer geld voor", "stemt in met",
    "maakt zich zorgen over", "presenteert een plan voor", "reageert op", "steunt",
]
# Topics with a Zipf-like popularity: the first ones are the most common.
TOPICS = [
    "de begroting", "de woningmarkt", "het klimaat", "de zorgkosten", "de verkiezingen",
    "de energieprijzen", "het onderwijs", "de landbouw", "de stikstofuitstoot", "het verkeer",
    "de staking bij het openbaar vervoer", "de migratie", "de inflatie", "de pensioenen",
    "de defensie-uitgaven", "de stakingen in de haven", "de gezondheidszorg", "het asielbeleid",
    "de spoorwegen", "de luchtvaart", "de visserij", "de rechtspraak", "de cultuursector",
    "de jeugdzorg", "de windparken", "de Noordzee", "het drinkwater", "de dijken",
    "de stakingsdreiging bij de post", "de digitale veiligheid", "de kinderopvang",
    "de sportclubs", "het toerisme", "de export", "de havens", "de bouwsector",
]
TAILS = [
    "Dat meldt een woordvoerder.", "Details zijn nog niet bekend.",
    "Een besluit volgt later deze week.", "Het gaat om miljoenen euro's.",
    "Volgens critici gaat het plan niet ver genoeg.", "De Tweede Kamer debatteert er morgen over.",
    "Er vielen geen gewonden.", "Het is nog onduidelijk wat de gevolgen zijn.",
    "Eerder deze maand gebeurde iets vergelijkbaars.", "De maatregel gaat in januari in.",
]


def _topic(rng: random.Random) -> str:
    # Zipf-like: weight 1/(rank + 1).
    return rng.choices(TOPICS, weights=[1 / (i + 1) for i in range(len(TOPICS))])[0]


def generate_items(
    n: int, now: float, rng: random.Random
) -> Iterator[tuple[tuple[Any, ...], list[str]]]:
    """(items row, regions) for n items, oldest first, about 5 minutes apart."""
    rare_at = set(rng.sample(range(n), RARE_COUNT))
    for i in range(n):
        dateline, country = rng.choice(PLACES)
        regions = {country}
        agencies = rng.choice(AGENCIES)
        sentence = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {_topic(rng)}"
        if rng.random() < 0.3:
            mention, code = rng.choice(MENTIONS)
            sentence += f" in verband met {mention}"
            regions.add(code)
        body = f"{sentence}, meldt de krant van dag {i}. {rng.choice(TAILS)}"
        if i in rare_at:
            body += f" Ook premier {RARE_WORD} reageerde."
        published = now - (n - i) * 300 + rng.uniform(-60, 60)
        kind, title, headings, lead = "brief", "", "[]", 0
        if i % LEAD_EVERY == LEAD_EVERY - 1:
            kind, lead = "article", 1
            title = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {_topic(rng)}"
            paragraphs = [body] + [
                f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {_topic(rng)}. {rng.choice(TAILS)} "
                f"{rng.choice(TAILS)}"
                for _ in range(rng.randint(3, 6))
            ]
            paragraphs.insert(2, "Achtergrond")
            headings = "[2]"
            body = "\n\n".join(paragraphs)
        digest = hashlib.sha1(f"{kind}|{title}|{dateline}|{body}".encode()).hexdigest()
        row = (
            kind, title, body, headings, dateline, agencies, rng.choice(SECTIONS), published,
            published + 5, lead, "bench", None, None, digest,
        )
        yield row, sorted(regions)


async def build_archive(db: Path, n: int) -> float:
    """Fill a fresh database with n items; returns the seconds it took."""
    started = time.perf_counter()
    store = await open_store(db)
    rng = random.Random(SEED)
    now = time.time()
    try:
        async with store.transaction() as conn:
            batch: list[tuple[Any, ...]] = []
            regions: list[list[str]] = []
            for row, codes in generate_items(n, now, rng):
                batch.append(row)
                regions.append(codes)
                if len(batch) == 5000:
                    await _insert(conn, batch, regions)
                    batch, regions = [], []
            if batch:
                await _insert(conn, batch, regions)
    finally:
        await store.close()
    return time.perf_counter() - started


async def _insert(conn: Any, rows: list[tuple[Any, ...]], regions: list[list[str]]) -> None:
    top = await conn.fetchone("SELECT coalesce(max(id), 0) FROM items")
    first = int(top[0]) + 1
    # Ids are given explicitly, so the regions can be inserted in the same batch.
    await conn.executemany(
        "INSERT INTO items (id, kind, title, body, headings, dateline, agencies, section,"
        " published_at, received_at, lead, source, link, guid, content_hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(first + k, *row) for k, row in enumerate(rows)],
    )
    await conn.executemany(
        "INSERT INTO item_regions (item_id, region) VALUES (?, ?)",
        [(first + k, code) for k, codes in enumerate(regions) for code in codes],
    )


# -- an instant Bot API ------------------------------------------------------------------


class TimedAPI(LocalBotAPI):
    """The bot's in-process Bot API, noting when each chat's first sendMessage arrived.

    Texts are kept as sent (``read_html=False``): the stand-in's own work stays out of the
    figures, as Telegram's would be.
    """

    def __init__(self) -> None:
        super().__init__(BOT_USER, read_html=False)
        self.first_send: dict[int, float] = {}

    def received(self, method: str, params: dict[str, Any]) -> None:
        if method == "sendmessage":
            self.first_send.setdefault(int(params["chat_id"]), time.perf_counter())


def reader(chat_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """(chat, user) of a reader in a private chat."""
    chat = {"id": chat_id, "type": "private", "first_name": "Lezer"}
    return chat, {"id": chat_id, "is_bot": False, "first_name": "Lezer", "language_code": "nl"}


# -- measuring ---------------------------------------------------------------------------


@dataclass
class Sample:
    from_arrival: list[float]  # ms, from the start of the burst
    from_own_start: list[float]  # ms, from the start of the reply's own process_update


class Bench:
    def __init__(self, app: Application, request: TimedAPI) -> None:  # type: ignore[type-arg]
        self.app = app
        self.request = request
        self._next_chat = 1_000_000

    async def burst(self, texts: list[str]) -> Sample:
        """All of texts at once, each from a chat that has not asked before."""
        chats = list(range(self._next_chat, self._next_chat + len(texts)))
        self._next_chat += len(texts)
        updates = [
            Update.de_json(self.request.message_update(text, *reader(chat)), self.app.bot)
            for chat, text in zip(chats, texts, strict=True)
        ]
        starts: dict[int, float] = {}

        async def one(chat: int, update: Update) -> None:
            starts[chat] = time.perf_counter()
            await self.app.process_update(update)

        arrival = time.perf_counter()
        await asyncio.gather(*(one(c, u) for c, u in zip(chats, updates, strict=True)))
        sent = self.request.first_send
        missing = [c for c in chats if c not in sent]
        if missing:
            raise RuntimeError(f"{len(missing)} readers got no reply, e.g. chat {missing[0]}")
        return Sample(
            [(sent[c] - arrival) * 1000 for c in chats],
            [(sent[c] - starts[c]) * 1000 for c in chats],
        )

    async def measure(self, texts: list[str], rounds: int, gap: float = ROUND_GAP) -> Sample:
        await self.burst(texts)  # warm-up: caches, prepared statements
        total = Sample([], [])
        for _ in range(rounds):
            await asyncio.sleep(gap)
            sample = await self.burst(texts)
            total.from_arrival += sample.from_arrival
            total.from_own_start += sample.from_own_start
        return total


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def settings_for(db: Path, *, paid: bool) -> Settings:
    return Settings(_env_file=None, token=TOKEN, db=db, paid_broadcast=paid)  # type: ignore[call-arg]


@contextlib.asynccontextmanager
async def bot_app(db: Path, *, paid: bool) -> Any:
    """The bot; `paid`: Telegram's limits lifted (1000/s, no per-chat pacing), so the
    figures are the bot's own work; otherwise the real free budget of 30/s."""
    request = TimedAPI()
    limits = Limits(global_per_second=1000, chat_window=0.0) if paid else None
    app = build_application(settings_for(db, paid=False), request=request, limits=limits)
    async with running(app):
        yield Bench(app, request)


async def archive_facts(db: Path) -> dict[str, int]:
    store = await SQLiteStore.open(db)
    try:
        facts = {"items": await store.count_items()}
        async with store.conn.execute(
            "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size"
        ) as cursor:
            facts["bytes"] = int((await cursor.fetchone())[0])
        gazetteer = default_gazetteer()
        for word in ("staking", RARE_WORD.lower()):
            # What /zoek looks up: the items stored with the word's key.
            async with store.conn.execute(
                "SELECT count(*) FROM item_keys WHERE key = ?", (resolve(word, gazetteer).key,)
            ) as cursor:
                facts[word] = int((await cursor.fetchone())[0])
    finally:
        await store.close()
    return facts


async def run(args: argparse.Namespace, db: Path, reuse: bool) -> int:
    if not reuse:
        print(f"building an archive of {args.items:,} items in {db} ...", flush=True)
        took = await build_archive(db, args.items)
        print(f"  built in {took:.1f} s", flush=True)
    facts = await archive_facts(db)
    size = facts["bytes"] / 1e6
    print(
        f"archive: {facts['items']:,} items, {size:.0f} MB; /zoek staking matches"
        f" {facts['staking']:,} items, /zoek {RARE_WORD.lower()} {facts[RARE_WORD.lower()]}",
        flush=True,
    )

    results: list[tuple[str, Sample]] = []
    async with bot_app(db, paid=True) as bench:
        for label, text in QUERIES.items():
            sample = await bench.measure([text] * READERS, args.rounds)
            results.append((label, sample))
            print(f"  {label}: median {statistics.median(sample.from_arrival):.1f} ms", flush=True)
        mixed = [text for text in QUERIES.values() for _ in range(READERS // len(QUERIES))]
        random.Random(SEED).shuffle(mixed)
        results.append(("mix, 25 of each", await bench.measure(mixed, args.rounds)))
        # Not judged, for scale: PTB's own path with no database or rendering, 100 at
        # once; and each command for one reader at a time (no one to queue behind).
        baseline = await bench.measure(["/help"] * READERS, args.rounds)
        results.append((f"{NOT_JUDGED}/help (no DB, baseline)", baseline))
        for label, text in QUERIES.items():
            alone = await bench.measure([text], READERS // 2, gap=0.01)
            results.append((f"{NOT_JUDGED}{label}, 1 reader", alone))
    async with bot_app(db, paid=False) as bench:
        # Free budget: 100 replies need ~3.3 s of Telegram's 30/s; rounds 4 s apart.
        free = await bench.measure(["/laatste 5"] * READERS, max(2, args.rounds // 5), gap=4.0)
        results.append((f"{NOT_JUDGED}/laatste 5, free 30/s", free))

    print()
    header = (
        f"{'command (100 readers at once)':<32} {'n':>5} {'median':>8} {'p95':>8} {'p99':>8}"
        f" {'max':>8}   {'own median':>10} {'own p99':>8}   target"
    )
    print(header)
    print("-" * len(header))
    failed = False
    for label, sample in results:
        values = sample.from_arrival
        median, p99 = statistics.median(values), percentile(values, 99)
        judged = not label.startswith(NOT_JUDGED)
        label = label.removeprefix(NOT_JUDGED)
        ok = median < TARGET_MEDIAN_MS and p99 < TARGET_P99_MS
        failed |= judged and not ok
        verdict = ("yes" if ok else "NO") if judged else "(for scale)"
        own = sample.from_own_start
        print(
            f"{label:<32} {len(values):>5} {median:>6.1f}ms {percentile(values, 95):>6.1f}ms"
            f" {p99:>6.1f}ms {max(values):>6.1f}ms   {statistics.median(own):>8.1f}ms"
            f" {percentile(own, 99):>6.1f}ms   {verdict}"
        )
    print(
        f"\nmedian/p95/p99/max: from the moment the {READERS} commands arrived together to each"
        " reply's sendMessage call;\nown median/p99: from the start of that reply's own"
        f" process_update.  Targets: median < {TARGET_MEDIAN_MS:g} ms, p99 < {TARGET_P99_MS:g} ms."
    )
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=10, help="bursts of 100 per command")
    parser.add_argument("--db", type=Path, help="keep the archive here and reuse it")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.db is not None:
        return asyncio.run(run(args, args.db, reuse=args.db.exists()))
    with tempfile.TemporaryDirectory(prefix="bench_reading_") as folder:
        return asyncio.run(run(args, Path(folder) / "archive.sqlite3", reuse=False))


if __name__ == "__main__":
    sys.exit(main())
