"""Benchmark: matching and enqueueing at 200,000 chats with 1,000,000 subscriptions.

What it measures, against the targets (2-core machine):

* a brief that matches nobody, stored the way the bot stores it
  (``Intake.add(parse_brief(...))``: parse, tag regions, build match keys, store the
  item and its search keys, look the keys up, commit): median and p95 over 200 different
  briefs, target median < 3 ms;
* a brief that matches half the chats (100,000 at the default size), outbox rows
  included: median over 5 different briefs, target < 150 ms.  For reference it also
  times the bare ``INSERT INTO deliveries ... SELECT ... FROM subscriptions`` for the
  same item (the floor), once with the item's full key list and the store's
  inactive-chat filter, once with only the one key that matches;
* ``/volg`` and ``/ontvolg`` in the store (``resolve`` from ``bot.news.match`` plus
  ``Store.subscribe`` / ``Store.unsubscribe``): median and p95, target < 5 ms each;
* the resident memory of the measuring process (VmRSS and VmHWM from
  ``/proc/self/status``) after opening the store, loading the gazetteer and doing all
  of the above, target < 200 MB; and the size of the database file and its WAL.

The dataset is built once, in a child process (so that building it does not count
towards the measured memory), with set-based SQL in one transaction on the store's
own connection: chats ``1..N`` and five subscriptions each.  Chats ``1..N/2`` follow
Oekraïne (``r:UA``); every other subscription is drawn, with a Zipf-like popularity,
from a vocabulary of countries (CLDR names via babel), places and a few thousand Dutch
keywords (wordfreq's frequency list when installed, made-up words otherwise), all
turned into keys by ``bot.news.match.resolve`` exactly as ``/volg`` would.  Every key the
benchmark's own briefs produce (other than ``r:UA``) is kept out of the vocabulary, so
the "nobody" briefs match nobody and the fan-out briefs match exactly the ``r:UA``
chats; both are checked on every run.

The database is kept (default ``bench/matching.sqlite3``, git-ignored) and reused
when it has the requested size; ``--fresh`` rebuilds it.  Items the benchmark stores
are deleted at the start and the end of a run, so reruns compare like with like.

With ``--postgres URL`` (a database of the benchmark's own: it drops and makes it again
unless it holds the dataset, and refuses one holding other chats) the SQLite dataset is
built or reused as above and copied over with ``newsbot migrate-db``'s code into the
fresh database, so both backends measure the same rows: SQLite is
measured first, then PostgreSQL, and the two fan-outs are compared.  Memory then counts
only the client; the database file size is ``pg_database_size``.

Then, on each backend, the time to the first alert of a fan-out to ``--first-alert``
chats (default 1,000,000; 0 skips it): a database of its own where that many chats
follow one key (SQLite: ``<db>-first.sqlite3``; PostgreSQL: the database named by the
URL plus ``_first``, created when missing), one brief stored the way the bot stores it,
and the sender's first read of the outbox (on PostgreSQL its claim).  The clock runs from
the brief's arrival until that read returns an alert: everything a reader waits for
before the first message can be sent.

Run from the repository root::

    .venv/bin/python bench/bench_matching.py [--chats 200000] [--db PATH] [--fresh]
    .venv/bin/python bench/bench_matching.py --postgres postgresql://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from bot.intake import Intake
from bot.news.items import Item
from bot.news.match import TermError, item_keys, resolve
from bot.news.parse import parse_brief
from bot.news.regions import Gazetteer, default_gazetteer
from bot.news.text import stems
from storage import Store, SubscribeResult, open_store
from storage.copy import copy_to_postgres
from storage.pgconn import connect_admin
from storage.postgres import PostgresStore
from storage.sqlite import SQLiteStore

DEFAULT_DB = Path(__file__).resolve().parent / "matching.sqlite3"
SUBSCRIPTIONS_PER_CHAT = 5
KEYWORDS = 3000
NOBODY_BRIEFS = 200
FANOUT_RUNS = 5
FOLLOW_RUNS = 200
WARMUP = 5
SOURCE = "bench_matching"  # items.source of everything this benchmark stores
FAN_KEY = "r:UA"
FAN_LABEL = "Oekraïne"
SLOTS_PER_BUCKET = 50_000
DATASET_VERSION = 3  # bump when the way the dataset is built changes (3: lemma keys)

FIRST_ALERT_CHATS = 1_000_000
FIRST_ALERT_RUNS = 3

TARGET_NOBODY_MS = 3.0
TARGET_FANOUT_MS = 150.0
TARGET_FOLLOW_MS = 5.0
TARGET_RSS_MB = 200.0

# Ordinary domestic news, naming no country, so that a brief made of these matches
# nobody once its keys are kept out of the vocabulary.
SENTENCES = (
    "Het kabinet wil volgend jaar meer geld uittrekken voor de bouw van betaalbare huurwoningen.",
    "Dat meldt een woordvoerder van het ministerie na afloop van het overleg met de gemeenten.",
    "Volgens de onderzoekers gaat het om een voorlopige schatting die later nog kan worden"
    " bijgesteld.",
    "De politie heeft zaterdagavond twee verdachten aangehouden na een inbraak bij een juwelier.",
    "Bij het ongeval raakte niemand gewond, maar de schade aan het gebouw is aanzienlijk.",
    "De vakbonden zijn ontevreden over het nieuwe voorstel en beraden zich op vervolgacties.",
    "Een rechter moet nu beslissen of de plannen in hun huidige vorm door kunnen gaan.",
    "Omwonenden klagen al maanden over geluidsoverlast en stank in de buurt van de fabriek.",
    "De gemeenteraad stemde dinsdagavond met een kleine meerderheid in met het plan.",
    "Het is nog onduidelijk hoe lang de werkzaamheden precies gaan duren.",
    "Reizigers moeten rekening houden met vertragingen en extra reistijd tijdens het weekend.",
    "De brandweer was met groot materieel aanwezig en had het vuur na een uur onder controle.",
    "Het aantal meldingen is het afgelopen jaar flink gestegen, blijkt uit nieuwe cijfers.",
    "Een woordvoerder laat weten dat het bedrijf de kritiek serieus neemt en alles onderzoekt.",
    "De minister zegt in een reactie dat zij de zorgen begrijpt maar vasthoudt aan haar besluit.",
    "Deskundigen waarschuwen dat de gevolgen op de lange termijn nog moeilijk te overzien zijn.",
    "De organisatie verwacht dat er komend weekend duizenden bezoekers op het evenement afkomen.",
    "Het onderzoek naar de precieze oorzaak van het incident is inmiddels in volle gang.",
    "Eerder deze week werd al bekend dat de onderhandelingen moeizaam verlopen.",
    "De oppositie vindt dat het kabinet te laat heeft ingegrepen en eist opheldering.",
)
FANOUT_SENTENCES = (
    "Oekraïne heeft opnieuw om extra luchtverdediging gevraagd na een reeks aanvallen op"
    " energiecentrales.",
    "De Oekraïense autoriteiten melden dat meerdere gebouwen zijn beschadigd en dat"
    " hulpdiensten ter plaatse zijn.",
)
HEADERS = ("(ANP) -", "ZWOLLE (ANP) -", "ASSEN (ANP) -", "LELYSTAD (ANP) -", "")
UNIQUE = "Het gaat om dossier {}."

# Places readers plausibly follow (resolved through the gazetteer like /volg does).
PLACES = (
    "Amsterdam", "Rotterdam", "Den Haag", "Utrecht", "Eindhoven", "Groningen", "Tilburg",
    "Almere", "Breda", "Nijmegen", "Apeldoorn", "Haarlem", "Arnhem", "Enschede", "Amersfoort",
    "Zaanstad", "Den Bosch", "Haarlemmermeer", "Zoetermeer", "Leiden", "Maastricht",
    "Dordrecht", "Ede", "Alphen aan den Rijn", "Alkmaar", "Emmen", "Delft", "Deventer",
    "Venlo", "Sittard", "Helmond", "Oss", "Hilversum", "Heerlen", "Amstelveen", "Roosendaal",
    "Purmerend", "Schiedam", "Leeuwarden", "Vlaardingen", "Gouda", "Middelburg", "Vlissingen",
    "Terneuzen", "Den Helder", "Hoorn", "Harderwijk", "Zeist", "Katwijk", "Texel",
    "Antwerpen", "Gent", "Brussel", "Brugge", "Leuven", "Luik", "Hasselt", "Mechelen",
    "Parijs", "Londen", "Berlijn", "Madrid", "Rome", "Wenen", "Moskou", "Washington",
    "New York", "Peking", "Tokio", "Jeruzalem", "Gaza", "Istanbul", "Kopenhagen", "Oslo",
    "Limburg", "Noord-Brabant", "Friesland", "Zeeland", "Drenthe", "Gelderland", "Vlaanderen",
)  # fmt: skip


# -- the briefs ---------------------------------------------------------------------------


def nobody_text(i: int) -> str:
    """Brief ``i`` of those that match nobody: a header, five sentences, a unique line."""
    rng = random.Random(i)
    header = HEADERS[i % len(HEADERS)]
    body = " ".join(rng.sample(SENTENCES, 5))
    return f"{header} {body} {UNIQUE.format(100_000 + i)}".strip()


def fanout_text(i: int) -> str:
    """Fan-out brief ``i``: about Oekraïne (``r:UA``), otherwise like the others."""
    rng = random.Random(-1 - i)
    body = " ".join([FANOUT_SENTENCES[i % 2], *rng.sample(SENTENCES, 4)])
    return f"(AFP/RTR) - {body} {UNIQUE.format(900_000 + i)}"


def reserved(gazetteer: Gazetteer) -> tuple[set[str], set[str]]:
    """Stems and place keys the briefs use: the vocabulary must avoid them."""
    text = "\n".join([*SENTENCES, *FANOUT_SENTENCES, *HEADERS, UNIQUE.format(0)])
    places = gazetteer.find(text)
    item = Item(kind="brief", paragraphs=(text,))
    all_keys = item_keys(item, places)
    keys = {key for key in all_keys if not key.startswith("k:")}
    keys.discard(FAN_KEY)
    # Every stem a brief yields: its words' and what the lexicon reads in them (compound
    # parts, irregular forms' lemmas).
    item_stems = {part for key in all_keys if key.startswith("k:") for part in key[2:].split()}
    return set(stems(text)) | item_stems, keys


# -- the dataset --------------------------------------------------------------------------


def _keyword_terms() -> tuple[list[str], str]:
    try:
        from wordfreq import top_n_list
    except ImportError:
        rng = random.Random(7)
        onsets = [*"bdfghklmnprstvwz", "br", "dr", "gr", "kl", "kr", "pl", "sl", "st", "tr"]
        vowels = [*"aeiou", "aa", "ee", "oo", "ui", "ie", "ei"]
        codas = ["", "n", "r", "l", "k", "s", "m", "t"]
        made = {
            "".join(
                rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas)
                for _ in range(rng.randint(2, 3))
            )
            for _ in range(KEYWORDS * 2)
        }
        return sorted(made), "made-up words"
    # Skip the function words at the top of the list: nobody follows "het".
    return top_n_list("nl", 30_000)[400:], "wordfreq nl"


def vocabulary(gazetteer: Gazetteer) -> tuple[list[tuple[str, str]], str]:
    """(key, label) pairs chats follow, besides FAN_KEY; and where the keywords came from."""
    from babel import Locale

    avoid_stems, avoid_keys = reserved(gazetteer)
    found: dict[str, str] = {}

    def add(term: str, prefixes: tuple[str, ...]) -> None:
        try:
            topic = resolve(term, gazetteer)
        except TermError:
            return
        if not topic.key.startswith(prefixes) or topic.key in found or topic.key == FAN_KEY:
            return
        if topic.key in avoid_keys:
            return
        if topic.key.startswith("k:") and avoid_stems & set(topic.key[2:].split()):
            return
        found[topic.key] = topic.name

    for code, name in Locale("nl").territories.items():
        if len(code) == 2 and code.isalpha():
            add(name, ("r:",))
    for name in PLACES:
        add(name, ("p:", "g:"))
    terms, source = _keyword_terms()
    keywords = 0
    for word in terms:
        if keywords >= KEYWORDS:
            break
        if len(word) >= 4 and word.isalpha():
            before = len(found)
            add(word, ("k:",))
            keywords += len(found) - before
    return sorted(found.items()), source


def _slot_rows(vocab: list[tuple[str, str]]) -> tuple[list[tuple[int, int, str, str]], list[int]]:
    """Zipf-weighted lookup tables: per bucket, slots that map to keys by popularity.

    Key ranks are shuffled (countries, places and words mixed), then dealt round-robin
    over the five buckets; subscription ``j`` of a chat draws from bucket ``j``, so a
    chat never draws the same key twice.
    """
    rng = random.Random(42)
    ranked = vocab[:]
    rng.shuffle(ranked)
    buckets: list[list[tuple[float, str, str]]] = [[] for _ in range(SUBSCRIPTIONS_PER_CHAT)]
    for rank, (key, label) in enumerate(ranked):
        buckets[rank % SUBSCRIPTIONS_PER_CHAT].append((1.0 / (rank + 1), key, label))
    rows: list[tuple[int, int, str, str]] = []
    sizes: list[int] = []
    for bucket, entries in enumerate(buckets):
        total = sum(weight for weight, _, _ in entries)
        slot = 0
        for weight, key, label in entries:
            for _ in range(max(1, round(weight / total * SLOTS_PER_BUCKET))):
                rows.append((bucket, slot, key, label))
                slot += 1
        sizes.append(slot)
    return rows, sizes


async def build(path: Path, chats: int) -> dict[str, object]:
    """Create the dataset in one transaction on the store's connection."""
    gazetteer = default_gazetteer()
    vocab, source = vocabulary(gazetteer)
    rows, sizes = _slot_rows(vocab)
    fan = chats // 2
    now = time.time()
    store = await SQLiteStore.open(path)
    try:
        conn = store.conn
        # A big page cache for the one bulk transaction only (this process then exits).
        await conn.execute("PRAGMA cache_size = -524288")
        started = time.perf_counter()
        async with store.transaction():
            await conn.execute(
                "CREATE TEMP TABLE pick (bucket INTEGER, slot INTEGER, key TEXT, label TEXT,"
                " PRIMARY KEY (bucket, slot)) WITHOUT ROWID"
            )
            await conn.execute("CREATE TEMP TABLE bucket (id INTEGER PRIMARY KEY, size INTEGER)")
            await conn.executemany("INSERT INTO pick VALUES (?, ?, ?, ?)", rows)
            await conn.executemany("INSERT INTO bucket VALUES (?, ?)", enumerate(sizes))
            await conn.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
                " INSERT INTO chats (id, kind, created_at) SELECT i, 'private', ? FROM n",
                (chats, now),
            )
            await conn.execute(
                "INSERT INTO subscriptions (chat_id, key, label, created_at)"
                " SELECT id, ?, ?, ? FROM chats WHERE id <= ?",
                (FAN_KEY, FAN_LABEL, now, fan),
            )
            # A multiplicative hash of (chat, j) picks the slot: deterministic, spread out.
            # CROSS JOIN fixes the loop order; left to itself the planner scans `pick` first.
            await conn.execute(
                "INSERT INTO subscriptions (chat_id, key, label, created_at)"
                " SELECT c.id, p.key, p.label, ? FROM chats AS c CROSS JOIN bucket AS b"
                " CROSS JOIN pick AS p ON p.bucket = b.id AND p.slot ="
                "  (((c.id * 2654435761 + b.id * 40503) % 4294967296) >> 8) % b.size"
                " WHERE NOT (b.id = 0 AND c.id <= ?)",
                (now, fan),
            )
            await conn.execute("DROP TABLE pick")
            await conn.execute("DROP TABLE bucket")
        sql_s = time.perf_counter() - started
        await conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        async with conn.execute(
            "SELECT key, count(*) FROM subscriptions WHERE key != ?"
            " GROUP BY key ORDER BY count(*) DESC LIMIT 1",
            (FAN_KEY,),
        ) as cursor:
            top = await cursor.fetchone()
    finally:
        await store.close()
    return {
        "version": DATASET_VERSION,
        "chats": chats,
        "subscriptions": chats * SUBSCRIPTIONS_PER_CHAT,
        "vocabulary": len(vocab) + 1,
        "keywords_from": source,
        "sql_s": round(sql_s, 2),
        "top_key": f"{top[0]} ({top[1]:,} chats)" if top else "",
    }


def _meta_path(path: Path) -> Path:
    return Path(f"{path}-build.json")  # matches the *.sqlite3-* ignore rule


def ensure_dataset(path: Path, chats: int, fresh: bool) -> dict[str, object]:
    """Reuse the database if it was built for this size, else build it in a child process."""
    meta_path = _meta_path(path)
    if not fresh and path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("version") == DATASET_VERSION and meta.get("chats") == chats:
            meta["reused"] = True
            return meta
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, __file__, "--build-only", "--chats", str(chats), "--db", str(path)],
        check=True,
    )
    meta = json.loads(meta_path.read_text())
    meta["setup_s"] = round(time.perf_counter() - started, 2)
    meta_path.write_text(json.dumps(meta))
    meta["reused"] = False
    return meta


# -- measuring ----------------------------------------------------------------------------

T = TypeVar("T")


def proc_status() -> dict[str, int]:
    """VmRSS and VmHWM of this process in kB."""
    found = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                found[name] = int(value.split()[0])
    return found


@dataclass
class Figures:
    """Timings of one measure, in milliseconds: wall clock, and the CPU time the process used.

    The CPU time counts every thread (aiosqlite runs SQLite in its own), so when the
    machine is shared, wall clock well above CPU time means waiting for a core.
    """

    samples_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)

    def add(self, sample: Sample) -> None:
        self.samples_ms.append(sample.wall_ms)
        self.cpu_ms.append(sample.cpu_ms)

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    @property
    def worst(self) -> float:
        return max(self.samples_ms)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_ms)


@dataclass(frozen=True)
class Sample:
    wall_ms: float
    cpu_ms: float


class Clock:
    """Measures one operation: ``with Clock() as clock: ...`` then ``clock.sample``."""

    sample: Sample

    def __enter__(self) -> Clock:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.sample = Sample(
            (time.perf_counter() - self._wall) * 1000, (time.process_time() - self._cpu) * 1000
        )


@dataclass
class Results:
    subscriptions: int = 0
    nobody: Figures = field(default_factory=Figures)
    nobody_cpu: Figures = field(default_factory=Figures)
    nobody_keys: float = 0.0
    fanout: Figures = field(default_factory=Figures)
    floor: Figures = field(default_factory=Figures)
    floor_one_key: Figures = field(default_factory=Figures)
    fanout_keys: float = 0.0
    volg: Figures = field(default_factory=Figures)
    ontvolg: Figures = field(default_factory=Figures)
    rss_start_kb: int = 0
    rss_kb: int = 0
    hwm_kb: int = 0
    rss_with_ptb_kb: int = 0
    db_bytes: int = 0
    wal_bytes: int = 0


def disk_usage(path: Path) -> tuple[int, int]:
    """Bytes in the database file and in its WAL."""
    if not isinstance(path, Path):
        return 0, 0  # PostgreSQL: measured with pg_database_size in measure()
    wal = Path(f"{path}-wal")
    return path.stat().st_size, wal.stat().st_size if wal.exists() else 0


async def timed(call: Callable[[], Awaitable[T]]) -> tuple[Sample, T]:
    with Clock() as clock:
        result = await call()
    return clock.sample, result


async def scalar(store: Store, sql: str, params: tuple[object, ...] = ()) -> int:
    async with store.transaction() as conn:
        row = await conn.fetchone(sql, params)
    return int(row[0]) if row is not None else 0


async def checkpoint(store: Store, analyse: str = "deliveries") -> None:
    """As autovacuum would in time (PostgreSQL), or a WAL checkpoint (SQLite)."""
    if isinstance(store, PostgresStore):
        async with store.pool.acquire() as raw:
            await raw.execute(f"VACUUM ANALYZE {analyse}")
    elif isinstance(store, SQLiteStore):
        await store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


async def cleanup(store: Store) -> None:
    """Drop what earlier runs stored (their deliveries go with them) and checkpoint."""
    async with store.transaction() as conn:
        await conn.execute("DELETE FROM deliveries WHERE item_id IN"
                           " (SELECT id FROM items WHERE source = ?)", (SOURCE,))
        await conn.execute("DELETE FROM items WHERE source = ?", (SOURCE,))
    await checkpoint(store)


async def clear_deliveries(store: Store, item_id: int) -> None:
    """Empty the outbox again, so every fan-out run inserts into a comparable table."""
    async with store.transaction() as conn:
        await conn.execute("DELETE FROM deliveries WHERE item_id = ?", (item_id,))
    await checkpoint(store)


async def bare_enqueue(
    store: Store, item_id: int, keys: list[str], expected: int, *, plain: bool = False
) -> Sample:
    """Only the outbox statement, in its own transaction (BEGIN to COMMIT timed).

    Not ``plain``: the store's statement as it is.  ``plain``: no OR IGNORE, no
    inactive-chat filter.
    """
    marks = ",".join("?" * len(keys))
    pg = isinstance(store, PostgresStore)
    sql = (
        "INSERT INTO deliveries (item_id, chat_id, thread_id, key)"
        f" SELECT ?, chat_id, thread_id, key FROM subscriptions WHERE key IN ({marks})"
        if plain
        else ("INSERT" if pg else "INSERT OR IGNORE")
        + " INTO deliveries (item_id, chat_id, thread_id, key)"
        + (" SELECT DISTINCT ON (s.chat_id, s.thread_id)" if pg else " SELECT")
        + " ?, s.chat_id, s.thread_id, s.key FROM subscriptions AS s"
        f" WHERE s.key IN ({marks})"
        " AND s.chat_id NOT IN (SELECT id FROM chats WHERE active = 0)"
    )
    with Clock() as clock:
        async with store.transaction() as conn:
            inserted = await conn.execute(sql, (item_id, *keys))
    if inserted != expected:
        raise SystemExit(f"bare enqueue inserted {inserted}, expected {expected}")
    return clock.sample


async def measure(path: Path | str, chats: int) -> Results:
    res = Results(rss_start_kb=proc_status()["VmRSS"])
    store = await open_store(path)
    gazetteer = default_gazetteer()
    intake = Intake(store, gazetteer)
    fan = chats // 2
    now = datetime.now(UTC)
    try:
        await cleanup(store)
        res.subscriptions = await scalar(store, "SELECT count(*) FROM subscriptions")
        holders = await scalar(
            store, "SELECT count(*) FROM subscriptions WHERE key = ?", (FAN_KEY,)
        )
        if res.subscriptions != chats * SUBSCRIPTIONS_PER_CHAT or holders != fan:
            raise SystemExit(f"unexpected dataset: {res.subscriptions} rows, {holders} {FAN_KEY}")

        # 1. Briefs that match nobody.
        for i in range(WARMUP + NOBODY_BRIEFS):
            text = nobody_text(i)
            sample, stored = await timed(
                lambda text=text: intake.add(parse_brief(text, now=now, source=SOURCE))
            )
            if stored.item is None or stored.queued:
                raise SystemExit(f"nobody brief {i}: duplicate or queued {stored.queued}")
            if i >= WARMUP:
                res.nobody.add(sample)
        # Where the time goes: the pure-Python part alone, on the same texts.
        keys = []
        for i in range(WARMUP, WARMUP + NOBODY_BRIEFS):
            with Clock() as clock:
                item = parse_brief(nobody_text(i), now=now, source=SOURCE)
                keys.append(len(item_keys(item, gazetteer.find(item.text))))
            res.nobody_cpu.add(clock.sample)
        res.nobody_keys = statistics.mean(keys)

        # 2. Fan-out briefs, then the bare INSERT ... SELECT for the same items.
        keys = []
        for i in range(FANOUT_RUNS + 1):  # run 0 warms the caches and is not counted
            text = fanout_text(i)
            sample, stored = await timed(
                lambda text=text: intake.add(parse_brief(text, now=now, source=SOURCE))
            )
            if stored.item is None or stored.item.id is None or stored.queued != fan:
                raise SystemExit(f"fan-out brief {i} queued {stored.queued}, expected {fan}")
            item, item_id = stored.item, stored.item.id
            key_list = item_keys(item, gazetteer.find(item.text))
            keys.append(len(key_list))
            await clear_deliveries(store, item_id)
            floor = await bare_enqueue(store, item_id, key_list, fan)
            await clear_deliveries(store, item_id)
            one_key = await bare_enqueue(store, item_id, [FAN_KEY], fan, plain=True)
            await clear_deliveries(store, item_id)
            if i:
                res.fanout.add(sample)
                res.floor.add(floor)
                res.floor_one_key.add(one_key)
        res.fanout_keys = statistics.mean(keys)

        # 3. /volg and /ontvolg in the store, for terms no chat follows yet.
        terms = sorted({w.strip(".,") for s in SENTENCES for w in s.split() if len(w) >= 7})
        rng = random.Random(3)
        for i in range(WARMUP + FOLLOW_RUNS):
            chat_id = rng.randint(1, chats)
            term = terms[i % len(terms)]

            async def volg(chat_id: int = chat_id, term: str = term) -> SubscribeResult:
                topic = resolve(term, gazetteer)
                return await store.subscribe(chat_id, topic.key, topic.name)

            async def ontvolg(chat_id: int = chat_id, term: str = term) -> str | None:
                return await store.unsubscribe(chat_id, resolve(term, gazetteer).key)

            volg_sample, added = await timed(volg)
            ontvolg_sample, label = await timed(ontvolg)
            if added is not SubscribeResult.ADDED or label != term:
                raise SystemExit(f"/volg {term} for {chat_id}: {added}, /ontvolg: {label}")
            if i >= WARMUP:
                res.volg.add(volg_sample)
                res.ontvolg.add(ontvolg_sample)

        # 4. Memory and disk, before cleaning up.
        status = proc_status()
        res.rss_kb, res.hwm_kb = status["VmRSS"], status["VmHWM"]
        res.db_bytes, res.wal_bytes = disk_usage(path)
        if isinstance(store, PostgresStore):
            res.db_bytes = await scalar(store, "SELECT pg_database_size(current_database())")
        await cleanup(store)
    finally:
        await store.close()
    # For reference: what the bot's network stack adds on top (imported, not used).
    import aiohttp  # noqa: F401
    import telegram  # noqa: F401

    res.rss_with_ptb_kb = proc_status()["VmRSS"]
    return res


# -- the first alert of a large fan-out ---------------------------------------------------


@dataclass
class FirstAlert:
    chats: int = 0
    stored: Figures = field(default_factory=Figures)  # brief in, outbox rows committed
    first: Figures = field(default_factory=Figures)  # brief in, the sender holds an alert


def first_alert_target(path: Path, url: str | None) -> Path | str:
    if url is None:
        return Path(f"{path}-first.sqlite3")
    base, _, query = url.partition("?")
    return base + "_first" + (f"?{query}" if query else "")


async def first_alert_dataset(target: Path | str, chats: int) -> None:
    """Chats 1..`chats`, each following FAN_KEY only (built once, reused after)."""
    if isinstance(target, str):
        server, name, query = _server_and_name(target)
        admin = await connect_admin(f"{server}/postgres{query}")
        try:
            if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
    store = await open_store(target)
    try:
        have = await scalar(store, "SELECT count(*) FROM subscriptions WHERE key = ?", (FAN_KEY,))
        if have == chats:
            return
        series = (
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
            if isinstance(target, Path) else ""
        )
        numbers = "n" if isinstance(target, Path) else "generate_series(1, ?) AS n(i)"
        async with store.transaction() as conn:  # the backend's, beside the interface
            await conn.execute("DELETE FROM deliveries")
            await conn.execute("DELETE FROM subscriptions")
            await conn.execute("DELETE FROM chats")
            await conn.execute(
                series + f"INSERT INTO chats (id, kind, created_at) SELECT i, 'private', 0"
                f" FROM {numbers}",
                (chats,),
            )
            await conn.execute(
                "INSERT INTO subscriptions (chat_id, key, label, created_at)"
                " SELECT id, ?, ?, 0 FROM chats",
                (FAN_KEY, FAN_LABEL),
            )
    finally:
        await store.close()
    store = await open_store(target)
    try:
        await checkpoint(store, analyse="")  # statistics for the whole database
    finally:
        await store.close()


async def first_alert(target: Path | str, chats: int) -> FirstAlert:
    """Store fan-out briefs to `chats` chats; time the commit and the sender's first read."""
    await first_alert_dataset(target, chats)
    res = FirstAlert(chats=chats)
    store = await open_store(target)
    intake = Intake(store, default_gazetteer())
    now = datetime.now(UTC)
    try:
        await cleanup(store)
        for i in range(FIRST_ALERT_RUNS + 1):  # run 0 warms the caches and is not counted
            brief = parse_brief(fanout_text(100 + i), now=now, source=SOURCE)
            with Clock() as stored_clock:
                stored = await intake.add(brief)
            if stored.queued != chats or stored.item is None:
                raise SystemExit(f"first-alert brief queued {stored.queued}, expected {chats}")
            with Clock() as read_clock:
                found = await store.pending_deliveries(time.time(), 1)
            if not found:
                raise SystemExit("the sender found no alert after the fan-out")
            if i:
                res.stored.add(stored_clock.sample)
                res.first.add(Sample(stored_clock.sample.wall_ms + read_clock.sample.wall_ms,
                                     stored_clock.sample.cpu_ms + read_clock.sample.cpu_ms))
            await cleanup(store)
    finally:
        await store.close()
    return res


# -- report -------------------------------------------------------------------------------


def report(meta: dict[str, object], res: Results, chats: int) -> None:
    def verdict(value: float, target: float) -> str:
        return "ok" if value < target else "MISSED"

    mib = 1024 * 1024
    setup = (
        f"{meta.get('setup_s', '?')} s, of which the SQL transaction {meta.get('sql_s', '?')} s"
        + (" (reused: built by an earlier run)" if meta["reused"] else "")
    )
    print()
    print(
        f"{chats:,} chats, {res.subscriptions:,} subscriptions, vocabulary"
        f" {meta['vocabulary']:,} keys ({meta['keywords_from']})"
    )
    print(f"most followed key after {FAN_KEY}: {meta.get('top_key', '?')}; setup: {setup}")
    print(f"{'measure':<56} {'median':>9} {'p95':>9} {'max':>9} {'CPU med':>9} {'target':>9}")
    rows = [
        (f"brief matching nobody ({NOBODY_BRIEFS} briefs, ~{res.nobody_keys:.0f} keys)",
         res.nobody, TARGET_NOBODY_MS),
        ("  of which parse + tag + keys (no store)", res.nobody_cpu, None),
        (f"brief matching {chats // 2:,} chats ({FANOUT_RUNS} briefs)", res.fanout,
         TARGET_FANOUT_MS),
        (f"  floor: store's INSERT..SELECT alone ({res.fanout_keys:.0f} keys)", res.floor,
         None),
        ("  floor: plain INSERT..SELECT, 1 key, no NOT IN", res.floor_one_key, None),
        (f"/volg (resolve + Store.subscribe, {FOLLOW_RUNS} chats)", res.volg,
         TARGET_FOLLOW_MS),
        (f"/ontvolg (resolve + Store.unsubscribe, {FOLLOW_RUNS} chats)", res.ontvolg,
         TARGET_FOLLOW_MS),
    ]  # fmt: skip
    for name, figures, target in rows:
        line = (
            f"{name:<56} {figures.median:>7.2f}ms {figures.p95:>7.2f}ms {figures.worst:>7.2f}ms"
            f" {figures.cpu_median:>7.2f}ms"
        )
        if target is not None:
            line += f" {'<' + format(target, 'g') + 'ms':>9} {verdict(figures.median, target)}"
        print(line)
    rss, hwm = res.rss_kb / 1024, res.hwm_kb / 1024
    print(
        f"{'resident memory: VmRSS, VmHWM (peak)':<56} {rss:>7.1f}MB {hwm:>7.1f}MB {'':>19}"
        f" {'<200MB':>9} {verdict(max(rss, hwm), TARGET_RSS_MB)}"
    )
    print(
        f"  at start {res.rss_start_kb / 1024:.1f} MB; after also importing telegram +"
        f" aiohttp {res.rss_with_ptb_kb / 1024:.1f} MB"
    )
    print(f"database {res.db_bytes / mib:.1f} MiB + WAL {res.wal_bytes / mib:.1f} MiB")


BENCH_MARK = "bench_matching"  # meta row naming the dataset a PostgreSQL copy holds


async def postgres_dataset(source: Path, url: str, chats: int) -> None:
    """Copy the SQLite dataset into the PostgreSQL database unless it holds it already.

    Looked at over a plain connection, without opening the store (which would migrate and
    write ``meta`` rows, and `newsbot migrate-db`'s code copies only into an empty
    database).  A database that holds this benchmark's dataset at another size, or no
    chats at all (an earlier run stopped half-way, or the store was opened on it), is
    dropped and made again; one holding chats without the benchmark's mark is refused.
    """
    wanted = json.dumps({"version": DATASET_VERSION, "chats": chats})
    conn = await connect_admin(url)
    try:
        have_chats, mark = 0, None
        if await conn.fetchval("SELECT to_regclass('chats') IS NOT NULL"):
            have_chats = await conn.fetchval("SELECT count(*) FROM chats")
        if await conn.fetchval("SELECT to_regclass('meta') IS NOT NULL"):
            mark = await conn.fetchval("SELECT value FROM meta WHERE name = $1", BENCH_MARK)
        tables = await conn.fetchval(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
        )
    finally:
        await conn.close()
    if mark == wanted and have_chats == chats:
        return
    if have_chats and mark is None:
        raise SystemExit(
            f"{url.rpartition('@')[2]} holds {have_chats:,} chats that are not this"
            " benchmark's: give it a database of its own (it drops and refills it)"
        )
    if tables:
        await recreate_database(url)
    started = time.perf_counter()
    await copy_to_postgres(source, url)
    conn = await connect_admin(url)
    try:
        await conn.execute(
            "INSERT INTO meta (name, value) VALUES ($1, $2)", BENCH_MARK, wanted
        )
    finally:
        await conn.close()
    print(f"dataset copied into PostgreSQL in {time.perf_counter() - started:.1f} s")


def _server_and_name(url: str) -> tuple[str, str, str]:
    base, _, query = url.partition("?")
    server, _, name = base.rpartition("/")
    return server, name, f"?{query}" if query else ""


async def recreate_database(url: str) -> None:
    """Drop the database at `url` and create it empty (through the server's `postgres`)."""
    server, name, query = _server_and_name(url)
    admin = await connect_admin(f"{server}/postgres{query}")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=200_000)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--fresh", action="store_true", help="rebuild the dataset")
    parser.add_argument("--postgres", metavar="URL", help="measure on this PostgreSQL database")
    parser.add_argument("--first-alert", type=int, default=FIRST_ALERT_CHATS, metavar="CHATS",
                        help="time the first alert of a fan-out to this many chats (0: skip)")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.chats < 2:
        parser.error("--chats must be at least 2")
    if args.build_only:
        meta = asyncio.run(build(args.db, args.chats))
        _meta_path(args.db).write_text(json.dumps(meta))
        return
    meta = ensure_dataset(args.db, args.chats, args.fresh)
    targets: list[tuple[str, Path | str]] = [("SQLite", args.db)]
    if args.postgres:
        asyncio.run(postgres_dataset(args.db, args.postgres, args.chats))
        targets.append(("PostgreSQL", args.postgres))
    fanouts: dict[str, float] = {}
    firsts: dict[str, FirstAlert] = {}
    for name, target in targets:
        print(f"\nbackend: {name}")
        results = asyncio.run(measure(target, args.chats))
        report(meta, results, args.chats)
        fanouts[name] = results.fanout.median
        if args.first_alert:
            firsts[name] = asyncio.run(
                first_alert(first_alert_target(args.db, target if name != "SQLite" else None),
                            args.first_alert)
            )
    if len(fanouts) == 2:
        ratio = fanouts["PostgreSQL"] / fanouts["SQLite"]
        print(f"\nfan-out to {args.chats // 2:,} chats: PostgreSQL {fanouts['PostgreSQL']:.1f} ms,"
              f" SQLite {fanouts['SQLite']:.1f} ms: {ratio:.2f}x (target <= 2.5x)")
    for name, res in firsts.items():
        print(
            f"first alert of a {res.chats:,}-chat fan-out on {name}: median"
            f" {res.first.median:.0f} ms (max {res.first.worst:.0f},"
            f" CPU {res.first.cpu_median:.0f});"
            f" of which storing the brief and its outbox rows {res.stored.median:.0f} ms"
            f" ({FIRST_ALERT_RUNS} briefs)"
        )


if __name__ == "__main__":
    main()
