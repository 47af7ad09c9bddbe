"""The store on both backends: migrations, transactions, subscriptions and the outbox rows.

Every test taking `store` runs on SQLite and on PostgreSQL (tests/conftest.py).
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.news.items import Item
from bot.news.match import resolve
from bot.news.regions import default_gazetteer
from storage import Store, SubscribeResult, open_store
from storage.db import connect, migrations
from storage.outbox import Sent
from storage.pgconn import connect_admin
from storage.pgconn import migrate as pg_migrate
from storage.pgconn import migrations as pg_migrations
from storage.postgres import PostgresStore

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def brief(text: str, dateline: str = "PARIJS") -> Item:
    return Item(kind="brief", paragraphs=(text,), dateline=dateline, agencies=("ANP",),
                published_at=NOW, source="test")


async def test_new_database_has_every_migration(store: Store) -> None:
    expected = pg_migrations() if isinstance(store, PostgresStore) else migrations()
    assert await store.schema_version() == len(expected)


async def test_new_sqlite_database_has_its_pragmas(db_path: Path) -> None:
    store = await open_store(db_path)
    try:
        await _check_pragmas(store)
    finally:
        await store.close()


async def _check_pragmas(store: Store) -> None:
    async with store.conn.execute("PRAGMA journal_mode") as cur:
        assert (await cur.fetchone())[0] == "wal"
    async with store.conn.execute("PRAGMA foreign_keys") as cur:
        assert (await cur.fetchone())[0] == 1


async def test_opening_an_old_database_upgrades_it_and_keeps_its_data(db_path: Path) -> None:
    old = await connect(db_path, upto=1)
    await old.execute("INSERT INTO chats (id, kind, created_at) VALUES (42, 'private', 0)")
    await old.execute(
        "INSERT INTO items (kind, body, received_at, content_hash) VALUES ('brief', 'x', 0, 'h')"
    )
    await old.close()

    store = await open_store(db_path)
    try:
        chat = await store.chat(42)
        assert chat is not None and chat.kind == "private"
        assert chat.quiet_from is None  # column added by a later migration
        assert await store.count_items() == 1
        assert await store.subscribe(42, "r:UA", "Oekraïne") is SubscribeResult.ADDED
    finally:
        await store.close()


async def test_opening_an_old_postgresql_database_upgrades_it_and_keeps_its_data(
    empty_postgres: str,
) -> None:
    old = await connect_admin(empty_postgres)
    try:
        await pg_migrate(old, upto=1)
        await old.execute("INSERT INTO chats (id, kind, created_at) VALUES (42, 'private', 0)")
        await old.execute(
            "INSERT INTO items (kind, body, received_at, content_hash)"
            " VALUES ('brief', 'Oekraïne', 0, 'h')"
        )
    finally:
        await old.close()

    store = await open_store(empty_postgres)
    try:
        assert await store.schema_version() == len(pg_migrations())
        chat = await store.chat(42)
        assert chat is not None and chat.kind == "private"
        assert chat.overview is None  # column added by a later migration
        assert [i.body for i in await store.search("r:UA", 5)] == ["Oekraïne"]
        assert await store.subscribe(42, "r:UA", "Oekraïne") is SubscribeResult.ADDED
    finally:
        await store.close()


def _before(names: list[tuple[int, str, str]], name: str) -> int:
    """The number of the migration just before the one named `name` (numbers shift on
    rebase; names do not)."""
    return next(number for number, file, _ in names if name in file) - 1


async def _search_and_correct(store: Store) -> None:
    """What the full-text index used to be filled by: search, a correction, a new item."""
    key = resolve("Oekraïne", default_gazetteer()).key
    [old] = await store.search(key, 5)
    assert old.body == "Oekraïne vraagt om hulp." and old.id is not None
    assert await store.correct_item(old.with_(paragraphs=("Oekraïne vraagt om meer hulp.",)),
                                    ["UA"])
    [(new, _)] = await store.add_items([(brief("Staking in Oekraïne."), ["UA"], [])])
    assert new is not None
    assert [i.body for i in await store.search(key, 5)] == [
        "Staking in Oekraïne.", "Oekraïne vraagt om meer hulp."]


async def test_an_sqlite_database_with_the_full_text_index_loses_it_and_keeps_its_items(
    db_path: Path,
) -> None:
    old = await connect(db_path, upto=_before(migrations(), "no_full_text"))
    await old.execute(
        "INSERT INTO items (kind, body, received_at, content_hash)"
        " VALUES ('brief', 'Oekraïne vraagt om hulp.', 0, 'h')"
    )
    async with old.execute("SELECT count(*) FROM items_fts") as cur:
        assert (await cur.fetchone())[0] == 1  # filled by the trigger, as before
    await old.close()

    store = await open_store(db_path)
    try:
        await _search_and_correct(store)
    finally:
        await store.close()
    with sqlite3.connect(db_path) as conn:
        left = conn.execute(
            "SELECT name FROM sqlite_master WHERE name LIKE 'items_fts%'"
        ).fetchall()
        assert left == []
        assert conn.execute("SELECT count(*) FROM items").fetchone() == (2,)


async def test_a_postgresql_database_with_the_full_text_column_loses_it_and_keeps_its_items(
    empty_postgres: str,
) -> None:
    old = await connect_admin(empty_postgres)
    try:
        await pg_migrate(old, upto=_before(pg_migrations(), "no_full_text"))
        await old.execute(
            "INSERT INTO items (kind, body, received_at, content_hash)"
            " VALUES ('brief', 'Oekraïne vraagt om hulp.', 0, 'h')"
        )
    finally:
        await old.close()

    store = await open_store(empty_postgres)
    try:
        await _search_and_correct(store)
    finally:
        await store.close()
    conn = await connect_admin(empty_postgres)
    try:
        assert await conn.fetchval(
            "SELECT count(*) FROM information_schema.columns"
            " WHERE table_name = 'items' AND column_name = 'search'"
        ) == 0
        assert await conn.fetchval("SELECT to_regclass('items_search')") is None
        assert await conn.fetchval("SELECT count(*) FROM items") == 2
    finally:
        await conn.close()


async def test_a_postgresql_outbox_from_before_keeps_every_row_without_its_primary_key(
    empty_postgres: str,
) -> None:
    now = time.time()
    old = await connect_admin(empty_postgres)
    try:
        await pg_migrate(old, upto=_before(pg_migrations(), "outbox_indexes"))
        await old.execute(
            "INSERT INTO items (kind, body, received_at, content_hash)"
            " VALUES ('brief', 'Oekraïne vraagt om hulp.', $1, 'h')", now
        )
        for chat_id, status, message_id in ((1, "sent", 10), (2, "pending", None),
                                            (3, "held", None)):
            await old.execute(
                "INSERT INTO chats (id, kind, created_at) VALUES ($1, 'private', 0)", chat_id
            )
            await old.execute(
                "INSERT INTO subscriptions (chat_id, key, label, created_at)"
                " VALUES ($1, 'r:UA', 'Oekraïne', 0)", chat_id
            )
            await old.execute(
                "INSERT INTO deliveries (item_id, chat_id, key, status, message_id, sent_at)"
                " VALUES (1, $1, 'r:UA', $2, $3, $4)",
                chat_id, status, message_id, now if status == "sent" else None,
            )
    finally:
        await old.close()

    store = await open_store(empty_postgres)
    try:
        reach = (await store.reaches([1]))[1]
        assert (reach.matched, reach.sent, reach.pending, reach.held) == (3, 1, 1, 1)
        [alert] = await store.pending_deliveries(now + 1, 10)
        assert (alert.item_id, alert.chat_id, alert.label) == (1, 2, "Oekraïne")
        await store.record([Sent(alert.id, 11, now + 1)])
        assert [(a.chat_id, a.message_id) for a in await store.sent_alerts(1)] == [
            (1, 10), (2, 11)]
        assert await store.retract_item(1) == 1  # the held alert is dropped
        [(new, queued)] = await store.add_items([(brief("Oekraïne bouwt."), ["UA"], ["r:UA"])])
        assert new is not None and queued == 3
        assert [d.chat_id for d in await store.pending_deliveries(now + 1, 10)] == [1, 2, 3]
    finally:
        await store.close()
    conn = await connect_admin(empty_postgres)
    try:
        assert await conn.fetchval("SELECT to_regclass('deliveries_pkey')") is None
    finally:
        await conn.close()


async def test_same_item_twice_is_stored_once(store: Store) -> None:
    first = await store.add_items([(brief("De staking is voorbij."), ["FR"], [])])
    again = await store.add_items([(brief("De  staking is voorbij. "), ["FR"], [])])
    assert first[0][0] is not None and first[0][0].regions == ("FR",)
    assert again == [(None, 0)]
    assert await store.count_items() == 1


async def test_item_matching_subscribers_queues_one_delivery_per_chat(store: Store) -> None:
    for chat_id in (1, 2, 3):
        await store.touch_chat(chat_id, "private")
    await store.subscribe(1, "r:UA", "Oekraïne")
    await store.subscribe(1, "k:staak", "staking")  # matches twice, still one alert
    await store.subscribe(2, "k:staak", "staking")
    await store.subscribe(3, "r:JP", "Japan")
    [(stored, queued)] = await store.add_items([(brief("Staking in Kyiv"), ["UA"],
                                                 ["r:UA", "k:staak", "k:kyiv"])])
    assert stored is not None and queued == 2
    queued_for = [c for c in (1, 2, 3) if await store.chat_deliveries(c)]
    assert queued_for == [1, 2]
    assert (await store.chat_deliveries(1))[0].item_id == stored.id


async def test_a_failed_transaction_stores_nothing(store: Store) -> None:
    good = brief("Eerste bericht.")
    bad = Item(kind="bogus", paragraphs=("x",))  # type: ignore[arg-type]  # CHECK fails
    try:
        await store.add_items([(good, [], []), (bad, [], [])])
    except Exception as exc:  # sqlite3.IntegrityError, asyncpg.CheckViolationError
        assert "check" in str(exc).lower()
    else:
        raise AssertionError("the CHECK constraint should have refused the bogus kind")
    assert await store.count_items() == 0


async def test_subscriptions_are_capped_and_removable(store: Store) -> None:
    await store.touch_chat(7, "private")
    for i in range(3):
        assert await store.subscribe(7, f"k:w{i}", f"w{i}", limit=3) is SubscribeResult.ADDED
    assert await store.subscribe(7, "k:w0", "w0", limit=3) is SubscribeResult.EXISTS
    assert await store.subscribe(7, "k:w9", "w9", limit=3) is SubscribeResult.FULL
    assert await store.unsubscribe(7, "k:w1") == "w1"
    assert await store.unsubscribe(7, "k:w1") is None
    assert [s.key for s in await store.subscriptions(7)] == ["k:w0", "k:w2"]
    assert await store.forget_chat(7) == 2
    assert await store.subscriptions(7) == []
    assert await store.chat(7) is None


def key(term: str) -> str:
    return resolve(term, default_gazetteer()).key


async def test_search_finds_what_a_follow_would_newest_first_by_time(store: Store) -> None:
    """Search is the follow matcher: the item keys a follow uses, in time order."""
    stored = await store.add_items([
        (brief("Aanval in Oekraïne.").with_(published_at=NOW - timedelta(hours=3)), ["UA"], []),
        (brief("Stakingen in Frankrijk.").with_(published_at=NOW - timedelta(hours=2)), ["FR"],
         []),
        (brief("In Oekraïne duurt de pilotenstaking voort.").with_(
            published_at=NOW - timedelta(hours=1)), ["UA"], []),
        # Stored last, but published first: it comes last.
        (brief("De Oekraïense staking is voorbij.").with_(
            published_at=NOW - timedelta(hours=9)), ["UA"], []),
    ])
    first, second, third, oldest = (s.id for s, _ in stored if s is not None)
    assert [i.id for i in await store.search(key("Oekraïne"), 10)] == [third, first, oldest]
    assert [i.id for i in await store.search(key("OEKRAINE"), 10)] == [third, first, oldest]
    assert [i.id for i in await store.search(key("stakingen"), 10)] == [third, second, oldest]
    assert [i.id for i in await store.search(key("staking"), 1, offset=1)] == [second]
    assert [i.id for i in await store.search(key("staking"), 5, before=third)] == [
        second, oldest]
    # A phrase: its words next to each other, in this order.
    assert [i.id for i in await store.search(key("Stakingen in Frankrijk"), 10)] == [second]
    assert await store.search(key("Frankrijk in stakingen"), 10) == []
    await store.retract_item(third)
    assert [i.id for i in await store.search(key("oekraine"), 10)] == [first, oldest]


async def test_stats_count_on_both_backends(store: Store) -> None:
    await store.touch_chat(1, "private")
    await store.touch_chat(2, "group", "Redactie")
    await store.subscribe(1, "r:UA", "Oekraïne")
    await store.subscribe(2, "r:UA", "Oekraïne")
    await store.deactivate_chat(2, "Forbidden")
    await store.add_items([(brief("Aanval in Oekraïne."), ["UA"], ["r:UA"])])
    stats = await store.stats(0.0)
    assert stats["subscribers"] == 2 and stats["subscriptions"] == 2
    assert stats["active"] == 1 and stats["inactive"] == 1
    assert stats["pending"] == 1 and stats["items"] == 1


async def test_kept_values_and_health_figures_on_both_backends(store: Store) -> None:
    assert await store.keep("webhook_secret", "eerste") == "eerste"
    assert await store.keep("webhook_secret", "tweede") == "eerste"
    await store.touch_chat(1, "private")
    await store.subscribe(1, "r:UA", "Oekraïne")
    await store.add_items([(brief("Aanval in Oekraïne."), ["UA"], ["r:UA"])])
    pending, oldest = await store.pending_summary()
    assert pending == 1 and oldest is not None
    assert (await store.population())["subscriptions"] == 1


async def test_upgrading_to_live_unique_texts_keeps_items_regions_and_search(
    db_path: Path,
) -> None:
    """The migration that makes texts unique among live items only
    rebuilds `items` without losing a row, a region or the search index."""
    old = await connect(db_path, upto=5)
    for n, (text, retracted) in enumerate([("Oekraïne wint.", 1), ("Staking in Parijs.", 0)]):
        item = brief(text)
        await old.execute(
            "INSERT INTO items (id, kind, body, dateline, agencies, received_at, content_hash,"
            " retracted) VALUES (?, 'brief', ?, ?, ?, 0, ?, ?)",
            (n + 1, item.body, item.dateline, "/".join(item.agencies), item.content_hash(),
             retracted),
        )
        region = "UA" if n == 0 else "FR"
        await old.execute("INSERT INTO item_regions VALUES (?, ?)", (n + 1, region))
    await old.close()

    store = await open_store(db_path)
    try:
        assert await store.count_items() == 2
        live = await store.item(2, live=True)
        assert live is not None and live.regions == ("FR",)
        assert [i.id for i in await store.search(key("Parijs"), 5)] == [2]
        again = await store.add_items([(brief("Staking in Parijs."), ["FR"], [])])
        assert again == [(None, 0)]  # still unique among live items
    finally:
        await store.close()


async def test_a_retracted_text_can_be_stored_again(store: Store) -> None:
    """Content_hash is unique among live items only (both backends)."""
    [(first, _)] = await store.add_items([(brief("De staking is voorbij."), ["FR"], [])])
    assert first is not None and first.id is not None
    await store.retract_item(first.id)
    [(again, _)] = await store.add_items([(brief("De staking is voorbij."), ["FR"], [])])
    assert again is not None and again.id != first.id
    assert [i.id for i in await store.newest(5)] == [again.id]
    assert await store.add_items([(brief("De  staking is voorbij."), [], [])]) == [(None, 0)]


async def test_a_failing_commit_rolls_back_and_later_writes_work(db_path: Path) -> None:
    """A COMMIT that fails (here a deferred foreign-key violation, as
    real as a full disk for SQLite: the COMMIT itself errors) must not leave the
    transaction open: the error is raised, nothing is kept, and the next write works."""
    store = await open_store(db_path)
    try:
        with pytest.raises(sqlite3.IntegrityError):
            async with store.transaction() as conn:
                await conn.execute("PRAGMA defer_foreign_keys = ON")
                await conn.execute(
                    "INSERT INTO subscriptions (chat_id, key, label, created_at)"
                    " VALUES (999, 'r:UA', 'Oekraïne', 0)"
                )
        assert not store.conn.in_transaction
        await store.touch_chat(42, "private")  # an open transaction would refuse this
        assert (await store.chat(42)) is not None
        assert await store.subscriptions(999) == []
    finally:
        await store.close()
