"""The store's side of overviews: held alerts, direct subscriptions, releasing when due."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.news.items import Item
from storage import Store, open_store
from storage.db import connect

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def brief(text: str) -> Item:
    return Item(kind="brief", paragraphs=(text,), dateline="KYIV", agencies=("ANP",),
                published_at=NOW, source="test")


async def statuses(store: Store, chat_id: int) -> list[str]:
    return [row.status for row in await store.chat_deliveries(chat_id)]


async def add(store: Store, text: str, keys: list[str]) -> int:
    [(stored, _)] = await store.add_items([(brief(text), [], keys)])
    assert stored is not None and stored.id is not None
    return stored.id


async def setup_chats(store: Store) -> None:
    for chat_id in (1, 2):
        await store.touch_chat(chat_id, "private")
        await store.subscribe(chat_id, "r:UA", "Oekraïne")
        await store.subscribe(chat_id, "k:staak", "staking")
    await store.set_overview(2, "08:00", 1000.0)


async def test_overview_chat_gets_held_rows_others_pending(store: Store) -> None:
    await setup_chats(store)
    await add(store, "Oekraïne een.", ["r:UA"])
    assert await statuses(store, 1) == ["pending"]
    assert await statuses(store, 2) == ["held"]
    assert await store.held_count(2) == 1
    # The sender never reads held rows.
    pending = await store.pending_deliveries(now=2e9, limit=100)
    assert [d.chat_id for d in pending] == [1]


async def test_direct_subscription_skips_the_overview_and_releases_what_was_held(
    store: Store,
) -> None:
    await setup_chats(store)
    await add(store, "Staking een.", ["k:staak"])
    assert await statuses(store, 2) == ["held"]
    assert await store.set_direct(2, "k:staak", True)
    assert await statuses(store, 2) == ["pending"]  # released in the same transaction
    await add(store, "Staking twee.", ["k:staak"])
    await add(store, "Oekraïne twee.", ["r:UA"])
    assert await statuses(store, 2) == ["held", "pending", "pending"]
    assert [s.direct for s in await store.subscriptions(2)] == [False, True]
    assert not await store.set_direct(2, "k:nope", True)


async def test_release_when_due_once_and_moves_the_next_moment(store: Store) -> None:
    await setup_chats(store)
    await store.touch_chat(3, "private")
    await store.set_overview(3, "uur", 1000.0)  # due, but nothing held: nothing sent
    await add(store, "Oekraïne een.", ["r:UA"])
    await add(store, "Staking een.", ["k:staak"])
    assert await store.next_overview_due() == 1000.0
    assert await store.release_due_overviews(999.0, lambda text, now: now + 3600) == ([], 0)
    released, looked = await store.release_due_overviews(1500.0, lambda text, now: now + 3600)
    assert (released, looked) == ([2], 2)
    assert await statuses(store, 2) == ["pending", "pending"]
    await store.pending_deliveries(now=2e9, limit=100)  # the sender reads (PostgreSQL: claims)
    pending = await store.pending_for_chats([2], now=2e9)
    assert [d.overview_at for d in pending] == [1000.0, 1000.0]  # the overview it is for
    chat = await store.chat(3)
    assert chat is not None and chat.overview_due == 5100.0 and chat.overview_at is None
    # Released once: a second look at the same moment finds nothing due.
    assert await store.release_due_overviews(1500.0, lambda text, now: now + 3600) == ([], 0)


async def test_overview_off_releases_held(store: Store) -> None:
    await setup_chats(store)
    await add(store, "Oekraïne een.", ["r:UA"])
    await add(store, "Staking een.", ["k:staak"])
    assert await store.set_overview(2, None, None) == 2
    assert await statuses(store, 2) == ["pending", "pending"]
    await add(store, "Oekraïne twee.", ["r:UA"])
    assert (await statuses(store, 2))[0] == "pending"


async def test_retraction_drops_held_rows(store: Store) -> None:
    await setup_chats(store)
    item_id = await add(store, "Oekraïne vals.", ["r:UA"])
    assert await store.retract_item(item_id) == 2  # chat 1's pending and chat 2's held
    assert await statuses(store, 2) == ["dropped"]
    assert await store.held_count(2) == 0


async def test_pending_for_chats_finds_a_chats_whole_backlog(store: Store) -> None:
    await setup_chats(store)
    await store.touch_chat(5, "private")
    await store.subscribe(5, "r:UA", "Oekraïne")
    ids = [await add(store, f"Oekraïne {n}.", ["r:UA"]) for n in range(5)]
    await store.pending_deliveries(now=2e9, limit=100)  # the sender reads (PostgreSQL: claims)
    found = await store.pending_for_chats([1, 5], now=2e9)
    assert [(d.chat_id, d.item_id) for d in found] == (
        [(1, i) for i in reversed(ids)] + [(5, i) for i in reversed(ids)]
    )
    assert all(d.label == "Oekraïne" for d in found)
    assert await store.pending_for_chats([2], now=2e9) == []  # held, not pending


async def test_upgrade_keeps_the_outbox(db_path: Path) -> None:
    old = await connect(db_path, upto=4)
    await old.execute("INSERT INTO chats (id, kind, created_at) VALUES (42, 'private', 0)")
    await old.execute(
        "INSERT INTO deliveries (item_id, chat_id, key, status, message_id, sent_at)"
        " VALUES (7, 42, 'r:UA', 'sent', 99, 5.0), (8, 42, 'r:UA', 'pending', NULL, NULL)"
    )
    await old.close()
    store = await open_store(db_path)
    try:
        rows = await store.chat_deliveries(42)
        assert [(r.item_id, r.status, r.message_id) for r in rows] == [
            (8, "pending", None), (7, "sent", 99)
        ]
        chat = await store.chat(42)
        assert chat is not None and chat.overview is None
    finally:
        await store.close()
