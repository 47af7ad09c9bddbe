"""The store: every query the bot makes, over one aiosqlite connection.

All writes go through this one connection and one asyncio lock, so a transaction
never interleaves with another coroutine's statements and "database is locked" never
reaches a reader.  Times are unix seconds (floats) in the database and aware
datetimes outside it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

import aiosqlite

from bot.items import Item
from storage.db import connect

MAX_SUBSCRIPTIONS = 50


class SubscribeResult(Enum):
    ADDED = "added"
    EXISTS = "exists"
    FULL = "full"


@dataclass(frozen=True)
class Subscription:
    key: str
    label: str


@dataclass(frozen=True)
class Delivery:
    """One pending alert, with what the sender needs to render and send it."""

    id: int
    item_id: int
    chat_id: int
    chat_kind: str
    key: str
    label: str
    attempts: int
    quiet_from: int | None
    quiet_until: int | None


def _ts(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def _dt(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


def _item_from_row(row: aiosqlite.Row, regions: Sequence[str] = ()) -> Item:
    body = row["body"]
    return Item(
        id=row["id"],
        kind=row["kind"],
        title=row["title"],
        paragraphs=tuple(body.split("\n\n")) if body else (),
        headings=tuple(json.loads(row["headings"])),
        dateline=row["dateline"],
        agencies=tuple(a for a in row["agencies"].split("/") if a),
        section=row["section"],
        published_at=_dt(row["published_at"]),
        received_at=_dt(row["received_at"]),
        lead=bool(row["lead"]),
        source=row["source"],
        link=row["link"],
        guid=row["guid"],
        regions=tuple(regions),
    )


class Store:
    """The bot's SQLite database.  Open with :meth:`open`, close with :meth:`close`."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str) -> Store:
        return cls(await connect(path), Path(path))

    async def close(self) -> None:
        async with self._write_lock:
            await self.conn.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction: everything inside commits together or not at all."""
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            await self.conn.execute("COMMIT")

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        async with self.conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        async with self.conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def _scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = await self._one(sql, params)
        return row[0] if row is not None else None

    # -- chats -------------------------------------------------------------------------

    async def touch_chat(self, chat_id: int, kind: str, title: str | None = None) -> bool:
        """Record a chat that spoke to the bot; reactivate it if it was inactive.

        Returns True when the chat was inactive before (so the bot can say welcome back).
        """
        async with self.transaction() as conn:
            async with conn.execute("SELECT active FROM chats WHERE id = ?", (chat_id,)) as cur:
                row = await cur.fetchone()
            await conn.execute(
                "INSERT INTO chats (id, kind, title, created_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, title = excluded.title,"
                " active = 1, inactive_reason = NULL",
                (chat_id, kind, title, time.time()),
            )
        return row is not None and not row["active"]

    async def chat(self, chat_id: int) -> aiosqlite.Row | None:
        return await self._one("SELECT * FROM chats WHERE id = ?", (chat_id,))

    async def forget_chat(self, chat_id: int) -> int:
        """Remove a chat and everything stored about it; returns its subscription count."""
        async with self.transaction() as conn:
            async with conn.execute(
                "SELECT count(*) FROM subscriptions WHERE chat_id = ?", (chat_id,)
            ) as cur:
                row = await cur.fetchone()
            await conn.execute("DELETE FROM chats WHERE id = ?", (chat_id,))
        return int(row[0]) if row else 0

    async def set_quiet_hours(self, chat_id: int, start: int | None, end: int | None) -> None:
        async with self.transaction() as conn:
            await conn.execute(
                "UPDATE chats SET quiet_from = ?, quiet_until = ? WHERE id = ?",
                (start, end, chat_id),
            )

    # -- items -------------------------------------------------------------------------

    async def add_items(
        self, entries: Sequence[tuple[Item, Sequence[str], Sequence[str]]]
    ) -> list[tuple[Item | None, int]]:
        """Store items with their regions and outbox rows, all in one transaction.

        Each entry is (item, regions, match keys); every active chat subscribed to one
        of the keys gets one pending delivery.  Returns (stored item, deliveries queued)
        per entry, or (None, 0) where the item was stored before (same text, or the
        same feed guid).  A page import is one call, so it lands whole or not at all.
        """
        now = time.time()
        results: list[tuple[Item | None, int]] = []
        async with self.transaction() as conn:
            for item, regions, keys in entries:
                item_id = await self._insert_item(conn, item, now)
                if item_id is None:
                    results.append((None, 0))
                    continue
                codes = sorted(set(regions))
                await conn.executemany(
                    "INSERT INTO item_regions (item_id, region) VALUES (?, ?)",
                    [(item_id, code) for code in codes],
                )
                queued = await self._enqueue(conn, item_id, keys)
                stored = item.with_(id=item_id, regions=tuple(codes), received_at=_dt(now))
                results.append((stored, queued))
        return results

    @staticmethod
    async def _insert_item(conn: aiosqlite.Connection, item: Item, now: float) -> int | None:
        async with conn.execute(
            "INSERT INTO items (kind, title, body, headings, dateline, agencies, section,"
            " published_at, received_at, lead, source, link, guid, content_hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING RETURNING id",
            (
                item.kind,
                item.title,
                item.body,
                json.dumps(list(item.headings)),
                item.dateline,
                "/".join(item.agencies),
                item.section,
                _ts(item.published_at),
                now,
                int(item.lead),
                item.source,
                item.link,
                item.guid,
                item.content_hash(),
            ),
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row is not None else None

    @staticmethod
    async def _enqueue(conn: aiosqlite.Connection, item_id: int, keys: Sequence[str]) -> int:
        if not keys:
            return 0
        marks = ",".join("?" * len(keys))
        # One set-based statement: the subscriptions index finds the chats, the unique
        # (item, chat) pair keeps a chat that matches on several keys to one row.
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO deliveries (item_id, chat_id, key)"
            " SELECT ?, s.chat_id, s.key FROM subscriptions AS s"
            f" WHERE s.key IN ({marks})"
            " AND s.chat_id NOT IN (SELECT id FROM chats WHERE active = 0)",
            (item_id, *keys),
        )
        return cursor.rowcount

    async def has_guid(self, source: str, guid: str) -> bool:
        row = await self._one(
            "SELECT 1 FROM items WHERE source = ? AND guid = ?", (source, guid)
        )
        return row is not None

    async def _regions(self, ids: Sequence[int]) -> dict[int, list[str]]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        found: dict[int, list[str]] = {i: [] for i in ids}
        for row in await self._all(
            f"SELECT item_id, region FROM item_regions WHERE item_id IN ({marks})"
            " ORDER BY region",
            ids,
        ):
            found[row["item_id"]].append(row["region"])
        return found

    async def _items(self, sql: str, params: Sequence[Any] = ()) -> list[Item]:
        rows = await self._all(sql, params)
        regions = await self._regions([row["id"] for row in rows])
        return [_item_from_row(row, regions[row["id"]]) for row in rows]

    async def item(self, item_id: int) -> Item | None:
        found = await self._items("SELECT * FROM items WHERE id = ?", (item_id,))
        return found[0] if found else None

    async def lead(self) -> Item | None:
        """The lead story: the newest article marked lead that was not retracted."""
        found = await self._items(
            "SELECT * FROM items WHERE lead = 1 AND retracted = 0"
            " ORDER BY received_at DESC, id DESC LIMIT 1"
        )
        return found[0] if found else None

    async def newest(self, limit: int, kind: str | None = None) -> list[Item]:
        """Newest items first (by publication time, else arrival)."""
        where = "retracted = 0" + (" AND kind = ?" if kind else "")
        params: list[Any] = [kind] if kind else []
        return await self._items(
            f"SELECT * FROM items WHERE {where}"
            " ORDER BY coalesce(published_at, received_at) DESC, id DESC LIMIT ?",
            [*params, limit],
        )

    async def count_items(self) -> int:
        return int(await self._scalar("SELECT count(*) FROM items"))

    # -- subscriptions -----------------------------------------------------------------

    async def subscribe(
        self, chat_id: int, key: str, label: str, limit: int = MAX_SUBSCRIPTIONS
    ) -> SubscribeResult:
        async with self.transaction() as conn:
            async with conn.execute(
                "SELECT 1 FROM subscriptions WHERE chat_id = ? AND key = ?", (chat_id, key)
            ) as cur:
                if await cur.fetchone():
                    return SubscribeResult.EXISTS
            async with conn.execute(
                "SELECT count(*) FROM subscriptions WHERE chat_id = ?", (chat_id,)
            ) as cur:
                row = await cur.fetchone()
            if row is not None and row[0] >= limit:
                return SubscribeResult.FULL
            await conn.execute(
                "INSERT INTO subscriptions (chat_id, key, label, created_at) VALUES (?, ?, ?, ?)",
                (chat_id, key, label, time.time()),
            )
        return SubscribeResult.ADDED

    async def unsubscribe(self, chat_id: int, key: str) -> str | None:
        """Remove one subscription; returns its label, or None if the chat did not have it."""
        async with self.transaction() as conn, conn.execute(
            "DELETE FROM subscriptions WHERE chat_id = ? AND key = ? RETURNING label",
            (chat_id, key),
        ) as cur:
            row = await cur.fetchone()
        return row["label"] if row else None

    async def subscriptions(self, chat_id: int) -> list[Subscription]:
        rows = await self._all(
            "SELECT key, label FROM subscriptions WHERE chat_id = ? ORDER BY created_at, key",
            (chat_id,),
        )
        return [Subscription(row["key"], row["label"]) for row in rows]
