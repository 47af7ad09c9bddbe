"""The newsroom's storage on both backends: photos and the breaking mark kept, breaking alerts
read first and never held for an overview, reach per item, follows gained and lost, and an
old database upgraded without loss.

Every test taking `store` runs on SQLite and on PostgreSQL (tests/conftest.py).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from bot.news.items import Item
from bot.news.sections import BREAKING_KEY
from storage import Store, open_store
from storage.db import connect
from storage.outbox import Failed, Reason, Sent
from storage.pgconn import connect_admin
from storage.pgconn import migrate as pg_migrate

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def brief(text: str, **changes: object) -> Item:
    item = Item(kind="brief", paragraphs=(text,), dateline="PARIJS", agencies=("ANP",),
                published_at=NOW, source="test")
    return item.with_(**changes)


async def _chats(store: Store, ids: range, key: str, label: str) -> None:
    for chat_id in ids:
        await store.touch_chat(chat_id, "private")
        await store.subscribe(chat_id, key, label)


async def test_photo_and_breaking_are_kept(store: Store) -> None:
    [(stored, _)] = await store.add_items(
        [(brief("Brand in Utrecht.", photo="PHOTO-1", breaking=True), ["NL"], [])]
    )
    assert stored is not None and stored.id is not None
    again = await store.item(stored.id)
    assert again is not None and again.photo == "PHOTO-1" and again.breaking is True
    assert again.corrected_at is None
    assert await store.correct_item(again.with_(paragraphs=("Brand in Zeist.",)), ["NL"])
    corrected = await store.item(stored.id)
    assert corrected is not None and corrected.corrected_at is not None
    assert corrected.photo == "PHOTO-1"  # a correction keeps the photo


async def test_breaking_alerts_are_read_before_a_backlog_of_newer_ones(store: Store) -> None:
    await _chats(store, range(1, 41), "r:FR", "Frankrijk")
    await _chats(store, range(100, 104), BREAKING_KEY, "Belangrijk nieuws")
    [(breaking, queued)] = await store.add_items(
        [(brief("Het kabinet is gevallen.", breaking=True), ["FR"], ["r:FR", BREAKING_KEY])]
    )
    assert breaking is not None and queued == 44
    # Ordinary items stored after it would go first by "newest first".
    for n in range(3):
        await store.add_items([(brief(f"Gewoon bericht {n}."), ["FR"], ["r:FR"])])
    first = await store.pending_deliveries(time.time() + 1, 44)
    assert [d.item_id for d in first] == [breaking.id] * 44
    # The breaking item's rows out of the way, the newest ordinary item comes next.
    await store.record([Sent(d.id, 1, time.time()) for d in first])
    rest = await store.pending_deliveries(time.time() + 1, 10)
    assert rest and all(d.item_id == breaking.id + 3 for d in rest)


async def test_breaking_is_never_held_for_an_overview(store: Store) -> None:
    await _chats(store, range(1, 3), "r:FR", "Frankrijk")
    await store.set_overview(2, "08:00", time.time() + 3600)
    await store.add_items([(brief("Gewoon."), ["FR"], ["r:FR"])])
    await store.add_items([(brief("Belangrijk.", breaking=True), ["FR"], ["r:FR"])])
    rows = {(r.item_id, r.status) for r in await store.chat_deliveries(2)}
    assert rows == {(1, "held"), (2, "pending")}


async def test_reach_counts_every_state_and_the_time_to_the_last_send(store: Store) -> None:
    await _chats(store, range(1, 6), "r:FR", "Frankrijk")
    await store.set_overview(5, "08:00", time.time() + 3600)
    [(item, _)] = await store.add_items([(brief("Iets."), ["FR"], ["r:FR"])])
    assert item is not None and item.id is not None
    rows = await store.pending_deliveries(time.time() + 1, 10)
    by_chat = {d.chat_id: d for d in rows}
    await store.record([
        Sent(by_chat[1].id, 11, time.time()),
        Sent(by_chat[2].id, 12, time.time()),
        Failed(by_chat[3].id, Reason.BLOCKED, "geblokkeerd"),
    ])
    reach = (await store.reaches([item.id]))[item.id]
    assert (reach.matched, reach.sent, reach.pending, reach.held) == (5, 2, 1, 1)
    assert reach.failed == {"geblokkeerd": 1} and reach.expired == 0
    assert reach.stored_at is not None and reach.last_sent_at is not None
    assert reach.last_sent_at >= reach.stored_at
    empty = await store.reaches([item.id + 1])
    assert empty[item.id + 1].matched == 0 and empty[item.id + 1].last_sent_at is None


async def test_recent_items_are_the_newest_stored_live_ones(store: Store) -> None:
    for n in range(12):
        await store.add_items([(brief(f"Bericht {n}."), [], [])])
    await store.retract_item(12)
    recent = await store.recent_items(10)
    assert [i.id for i in recent] == list(range(11, 1, -1))


async def test_follow_figures_top_topics_gained_and_lost(store: Store) -> None:
    await _chats(store, range(1, 4), "r:FR", "Frankrijk")
    await _chats(store, range(1, 3), "k:stak", "staking")
    await store.set_channel(-100, "Kanaal")  # following everything is no topic
    since = time.time() - 1
    await store.unsubscribe(1, "k:stak")
    await store.unsubscribe_all(2)
    figures = await store.follow_figures(since - 3600)
    assert figures.top == [("Frankrijk", 2)]  # chat 2 unfollowed everything
    assert (figures.gained, figures.lost) == (5, 3)
    later = await store.follow_figures(time.time() + 1)
    assert (later.gained, later.lost) == (0, 0)


async def test_an_old_sqlite_database_gains_the_columns_without_loss(db_path: Path) -> None:
    old = await connect(db_path, upto=12)
    await old.execute(
        "INSERT INTO items (kind, body, received_at, content_hash) VALUES ('brief', 'x', 0, 'h')"
    )
    await old.commit()
    await old.close()
    store = await open_store(db_path)
    try:
        item = await store.item(1)
        assert item is not None and item.body == "x"
        assert (item.photo, item.breaking, item.corrected_at) == (None, False, None)
        assert (await store.follow_figures(0)).gained == 0
    finally:
        await store.close()


async def test_an_old_postgresql_database_gains_the_columns_without_loss(
    empty_postgres: str,
) -> None:
    old = await connect_admin(empty_postgres)
    try:
        await pg_migrate(old, upto=10)
        await old.execute(
            "INSERT INTO items (kind, body, received_at, content_hash)"
            " VALUES ('brief', 'Oekraïne', 0, 'h')"
        )
    finally:
        await old.close()
    store = await open_store(empty_postgres)
    try:
        item = await store.item(1)
        assert item is not None and item.body == "Oekraïne"
        assert (item.photo, item.breaking, item.corrected_at) == (None, False, None)
        [(stored, _)] = await store.add_items(
            [(brief("Nieuw.", photo="https://x/y.jpg"), [], [])]
        )
        assert stored is not None and stored.id is not None
        again = await store.item(stored.id)
        assert again is not None and again.photo == "https://x/y.jpg"
    finally:
        await store.close()
