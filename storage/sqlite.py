"""The SQLite backend: the embedded default, one process per database file.

:class:`SQLiteStore` implements :class:`storage.base.Store` with the queries of
storage/shared.py plus what only SQLite says this way: matching an item's keys through
``json_each`` (and the exceptions of follows that leave words out), the outbox read
through its pending index.

All statements go through one aiosqlite connection, and every write through one asyncio
lock, so a transaction never interleaves with another coroutine's statements and
"database is locked" never reaches a reader.  WAL mode (storage/db.py) lets the CLI and
backups read beside the bot's one writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiosqlite

from storage.base import MAX_SUBSCRIPTIONS, Store, SubscribeResult
from storage.db import connect
from storage.lease import HeldLease
from storage.outbox import Delivery
from storage.shared import (
    DELIVERY_COLUMNS,
    DELIVERY_JOINS,
    SharedQueries,
    delivery_from_row,
    mark_breaking,
)
from storage.sql import Row, Sql


class SQLiteSql:
    """:class:`storage.sql.Sql` on an aiosqlite connection (SQLite reads ``?`` itself)."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        cursor = await self.conn.execute(sql, params)
        return int(cursor.rowcount)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self.conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        # Every query read this way returns at most a row or two: one hop to the
        # connection's thread for the statement and its rows, not three (execute,
        # fetch, close).
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return list(await self.conn.execute_fetchall(sql, params))


log = logging.getLogger(__name__)


def _identity(path: Path) -> tuple[int, int] | None:
    """The file at `path` as (device, inode); None when there is none."""
    try:
        found = os.stat(path)
    except (OSError, ValueError):
        return None
    return found.st_dev, found.st_ino


def _is_write_failure(exc: BaseException) -> bool:
    """An error of the database itself (disk full, I/O, read-only), not of the data."""
    return isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.IntegrityError)


class SQLiteStore(SharedQueries, Store):
    """The bot's SQLite database.  Open with :meth:`open`, close with :meth:`close`."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        super().__init__()
        self.conn = conn
        self.path = path
        self._sql = SQLiteSql(conn)
        self._write_lock = asyncio.Lock()
        # The file opened, as (device, inode): the file at `path` later must be this one.
        # A file removed (or replaced) under a running bot keeps taking writes through
        # the open descriptor, and they are all lost at the next start.
        self._identity = _identity(path)
        self._write_failed: str | None = None  # the last write's error, until one works
        self._said: str | None = None  # the problem last logged

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.path)!r})"

    @classmethod
    async def open(cls, path: Path | str) -> SQLiteStore:
        """Open (and create or upgrade) a SQLite file."""
        store = cls(await connect(path), Path(path))
        # Read at open: a long-running process learns of another process's /volg only on
        # restart, which is fine, as only the bot takes /volg (imports and feeds store
        # items).
        await store._prepare()
        return store

    def lease(self) -> HeldLease:
        """Who sends alerts: on SQLite, always this process (one process per file)."""
        return HeldLease()

    async def close(self) -> None:
        async with self._write_lock:
            await self.conn.close()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[SQLiteSql]:
        async with self._write_lock:
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
                yield self._sql
                # Inside the try: a COMMIT that fails (disk full, I/O error, a deferred
                # constraint) leaves SQLite's transaction open, and every later BEGIN
                # would fail until a restart.  It is rolled back and the error raised.
                await self.conn.execute("COMMIT")
            except BaseException as exc:
                # Also when cancelled while BEGIN was under way: the connection's thread
                # runs statements in order, so this ROLLBACK comes after that BEGIN.
                # Shielded, so a second cancellation cannot leave the transaction open.
                await asyncio.shield(self._rollback())
                if _is_write_failure(exc):
                    self._write_failed = f"{type(exc).__name__}: {str(exc)[:200]}"
                    self.problem()
                raise
            self._write_failed = None
            self.problem()

    def problem(self) -> str | None:
        """The file gone from its path or replaced, or the last write failed; logged
        once when it starts (and once when it ends)."""
        found: str | None = None
        if self._identity is not None and _identity(self.path) != self._identity:
            found = (f"the database file opened is no longer at {self.path}: "
                     "writes since are lost at the next start")
        elif self._write_failed is not None:
            found = f"a database write failed ({self._write_failed})"
        if found != self._said:
            if found is not None:
                log.error("%s", found)
            elif self._said is not None:
                log.warning("database writes work again")
            self._said = found
        return found

    async def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.OperationalError):  # none was open after all
            await self.conn.execute("ROLLBACK")

    async def _fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        return await self._sql.fetchone(sql, params)

    async def _fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return await self._sql.fetchall(sql, params)

    async def schema_version(self) -> int:
        return int(await self._scalar("PRAGMA user_version"))

    # -- matching ----------------------------------------------------------------------

    async def _enqueue(
        self, tx: Sql, item_id: int, keys: Sequence[str], excepting: Sequence[str] = (),
        *, breaking: bool = False
    ) -> int:
        if not keys:
            return 0
        # One set-based statement: the subscriptions index finds the chats, the (item,
        # chat, thread) key keeps a chat that matches on several keys to one row.  The
        # keys go in as one JSON parameter, so the statement text (and its cached plan)
        # is the same whatever the item's length.  A chat with an overview gets its row
        # 'held' (unless the subscription is direct): the sender never reads it until
        # the overview is due.  `direct` is in subscriptions_key and the overview chats
        # are a small partial index, so holding costs the fan-out no table lookups.  Only
        # an item with a key some follow leaves out (`excepting`) adds the exception
        # check: the follows that leave one of them out, read once, are skipped.
        sql = (
            "INSERT OR IGNORE INTO deliveries (item_id, chat_id, thread_id, key, status)"
            " SELECT ?, s.chat_id, s.thread_id, s.key, CASE WHEN (s.direct = 0 AND ? = 0"
            " AND s.chat_id IN"
            " (SELECT id FROM chats WHERE overview IS NOT NULL)) OR s.chat_id IN"
            " (SELECT id FROM chats WHERE paused_until IS NOT NULL) THEN 'held' ELSE 'pending'"
            " END"
            " FROM subscriptions AS s"
            " WHERE s.key IN (SELECT value FROM json_each(?))"
            " AND s.chat_id NOT IN (SELECT id FROM chats WHERE active = 0)"
        )
        params: tuple[Any, ...] = (item_id, int(breaking), json.dumps(list(keys)))
        if excepting:
            sql += (
                " AND (s.chat_id, s.thread_id, s.key) NOT IN (SELECT chat_id, thread_id, key"
                " FROM follow_exceptions WHERE except_key IN (SELECT value FROM json_each(?)))"
            )
            params += (json.dumps(list(excepting)),)
        return await tx.execute(sql, params)

    async def subscribe(
        self, chat_id: int, key: str, label: str, limit: int = MAX_SUBSCRIPTIONS,
        *, thread: int = 0, excluding: Sequence[str] = (),
    ) -> SubscribeResult:
        async with self.transaction() as tx:
            if await tx.fetchone(
                "SELECT 1 FROM subscriptions WHERE chat_id = ? AND thread_id = ? AND key = ?",
                (chat_id, thread, key),
            ):
                changed = await self._refollow_with(tx, chat_id, thread, key, label, excluding)
                return SubscribeResult.ADDED if changed else SubscribeResult.EXISTS
            row = await tx.fetchone(
                "SELECT count(*) FROM subscriptions WHERE chat_id = ? AND thread_id = ?",
                (chat_id, thread),
            )
            if row is not None and row[0] >= limit:
                return SubscribeResult.FULL
            await tx.execute(
                "INSERT INTO subscriptions (chat_id, thread_id, key, label, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (chat_id, thread, key, label, time.time()),
            )
            if excluding:
                await self._set_exceptions(tx, chat_id, thread, key, excluding)
            await self._follow_events(tx, [key], 1)
        self.followed.add(key)
        return SubscribeResult.ADDED

    # -- the outbox --------------------------------------------------------------------

    async def pending_deliveries(self, now: float, limit: int) -> list[Delivery]:
        # Breaking alerts first, found by the outbox's key (item, chat) for the few newest
        # breaking items, so jumping the queue costs the ordinary read nothing.
        breaking = await self._breaking_ids()
        first: list[Delivery] = []
        if breaking:
            rows = await self._fetchall(
                f"SELECT {DELIVERY_COLUMNS} FROM deliveries AS d{DELIVERY_JOINS}"
                " WHERE d.item_id IN (SELECT value FROM json_each(?))"
                " AND d.status = 'pending' AND d.not_before <= ?"
                " ORDER BY d.item_id DESC, d.chat_id LIMIT ?",
                (json.dumps(breaking), now, limit),
            )
            first = [replace(delivery_from_row(row), breaking=True) for row in rows]
        if len(first) >= limit:
            return first
        rows = await self._fetchall(
            f"SELECT {DELIVERY_COLUMNS} FROM deliveries AS d{DELIVERY_JOINS}"
            " WHERE d.status = 'pending' AND d.not_before <= ?"
            " AND d.item_id NOT IN (SELECT value FROM json_each(?))"
            " ORDER BY d.item_id DESC, d.chat_id LIMIT ?",
            (now, json.dumps(breaking), limit - len(first)),
        )
        return first + [delivery_from_row(row) for row in rows]

    async def pending_for_chats(self, chat_ids: Sequence[int], now: float) -> list[Delivery]:
        # Pending rows have no chat index (it would slow every fan-out), but few items
        # have pending rows at any moment: their ids come from the pending index one seek
        # each, and each (item, chat) pair is then one primary-key probe.
        if not chat_ids:
            return []
        rows = await self._fetchall(
            "WITH RECURSIVE i(id) AS ("
            " SELECT max(item_id) FROM deliveries WHERE status = 'pending'"
            " UNION ALL SELECT (SELECT max(item_id) FROM deliveries"
            " WHERE status = 'pending' AND item_id < i.id) FROM i WHERE i.id IS NOT NULL)"
            f" SELECT {DELIVERY_COLUMNS} FROM i"
            " JOIN deliveries AS d ON d.item_id = i.id"
            " AND d.chat_id IN (SELECT value FROM json_each(?))"
            f"{DELIVERY_JOINS}"
            " WHERE d.status = 'pending' AND d.not_before <= ?"
            " ORDER BY d.chat_id, d.item_id DESC",
            (json.dumps(list(chat_ids)), now),
        )
        rows_ = [delivery_from_row(row) for row in rows]
        return mark_breaking(rows_, await self._breaking_ids())
