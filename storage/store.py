"""The store: every query the bot makes, over one aiosqlite connection.

This is the SQLite backend and the interface: storage/postgres.py inherits these queries
(written in SQL both backends accept) and overrides what PostgreSQL does differently.

All writes go through this one connection and one asyncio lock, so a transaction
never interleaves with another coroutine's statements and "database is locked" never
reaches a reader.  Times are unix seconds (floats) in the database and aware
datetimes outside it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.news.items import Item
from bot.news.match import ALL_KEY, FollowedKeys
from storage.base import (
    MAX_SUBSCRIPTIONS,
    Bundle,
    ChatInfo,
    DeliveryRecord,
    MessageItem,
    SentAlert,
    Store,
    SubscribeResult,
    Subscription,
)
from storage.db import connect
from storage.lease import HeldLease
from storage.outbox import ChatGone, Delivery, Outcome, RowOutcome, delete_chat_deliveries

_MAX_ID = 2**63 - 1  # above every item id: "before" for a search's first page


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


DELIVERY_COLUMNS = (
    "d.item_id, d.chat_id, d.thread_id, d.key, d.attempts, c.active AS chat_active,"
    " c.quiet_from, c.quiet_until, c.overview_at, s.label"
)


def delivery_from_row(row: aiosqlite.Row) -> Delivery:
    return Delivery(
        item_id=row["item_id"],
        chat_id=row["chat_id"],
        chat_active=bool(row["chat_active"]),
        key=row["key"],
        label=row["label"],
        attempts=row["attempts"],
        quiet_from=row["quiet_from"],
        quiet_until=row["quiet_until"],
        overview_at=row["overview_at"],
        thread_id=row["thread_id"],
    )


class SQLiteStore(Store):
    """The bot's SQLite database.  Open with :meth:`open`, close with :meth:`close`."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        super().__init__()
        self.conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str) -> SQLiteStore:
        """Open (and create or upgrade) a SQLite file."""
        store = cls(await connect(path), Path(path))
        # The distinct keys by skipping through the index: one seek per key rather
        # than a scan of every subscription.
        rows = await store._all(
            "WITH RECURSIVE k(key) AS (SELECT min(key) FROM subscriptions"
            " UNION ALL SELECT (SELECT min(key) FROM subscriptions WHERE key > k.key)"
            " FROM k WHERE k.key IS NOT NULL)"
            " SELECT key FROM k WHERE key IS NOT NULL"
        )
        store.followed = FollowedKeys(row[0] for row in rows)
        return store

    def lease(self) -> HeldLease:
        """Who sends alerts: on SQLite, always this process (one process per file)."""
        return HeldLease()

    async def close(self) -> None:
        async with self._write_lock:
            await self.conn.close()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction: everything inside commits together or not at all."""
        async with self._write_lock:
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
                yield self.conn
                # Inside the try: a COMMIT that fails (disk full, I/O error, a deferred
                # constraint) leaves SQLite's transaction open, and every later BEGIN
                # would fail until a restart.  It is rolled back and the error raised.
                await self.conn.execute("COMMIT")
            except BaseException:
                # Also when cancelled while BEGIN was under way: the connection's thread
                # runs statements in order, so this ROLLBACK comes after that BEGIN.
                # Shielded, so a second cancellation cannot leave the transaction open.
                await asyncio.shield(self._rollback())
                raise

    async def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.OperationalError):  # none was open after all
            await self.conn.execute("ROLLBACK")

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

    async def deactivate_chat(self, chat_id: int, reason: str) -> None:
        """The chat blocked or removed the bot: keep its subscriptions dormant."""
        await self.record([ChatGone(chat_id, reason)])

    async def chat(self, chat_id: int) -> ChatInfo | None:
        row = await self._one(
            "SELECT id, kind, title, active, inactive_reason, created_at, quiet_from,"
            " quiet_until, overview, overview_due, overview_at, paused_until"
            " FROM chats WHERE id = ?",
            (chat_id,),
        )
        if row is None:
            return None
        return ChatInfo(
            id=row["id"],
            kind=row["kind"],
            title=row["title"],
            active=bool(row["active"]),
            inactive_reason=row["inactive_reason"],
            created_at=row["created_at"],
            quiet_from=row["quiet_from"],
            quiet_until=row["quiet_until"],
            overview=row["overview"],
            overview_due=row["overview_due"],
            overview_at=row["overview_at"],
            paused_until=row["paused_until"],
        )

    async def forget_chat(self, chat_id: int) -> int:
        """Remove a chat and everything stored about it; returns its subscription count."""
        gone: list[str] = []
        try:
            async with self.transaction() as conn:
                async with conn.execute(
                    "SELECT key FROM subscriptions WHERE chat_id = ?", (chat_id,)
                ) as cur:
                    keys = [row[0] for row in await cur.fetchall()]
                await delete_chat_deliveries(conn, chat_id)
                await conn.execute("DELETE FROM chats WHERE id = ?", (chat_id,))
                gone = await self._forget_unfollowed(conn, keys)
        except BaseException:
            self._refollow(gone)
            raise
        return len(keys)

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
        # One set-based statement: the subscriptions index finds the chats, the (item,
        # chat) key keeps a chat that matches on several keys to one row.  The keys go
        # in as one JSON parameter, so the statement text (and its cached plan) is the
        # same whatever the item's length.  A chat with an overview gets its row 'held'
        # (unless the subscription is direct): the sender never reads it until the
        # overview is due.  `direct` is in subscriptions_key and the overview chats are a
        # small partial index, so holding costs the fan-out no table lookups.
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO deliveries (item_id, chat_id, thread_id, key, status)"
            " SELECT ?, s.chat_id, s.thread_id, s.key, CASE WHEN (s.direct = 0 AND s.chat_id IN"
            " (SELECT id FROM chats WHERE overview IS NOT NULL)) OR s.chat_id IN"
            " (SELECT id FROM chats WHERE paused_until IS NOT NULL) THEN 'held' ELSE 'pending'"
            " END"
            " FROM subscriptions AS s"
            " WHERE s.key IN (SELECT value FROM json_each(?))"
            " AND s.chat_id NOT IN (SELECT id FROM chats WHERE active = 0)",
            (item_id, json.dumps(list(keys))),
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

    async def item(self, item_id: int, *, live: bool = False) -> Item | None:
        """The item with this id; with `live`, None when it was retracted."""
        where = "id = ? AND retracted = 0" if live else "id = ?"
        found = await self._items(f"SELECT * FROM items WHERE {where}", (item_id,))
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

    async def in_region(self, region: str, limit: int) -> list[Item]:
        """Newest items tagged with a country."""
        return await self._items(
            "SELECT i.* FROM item_regions AS r JOIN items AS i ON i.id = r.item_id"
            " WHERE r.region = ? AND i.retracted = 0"
            " ORDER BY coalesce(i.published_at, i.received_at) DESC, i.id DESC LIMIT ?",
            (region, limit),
        )

    async def search(
        self, words: Sequence[str], limit: int, offset: int = 0, *, before: int | None = None
    ) -> list[Item]:
        """Items containing every word (as a prefix: `staking` finds `stakingen`), newest first.

        Each word is quoted for FTS5, so nothing a reader types (quotes, `*`, `AND`,
        `NEAR(`, brackets) can be read as query syntax.  `before` pages by cursor: only
        items with a smaller id (older than the last one shown).
        """
        if not words:
            return []
        query = " AND ".join('"' + w.replace('"', '""') + '"*' for w in words)
        # Newest stored first: FTS5 walks its index by descending rowid (= item id) and
        # stops at the limit, where sorting by publication time would read every match
        # (50-90 ms for a common word in 100,000 items, against a few ms this way).
        return await self._items(
            "SELECT i.* FROM items_fts JOIN items AS i ON i.id = items_fts.rowid"
            " WHERE items_fts MATCH ? AND items_fts.rowid < ? AND i.retracted = 0"
            " ORDER BY items_fts.rowid DESC LIMIT ? OFFSET ?",
            (query, _MAX_ID if before is None else before, limit, offset),
        )

    async def schema_version(self) -> int:
        """The number of the last migration applied."""
        return int(await self._scalar("PRAGMA user_version"))

    async def count_items(self) -> int:
        return int(await self._scalar("SELECT count(*) FROM items"))

    # -- subscriptions -----------------------------------------------------------------

    async def subscribe(
        self, chat_id: int, key: str, label: str, limit: int = MAX_SUBSCRIPTIONS,
        *, thread: int = 0,
    ) -> SubscribeResult:
        """Follow `key` in the chat, or in one of its forum topics (`thread`); at most
        `limit` subscriptions per chat or topic."""
        async with self.transaction() as conn:
            async with conn.execute(
                "SELECT 1 FROM subscriptions WHERE chat_id = ? AND thread_id = ? AND key = ?",
                (chat_id, thread, key),
            ) as cur:
                if await cur.fetchone():
                    return SubscribeResult.EXISTS
            async with conn.execute(
                "SELECT count(*) FROM subscriptions WHERE chat_id = ? AND thread_id = ?",
                (chat_id, thread),
            ) as cur:
                row = await cur.fetchone()
            if row is not None and row[0] >= limit:
                return SubscribeResult.FULL
            await conn.execute(
                "INSERT INTO subscriptions (chat_id, thread_id, key, label, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (chat_id, thread, key, label, time.time()),
            )
        self.followed.add(key)
        return SubscribeResult.ADDED

    async def set_channel(self, chat_id: int | None, title: str | None = None) -> None:
        """The newsroom's channel (None: there is none): a chat that follows everything.

        Any other chat that followed everything (a channel set before) stops doing so;
        its pending posts are then dropped by the sender, as for an unfollow.
        """
        async with self.transaction() as conn:
            await conn.execute(
                "DELETE FROM subscriptions WHERE key = ? AND chat_id != ?",
                (ALL_KEY, chat_id if chat_id is not None else 0),
            )
            if chat_id is None:
                return
            await conn.execute(
                "INSERT INTO chats (id, kind, title, created_at) VALUES (?, 'channel', ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, title = excluded.title,"
                " active = 1, inactive_reason = NULL",
                (chat_id, title, time.time()),
            )
            await conn.execute(
                "INSERT INTO subscriptions (chat_id, thread_id, key, label, created_at)"
                " VALUES (?, 0, ?, ?, ?) ON CONFLICT DO NOTHING",
                (chat_id, ALL_KEY, "al het nieuws", time.time()),
            )
        self.followed.add(ALL_KEY)

    async def unsubscribe(self, chat_id: int, key: str, *, thread: int = 0) -> str | None:
        """Remove one subscription of the chat (or forum topic); returns its label, or None
        if it did not have it."""
        gone: list[str] = []
        try:
            async with self.transaction() as conn:
                async with conn.execute(
                    "DELETE FROM subscriptions WHERE chat_id = ? AND thread_id = ? AND key = ?"
                    " RETURNING label",
                    (chat_id, thread, key),
                ) as cur:
                    row = await cur.fetchone()
                if row is not None:
                    gone = await self._forget_unfollowed(conn, [key])
        except BaseException:
            self._refollow(gone)
            raise
        return row["label"] if row else None

    async def _forget_unfollowed(self, conn: Any, keys: Sequence[str]) -> list[str]:
        """Drop from `followed` the keys no chat follows any more (one index probe each);
        returns them.

        Called inside the write transaction, so a /volg of the same key by another chat
        cannot slip in between the check and the discard.  If the transaction fails after
        all, the caller puts them back with :meth:`_refollow` (a superset is harmless, a
        missing key loses alerts).
        """
        gone = []
        for key in keys:
            async with conn.execute(
                "SELECT 1 FROM subscriptions WHERE key = ? LIMIT 1", (key,)
            ) as cur:
                if await cur.fetchone() is None:
                    gone.append(key)
        for key in gone:
            self.followed.discard(key)
        return gone

    def _refollow(self, keys: Sequence[str]) -> None:
        for key in keys:
            self.followed.add(key)

    async def subscriptions(self, chat_id: int, *, thread: int = 0) -> list[Subscription]:
        """What the chat follows (thread 0), or one of its forum topics."""
        rows = await self._all(
            "SELECT key, label, direct FROM subscriptions WHERE chat_id = ? AND thread_id = ?"
            " ORDER BY created_at, key",
            (chat_id, thread),
        )
        return [Subscription(row["key"], row["label"], bool(row["direct"])) for row in rows]

    async def set_direct(
        self, chat_id: int, key: str, direct: bool, *, thread: int = 0
    ) -> bool:
        """Mark a subscription (of the chat or a forum topic) direct, or back in the
        overview; False if there is none.

        Made direct, its held alerts are released at once, in the same transaction.
        """
        async with self.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE subscriptions SET direct = ?"
                " WHERE chat_id = ? AND thread_id = ? AND key = ?",
                (int(direct), chat_id, thread, key),
            )
            if cursor.rowcount == 0:
                return False
            if direct:
                await conn.execute(
                    "UPDATE deliveries SET status = 'pending'"
                    " WHERE status = 'held' AND chat_id = ? AND thread_id = ? AND key = ?",
                    (chat_id, thread, key),
                )
        return True

    # -- overviews ---------------------------------------------------------------------

    async def set_overview(self, chat_id: int, rhythm: str | None, due: float | None) -> int:
        """Set a chat's overview rhythm (`rhythm` canonical text, `due` its next moment).

        None turns it off: held alerts are released to the sender at once (returns how
        many), so nothing stays waiting for an overview that will not come.
        """
        async with self.transaction() as conn:
            await conn.execute(
                "UPDATE chats SET overview = ?, overview_due = ? WHERE id = ?",
                (rhythm, due, chat_id),
            )
            if rhythm is not None:
                return 0
            cursor = await conn.execute(
                "UPDATE deliveries SET status = 'pending' WHERE status = 'held' AND chat_id = ?",
                (chat_id,),
            )
            return cursor.rowcount

    async def held_count(self, chat_id: int) -> int:
        """How many alerts wait for this chat's next overview."""
        return int(await self._scalar(
            "SELECT count(*) FROM deliveries WHERE status = 'held' AND chat_id = ?", (chat_id,)
        ))

    async def next_overview_due(self) -> float | None:
        """The earliest moment some chat's overview is owed."""
        value = await self._scalar(
            "SELECT min(overview_due) FROM chats WHERE overview_due IS NOT NULL"
        )
        return float(value) if value is not None else None

    async def release_due_overviews(
        self, now: float, next_due: Callable[[str, float], float | None], limit: int = 1000
    ) -> tuple[list[int], int]:
        """Hand the held alerts of every chat whose overview is due to the sender.

        In one transaction per call: the held rows become pending, the chat is marked
        with the moment its overview is for (`overview_at`: the sender renders those
        rows as that overview), and `overview_due` moves to `next_due(rhythm, now)`.
        An overview missed while the bot was down is due, so it goes out now, once.
        Returns the chats that have an overview on its way (nothing held: nothing sent)
        and how many due chats were looked at (at most `limit`: call again while full).
        """
        released: list[int] = []
        async with self.transaction() as conn:
            async with conn.execute(
                "SELECT id, overview, overview_due, paused_until FROM chats"
                " WHERE overview_due IS NOT NULL AND overview_due <= ? AND active = 1"
                " ORDER BY overview_due LIMIT ?",
                (now, limit),
            ) as cur:
                due = list(await cur.fetchall())
            for row in due:
                following = next_due(row["overview"], now) if row["overview"] else None
                if row["paused_until"] is not None:
                    # Paused: this overview is skipped; what it held waits for the next.
                    await conn.execute(
                        "UPDATE chats SET overview_due = ? WHERE id = ?", (following, row["id"])
                    )
                    continue
                cursor = await conn.execute(
                    "UPDATE deliveries SET status = 'pending', not_before = 0"
                    " WHERE status = 'held' AND chat_id = ?",
                    (row["id"],),
                )
                if cursor.rowcount:
                    released.append(row["id"])
                    await conn.execute(
                        "UPDATE chats SET overview_due = ?, overview_at = ? WHERE id = ?",
                        (following, row["overview_due"], row["id"]),
                    )
                else:
                    await conn.execute(
                        "UPDATE chats SET overview_due = ? WHERE id = ?", (following, row["id"])
                    )
        return released, len(due)

    async def bundle(self, chat_id: int, message_id: int) -> Bundle | None:
        """The combined alert or overview message, or None."""
        row = await self._one(
            "SELECT chat_id, message_id, kind, at, part, silent, sent_at FROM bundles"
            " WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )
        if row is None:
            return None
        return Bundle(
            chat_id=row["chat_id"],
            message_id=row["message_id"],
            kind=row["kind"],
            at=row["at"],
            part=row["part"],
            silent=bool(row["silent"]),
            sent_at=row["sent_at"],
        )

    async def message_items(self, chat_id: int, message_id: int) -> list[MessageItem]:
        """The items one message carries, for re-rendering it."""
        rows = await self._all(
            "SELECT d.item_id, d.key, coalesce(s.label, '') AS label FROM deliveries AS d"
            " LEFT JOIN subscriptions AS s"
            " ON s.chat_id = d.chat_id AND s.thread_id = d.thread_id AND s.key = d.key"
            " WHERE d.chat_id = ? AND d.message_id = ? AND d.status = 'sent'"
            " ORDER BY d.item_id DESC",
            (chat_id, message_id),
        )
        return [MessageItem(row["item_id"], row["key"], row["label"]) for row in rows]

    async def correct_item(self, item: Item, regions: Sequence[str]) -> bool:
        """Replace an item's text (and so its regions); False if another item has that text."""
        assert item.id is not None
        async with self.transaction() as conn:
            async with conn.execute(
                "SELECT id FROM items WHERE content_hash = ? AND id != ? AND retracted = 0",
                (item.content_hash(), item.id),
            ) as cur:
                if await cur.fetchone():
                    return False
            await conn.execute(
                "UPDATE items SET title = ?, body = ?, headings = ?, dateline = ?, agencies = ?,"
                " content_hash = ?, updated_at = ? WHERE id = ?",
                (
                    item.title,
                    item.body,
                    json.dumps(list(item.headings)),
                    item.dateline,
                    "/".join(item.agencies),
                    item.content_hash(),
                    time.time(),
                    item.id,
                ),
            )
            await conn.execute("DELETE FROM item_regions WHERE item_id = ?", (item.id,))
            await conn.executemany(
                "INSERT INTO item_regions (item_id, region) VALUES (?, ?)",
                [(item.id, code) for code in sorted(set(regions))],
            )
        return True

    async def retract_item(self, item_id: int) -> int:
        """Mark an item retracted and drop its pending alerts.

        Returns how many of its alerts never reached a chat: those dropped now and
        those dropped or failed before (the sender drops a retracted item's alerts
        itself once it knows).
        """
        async with self.transaction() as conn:
            await conn.execute("UPDATE items SET retracted = 1 WHERE id = ?", (item_id,))
            await conn.execute(
                "UPDATE deliveries SET status = 'dropped', error = 'ingetrokken'"
                " WHERE item_id = ? AND (status = 'pending' OR status = 'held')",
                (item_id,),
            )
            async with conn.execute(
                "SELECT count(*) FROM deliveries WHERE item_id = ? AND status != 'sent'",
                (item_id,),
            ) as cursor:
                row = await cursor.fetchone()
            return int(row[0]) if row else 0

    async def sent_alerts(self, item_id: int, since: float = 0.0) -> list[SentAlert]:
        """Alerts already in chats for an item."""
        rows = await self._all(
            "SELECT d.item_id, d.chat_id, d.thread_id, d.message_id, d.key,"
            " coalesce(s.label, '') AS label"
            " FROM deliveries AS d"
            " LEFT JOIN subscriptions AS s"
            " ON s.chat_id = d.chat_id AND s.thread_id = d.thread_id AND s.key = d.key"
            " WHERE d.item_id = ? AND d.status = 'sent' AND d.message_id IS NOT NULL"
            " AND d.sent_at >= ? ORDER BY d.chat_id",
            (item_id, since),
        )
        return [
            SentAlert(
                item_id=row["item_id"],
                chat_id=row["chat_id"],
                thread_id=row["thread_id"],
                message_id=row["message_id"],
                key=row["key"],
                label=row["label"],
            )
            for row in rows
        ]

    # -- deliveries (the outbox) -------------------------------------------------------

    async def pending_deliveries(self, now: float, limit: int) -> list[Delivery]:
        """Pending alerts that may go now: newest items first, then in queue order."""
        rows = await self._all(
            f"SELECT {DELIVERY_COLUMNS} FROM deliveries AS d"
            " JOIN chats AS c ON c.id = d.chat_id"
            " LEFT JOIN subscriptions AS s"
            " ON s.chat_id = d.chat_id AND s.thread_id = d.thread_id AND s.key = d.key"
            " WHERE d.status = 'pending' AND d.not_before <= ?"
            " ORDER BY d.item_id DESC, d.chat_id LIMIT ?",
            (now, limit),
        )
        return [delivery_from_row(row) for row in rows]

    async def pending_for_chats(self, chat_ids: Sequence[int], now: float) -> list[Delivery]:
        """Every pending alert of these chats that may go now, newest item first.

        A forum's topics are one chat here: rows carry their thread_id, and a message
        that combines alerts must hold one (chat, thread)'s alerts only.

        Pending rows have no chat index (it would slow every fan-out), but few items
        have pending rows at any moment: their ids come from the pending index one seek
        each, and each (item, chat) pair is then one primary-key probe.
        """
        if not chat_ids:
            return []
        rows = await self._all(
            "WITH RECURSIVE i(id) AS ("
            " SELECT max(item_id) FROM deliveries WHERE status = 'pending'"
            " UNION ALL SELECT (SELECT max(item_id) FROM deliveries"
            " WHERE status = 'pending' AND item_id < i.id) FROM i WHERE i.id IS NOT NULL)"
            f" SELECT {DELIVERY_COLUMNS} FROM i"
            " JOIN deliveries AS d ON d.item_id = i.id"
            " AND d.chat_id IN (SELECT value FROM json_each(?))"
            " JOIN chats AS c ON c.id = d.chat_id"
            " LEFT JOIN subscriptions AS s"
            " ON s.chat_id = d.chat_id AND s.thread_id = d.thread_id AND s.key = d.key"
            " WHERE d.status = 'pending' AND d.not_before <= ?"
            " ORDER BY d.chat_id, d.item_id DESC",
            (json.dumps(list(chat_ids)), now),
        )
        return [delivery_from_row(row) for row in rows]

    async def delivery_counts(self, chat_id: int | None = None) -> dict[str, int]:
        """How many alert rows are in each state (pending, sent, failed, ...), for one chat
        or for all."""
        if chat_id is None:
            rows = await self._all("SELECT status, count(*) FROM deliveries GROUP BY status")
        else:
            rows = await self._all(
                "SELECT status, count(*) FROM deliveries WHERE chat_id = ? GROUP BY status",
                (chat_id,),
            )
        return {row[0]: int(row[1]) for row in rows}

    async def chat_deliveries(self, chat_id: int) -> list[DeliveryRecord]:
        """A chat's outbox rows, newest item first."""
        rows = await self._all(
            "SELECT item_id, chat_id, thread_id, key, status, attempts, not_before,"
            " message_id, error, sent_at FROM deliveries WHERE chat_id = ?"
            " ORDER BY item_id DESC",
            (chat_id,),
        )
        return [
            DeliveryRecord(
                item_id=row["item_id"],
                chat_id=row["chat_id"],
                thread_id=row["thread_id"],
                key=row["key"],
                status=row["status"],
                attempts=row["attempts"],
                not_before=row["not_before"],
                message_id=row["message_id"],
                error=row["error"],
                sent_at=row["sent_at"],
            )
            for row in rows
        ]

    async def expire_alerts(self, queued_before: float, reason: str) -> int:
        """Pending alerts of items stored before `queued_before` become `expired`.

        An alert's rows are made with its item, so the item's arrival is the alert's age.
        Returns how many expired.
        """
        async with self.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE deliveries SET status = 'expired', error = ?"
                " WHERE status = 'pending'"
                " AND item_id IN (SELECT id FROM items WHERE received_at < ?)",
                (reason, queued_before),
            )
            return int(cursor.rowcount or 0)

    async def next_retry_at(self) -> float | None:
        """When the earliest backed-off delivery may be tried again."""
        value = await self._scalar(
            "SELECT min(not_before) FROM deliveries WHERE status = 'pending' AND not_before > 0"
        )
        return float(value) if value is not None else None

    async def record(self, outcomes: Sequence[Outcome]) -> None:
        """Write what the sender learnt, in one transaction."""
        if not outcomes:
            return
        # One executemany per kind of row update: at 1000 sends a second, a statement
        # (and a thread hop) per outcome is what made flushes fall seconds behind.
        # Row updates go first, so a chat's rows are marked before the chat moves.
        batches: dict[str, list[tuple[Any, ...]]] = {}
        others: list[Outcome] = []
        for outcome in outcomes:
            if isinstance(outcome, RowOutcome):
                batches.setdefault(outcome.SQL, []).append(outcome.params())
            else:
                others.append(outcome)
        async with self.transaction() as conn:
            for sql, rows in batches.items():
                await conn.executemany(sql, rows)
            for outcome in others:
                await outcome.apply(conn)

    async def pending_summary(self) -> tuple[int, float | None]:
        """(pending alerts, when the oldest pending one's item was stored), for /healthz.

        Item ids grow with time, so the oldest pending alert is the lowest item id in the
        pending index: one index seek and one row, not a join over every pending row.
        """
        row = await self._one(
            "SELECT count(*), min(item_id) FROM deliveries WHERE status = 'pending'"
        )
        assert row is not None
        pending, oldest_item = int(row[0]), row[1]
        if oldest_item is None:
            return pending, None
        received = await self._scalar("SELECT received_at FROM items WHERE id = ?", (oldest_item,))
        return pending, float(received) if received is not None else None

    async def population(self) -> dict[str, int]:
        """Pending alerts, subscriptions and chats by state, for the metrics gauges."""
        row = await self._one(
            "SELECT"
            " (SELECT count(*) FROM deliveries WHERE status = 'pending') AS pending,"
            " (SELECT count(*) FROM subscriptions) AS subscriptions,"
            " (SELECT count(*) FROM chats WHERE active = 1) AS chats_active,"
            " (SELECT count(*) FROM chats WHERE active = 0) AS chats_inactive"
        )
        assert row is not None
        return {key: int(row[key]) for key in row.keys()}  # noqa: SIM118 (Row has no __iter__ of keys)

    async def keep(self, name: str, value: str) -> str:
        """Store `value` under `name` unless one is stored already; return the stored one.

        For values made once and kept across restarts (the webhook secret): two processes
        starting together still agree, as the first insert wins.
        """
        async with self.transaction() as conn:
            await conn.execute(
                "INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                (name, value),
            )
            async with conn.execute("SELECT value FROM meta WHERE name = ?", (name,)) as cur:
                row = await cur.fetchone()
        assert row is not None
        return str(row[0])

    async def counter(self, name: str) -> int:
        return int(await self._scalar("SELECT value FROM counters WHERE name = ?", (name,)) or 0)

    async def stats(self, since: float) -> dict[str, int]:
        """Figures for the admins' /stats."""
        row = await self._one(
            "SELECT"
            " (SELECT count(DISTINCT chat_id) FROM subscriptions) AS subscribers,"
            " (SELECT count(*) FROM subscriptions) AS subscriptions,"
            " (SELECT count(*) FROM chats WHERE active = 1) AS active,"
            " (SELECT count(*) FROM chats WHERE active = 0) AS inactive,"
            " (SELECT count(*) FROM deliveries WHERE status = 'pending') AS pending,"
            " (SELECT count(*) FROM deliveries WHERE status = 'sent' AND sent_at >= ?) AS sent,"
            " (SELECT count(*) FROM deliveries WHERE status = 'failed') AS failed,"
            " (SELECT count(*) FROM deliveries WHERE status = 'expired') AS expired,"
            " (SELECT count(*) FROM items) AS items,"
            " (SELECT coalesce(max(value), 0) FROM counters WHERE name = '429') AS rate_limited",
            (since,),
        )
        assert row is not None
        return {key: int(row[key]) for key in row.keys()}  # noqa: SIM118 (Row has no __iter__ of keys)

    # -- sections, unfollowing everything, pauses (the reader's conversation) -----------

    async def sections(self, limit: int = 20) -> list[str]:
        """The sections live items are in, the busiest first (as written on the items)."""
        rows = await self._all(
            "SELECT section FROM items WHERE retracted = 0 AND section IS NOT NULL"
            " AND section != '' GROUP BY section ORDER BY count(*) DESC, section LIMIT ?",
            (limit,),
        )
        return [str(row[0]) for row in rows]

    async def in_section(self, names: Sequence[str], limit: int) -> list[Item]:
        """Newest live items whose section is one of `names` (its spellings as stored)."""
        if not names:
            return []
        marks = ", ".join("?" * len(names))
        return await self._items(
            f"SELECT * FROM items WHERE section IN ({marks}) AND retracted = 0"
            " ORDER BY coalesce(published_at, received_at) DESC, id DESC LIMIT ?",
            [*names, limit],
        )

    async def unsubscribe_all(self, chat_id: int, *, thread: int = 0) -> int:
        """Remove every subscription of the chat (or forum topic), keeping the chat's
        settings (quiet hours, overview times); returns how many there were."""
        gone: list[str] = []
        try:
            async with self.transaction() as conn:
                async with conn.execute(
                    "DELETE FROM subscriptions WHERE chat_id = ? AND thread_id = ? RETURNING key",
                    (chat_id, thread),
                ) as cur:
                    keys = [row[0] for row in await cur.fetchall()]
                gone = await self._forget_unfollowed(conn, keys)
        except BaseException:
            self._refollow(gone)
            raise
        return len(keys)

    async def set_pause(self, chat_id: int, until: float | None) -> int:
        """Pause the chat's alerts until `until` (unix seconds), or end its pause (None).

        Paused, the chat's pending alerts are held (and new ones are queued held) in the
        same transaction; ended, its held alerts are released at once unless the chat has
        an overview (they wait for it).  Returns how many alerts were held or released.
        """
        async with self.transaction() as conn:
            async with conn.execute(
                "UPDATE chats SET paused_until = ? WHERE id = ? RETURNING overview",
                (until, chat_id),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return 0
            if until is not None:
                cursor = await conn.execute(
                    "UPDATE deliveries SET status = 'held'"
                    " WHERE status = 'pending' AND chat_id = ?",
                    (chat_id,),
                )
            elif row[0] is None:
                cursor = await conn.execute(
                    "UPDATE deliveries SET status = 'pending', not_before = 0"
                    " WHERE status = 'held' AND chat_id = ?",
                    (chat_id,),
                )
            else:
                return 0
            return int(cursor.rowcount or 0)

    async def end_pauses(self, now: float) -> list[int]:
        """End every pause whose moment has come; their held alerts go to the sender
        (except in chats with an overview: those wait for it).  Returns the chats whose
        alerts were released."""
        async with self.transaction() as conn:
            async with conn.execute(
                "UPDATE chats SET paused_until = NULL"
                " WHERE paused_until IS NOT NULL AND paused_until <= ? RETURNING id, overview",
                (now,),
            ) as cur:
                ended = list(await cur.fetchall())
            released = []
            for row in ended:
                if row[1] is not None:
                    continue
                cursor = await conn.execute(
                    "UPDATE deliveries SET status = 'pending', not_before = 0"
                    " WHERE status = 'held' AND chat_id = ?",
                    (row[0],),
                )
                if cursor.rowcount:
                    released.append(int(row[0]))
        return released

    async def next_pause_end(self) -> float | None:
        """The earliest moment some chat's pause ends."""
        value = await self._scalar(
            "SELECT min(paused_until) FROM chats WHERE paused_until IS NOT NULL"
        )
        return float(value) if value is not None else None
