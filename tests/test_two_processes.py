"""Two processes, one PostgreSQL database: the lease, the claim, LISTEN/NOTIFY.

Each test opens two stores on the same fresh database, as two `newsbot` processes would
(tests/test_two_processes_takeover.py runs real processes).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.delivery.ratelimit import Limits, RateLimiter
from bot.news.items import Item
from storage import Store, open_store
from tests.waits import eventually

ON_PG = pytest.mark.parametrize("db_target", ["postgresql"], indirect=True)


def brief(text: str) -> Item:
    return Item(kind="brief", paragraphs=(text,), dateline="KYIV", agencies=("ANP",),
                published_at=datetime(2026, 11, 25, 15, 0, tzinfo=UTC), source="test")


async def ten_readers_get_a_brief(store: Store) -> None:
    """Chats 1-10 follow Ukraine and one brief about it is queued for each."""
    for chat in range(1, 11):
        await store.touch_chat(chat, "private")
        await store.subscribe(chat, "r:UA", "Oekraïne")
    await store.add_items([(brief("Aanval in Oekraïne."), ["UA"], ["r:UA"])])


@ON_PG
async def test_a_follow_in_one_process_reaches_the_others_matching(db_target: str) -> None:
    bot, importer = await open_store(db_target), await open_store(db_target)
    try:
        assert "k:stak" not in importer.followed.keys
        await bot.touch_chat(1, "private")
        await bot.subscribe(1, "k:stak", "staking")
        await eventually(lambda: "k:stak" in importer.followed.keys, within=5,
                         what="the other process learnt the followed key")
    finally:
        await bot.close()
        await importer.close()


@ON_PG
async def test_alerts_queued_elsewhere_wake_the_sender_at_once(db_target: str) -> None:
    bot, importer = await open_store(db_target), await open_store(db_target)
    woken = asyncio.Event()
    bot.on_outbox.append(woken.set)
    try:
        await bot.touch_chat(1, "private")
        await bot.subscribe(1, "r:UA", "Oekraïne")
        await importer.add_items([(brief("Niets voor niemand."), [], [])])
        await asyncio.sleep(0)  # no alert queued: no wake-up expected for that one
        await importer.add_items([(brief("Aanval in Oekraïne."), ["UA"], ["r:UA"])])
        await asyncio.wait_for(woken.wait(), timeout=5)
    finally:
        await bot.close()
        await importer.close()


@ON_PG
async def test_news_changed_elsewhere_reaches_the_reply_caches(db_target: str) -> None:
    bot, importer = await open_store(db_target), await open_store(db_target)
    changed = asyncio.Event()
    bot.on_items.append(changed.set)
    try:
        [(stored, _)] = await importer.add_items([(brief("Niets voor niemand."), [], [])])
        await asyncio.wait_for(changed.wait(), timeout=5)
        changed.clear()
        assert stored is not None and stored.id is not None
        await importer.retract_item(stored.id)
        await asyncio.wait_for(changed.wait(), timeout=5)
    finally:
        await bot.close()
        await importer.close()


@ON_PG
async def test_one_lease_holder_and_the_other_takes_over_when_it_goes(db_target: str) -> None:
    first, second = await open_store(db_target), await open_store(db_target)
    lease_a, lease_b = first.lease(), second.lease()
    try:
        assert await lease_a.try_acquire()
        assert not await lease_b.try_acquire()
        await lease_a.release()  # the holder stops (or dies: the lock goes with its session)
        await asyncio.wait_for(lease_b.acquire(), timeout=10)
        assert lease_b.epoch == lease_a.epoch + 1
        assert not await lease_a.try_acquire()
    finally:
        await lease_a.release()
        await lease_b.release()
        await first.close()
        await second.close()


@ON_PG
async def test_claimed_rows_go_to_one_sender_and_a_new_holder_frees_the_old_claims(
    db_target: str,
) -> None:
    old, new = await open_store(db_target), await open_store(db_target)
    try:
        await ten_readers_get_a_brief(old)
        old_lease = old.lease()
        assert await old_lease.try_acquire()
        taken = await old.pending_deliveries(now=1e12, limit=4)
        assert len(taken) == 4
        # A second sender with an older or equal claim never gets the same rows.
        await old_lease.release()
        new_lease = new.lease()
        assert await new_lease.try_acquire()  # frees what the old holder had not finished
        mine = await new.pending_deliveries(now=1e12, limit=100)
        assert sorted(d.chat_id for d in mine) == list(range(1, 11))
        # The old holder, not knowing it lost the lease, finds nothing it may take.
        assert await old.pending_deliveries(now=1e12, limit=100) == []
        await new_lease.release()
    finally:
        await old.close()
        await new.close()


@ON_PG
async def test_a_holder_that_lost_the_lease_takes_nothing_its_successor_freed(
    db_target: str,
) -> None:
    """Connections killed: the old holder's sender may read once more before it notices.
    The rows the new holder's takeover freed must stay free for the new holder, or they
    stay pending under the old epoch, read by nobody."""
    old, new = await open_store(db_target), await open_store(db_target)
    try:
        await ten_readers_get_a_brief(old)
        old_lease = old.lease()
        assert await old_lease.try_acquire()
        assert len(await old.pending_deliveries(now=1e12, limit=4)) == 4
        await old_lease.release()  # its connection killed
        new_lease = new.lease()
        assert await new_lease.try_acquire()  # frees the four; claims nothing yet
        # The old holder's dispatcher, not knowing, reads again first.
        assert await old.pending_deliveries(now=1e12, limit=100) == []
        mine = await new.pending_deliveries(now=1e12, limit=100)
        assert sorted(d.chat_id for d in mine) == list(range(1, 11))
        await new_lease.release()
    finally:
        await old.close()
        await new.close()


async def test_a_new_holder_starts_with_last_seconds_budget_spent() -> None:
    limiter = RateLimiter(Limits(global_per_second=30, paid_per_second=1000))
    limiter.assume_spent()
    # Nothing may go until the window the previous holder might have used has passed.
    assert limiter.global_pool.free == 0
    assert limiter.total_pool is not None and limiter.total_pool.free == 0
    await eventually(lambda: limiter.global_pool.free == 30, within=5,
                     what="the budget came back after one window")
