"""`newsbot migrate-db --to postgresql://...`: a SQLite database moved whole, or not at all."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.intake import Intake
from bot.news.parse import parse_page
from bot.news.regions import default_gazetteer
from fakes.process import newsbot
from storage import open_store
from storage.outbox import Count, Sent
from tests.conftest import SEED

ROOT = Path(__file__).resolve().parents[1]


async def fill(db: Path) -> dict[str, object]:
    """A SQLite database with a bit of everything; returns what it holds."""
    store = await open_store(db)
    try:
        for chat in (1, 2, -100123):
            await store.touch_chat(chat, "private" if chat > 0 else "supergroup")
            await store.subscribe(chat, "r:UA", "Oekraïne")
        await store.subscribe(1, "k:stak", "staking")
        await store.set_quiet_hours(2, 23 * 60, 7 * 60)
        page = parse_page(SEED.read_text(encoding="utf-8"), now=datetime.now(UTC), source="seed")
        await Intake(store, default_gazetteer()).add_many([page.article, *reversed(page.briefs)])
        [first, *_] = await store.chat_deliveries(1)
        await store.record([Sent((first.item_id, 1, 0), 77, 1_000.0), Count("429", 3)])
        await store.keep("webhook_secret", "s3cr3t")
        return {
            "items": await store.count_items(),
            "counts": await store.delivery_counts(),
            "subs": await store.subscriptions(1),
            "search": [i.id for i in await store.search("r:UA", 20)],
            "stats": await store.stats(0.0),
        }
    finally:
        await store.close()


@pytest.mark.parametrize("db_target", ["postgresql"], indirect=True)
async def test_migrate_db_copies_everything_into_an_empty_postgresql(
    db_target: str, db_path: Path
) -> None:
    before = await fill(db_path)
    result = await asyncio.to_thread(newsbot, "migrate-db", "--to", db_target, db=db_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for table in ("chats", "items", "item_regions", "subscriptions", "deliveries",
                  "counters", "meta"):
        [line] = [ln for ln in lines if ln.split()[0] == table]
        source, _, target = line.split()[1:]
        assert source == target and int(source) > 0, line

    store = await open_store(db_target)
    try:
        assert await store.count_items() == before["items"]
        assert await store.delivery_counts() == before["counts"]
        assert await store.subscriptions(1) == before["subs"]
        assert [i.id for i in await store.search("r:UA", 20)] == before["search"]
        assert await store.stats(0.0) == before["stats"]
        assert await store.keep("webhook_secret", "other") == "s3cr3t"
        assert "k:stak" in store.followed.keys
        chat = await store.chat(2)
        assert chat is not None and chat.quiet_from == 23 * 60
        # New items continue after the copied ids.
        page = parse_page(SEED.read_text(encoding="utf-8"), now=datetime.now(UTC), source="x")
        [stored] = await Intake(store, default_gazetteer()).add_many(
            [page.article.with_(title="Een nieuw artikel na de verhuizing")]
        )
        assert stored.item is not None and stored.item.id == before["items"] + 1
    finally:
        await store.close()

    again = await asyncio.to_thread(newsbot, "migrate-db", "--to", db_target, db=db_path)
    assert again.returncode == 2
    assert len(again.stderr.strip().splitlines()) == 1 and "niet leeg" in again.stderr


def test_migrate_db_refuses_what_is_not_a_postgresql_url(db_path: Path) -> None:
    asyncio.run(fill(db_path))
    result = newsbot("migrate-db", "--to", "mysql://root@db/news", db=db_path)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "postgresql://" in result.stderr
