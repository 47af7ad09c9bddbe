"""PostgreSQL connections for the store: an aiosqlite-shaped face over asyncpg, and migrations.

The store's queries are written once, in the SQL both backends share, with `?`
placeholders; :class:`PgConnection` rewrites the placeholders to asyncpg's `$1, $2, ...`
(once per statement text, cached) and answers like aiosqlite (``execute`` as an awaitable
or an ``async with``, cursors with ``fetchone``/``fetchall``/``rowcount``).  asyncpg's
``Record`` already reads like ``aiosqlite.Row`` (``row["name"]``, ``row[0]``, ``dict(row)``),
so a query that is valid on both backends needs nothing else.  Queries that are not
(FTS, ``json_each``, the claim) live in :mod:`storage.postgres`.

Migrations are ``migrations/postgresql/NNNN_*.sql``, applied in order under an advisory
lock (two processes may start at once), each in one transaction with its row in
``schema_version``.

Why asyncpg and not psycopg 3: both are maintained and installable here as wheels.
asyncpg is asyncio-native with the binary protocol (the fastest Python driver for the
bulk reads and ``executemany`` the sender does), its ``Record`` matches the row interface
the SQLite store already hands out, and LISTEN/NOTIFY is a callback on a connection
(``add_listener``) with a termination hook, which is exactly what the lease and the
wake-ups need.  psycopg 3 would have meant ``%s`` placeholders, a row factory, and an
async iterator over notifies on a connection of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from importlib import resources
from types import TracebackType
from typing import Any

import asyncpg

from storage.base import StoreUnavailable
from storage.db import numbered_sql

MIGRATION_LOCK = 0x6E657773_0001  # advisory lock key: 'news' + 1
_ROWS_RE = re.compile(r"^\s*(SELECT|WITH|VALUES)\b|\bRETURNING\b", re.IGNORECASE)

_translated: dict[str, tuple[str, bool]] = {}


def is_postgres_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def translate(sql: str) -> tuple[str, bool]:
    """(`sql` with `$n` placeholders, whether it returns rows), cached per text."""
    found = _translated.get(sql)
    if found is not None:
        return found
    out: list[str] = []
    n = 0
    quoted = False
    for char in sql:
        if char == "'":
            quoted = not quoted
        if char == "?" and not quoted:
            n += 1
            out.append(f"${n}")
        else:
            out.append(char)
    found = ("".join(out), bool(_ROWS_RE.search(sql)))
    _translated[sql] = found
    return found


def _rowcount(status: str) -> int:
    # "INSERT 0 5", "UPDATE 3", "DELETE 0": the last word is the count.
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1


class PgCursor:
    """The result of one statement, shaped like an aiosqlite cursor."""

    def __init__(self, conn: asyncpg.Connection, sql: str, params: Sequence[Any]) -> None:
        self._conn = conn
        self._sql = sql
        self._params = tuple(params)
        self._rows: list[asyncpg.Record] = []
        self.rowcount = -1

    async def _run(self) -> PgCursor:
        sql, returns_rows = translate(self._sql)
        if returns_rows:
            self._rows = await self._conn.fetch(sql, *self._params)
            self.rowcount = len(self._rows)
        else:
            self.rowcount = _rowcount(await self._conn.execute(sql, *self._params))
        return self

    def __await__(self) -> Any:
        return self._run().__await__()

    async def __aenter__(self) -> PgCursor:
        return await self._run()

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    async def fetchone(self) -> asyncpg.Record | None:
        return self._rows.pop(0) if self._rows else None

    async def fetchall(self) -> list[asyncpg.Record]:
        rows, self._rows = self._rows, []
        return rows


class PgConnection:
    """One asyncpg connection with the part of aiosqlite's interface the store uses."""

    def __init__(self, raw: asyncpg.Connection) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Sequence[Any] = ()) -> PgCursor:
        return PgCursor(self.raw, sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        batch = [tuple(row) for row in rows]
        if batch:
            await self.raw.executemany(translate(sql)[0], batch)


def migrations() -> list[tuple[int, str, str]]:
    """(number, file name, SQL) for every PostgreSQL migration, in order."""
    folder = resources.files("storage.migrations").joinpath("postgresql")
    return numbered_sql(folder, "PostgreSQL migrations")


async def schema_version(conn: asyncpg.Connection) -> int:
    exists = await conn.fetchval("SELECT to_regclass('schema_version') IS NOT NULL")
    if not exists:
        return 0
    return int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_version"))


async def migrate(conn: asyncpg.Connection, upto: int | None = None) -> list[str]:
    """Bring the database up to the newest migration (or `upto`); returns what was applied."""
    applied: list[str] = []
    async with conn.transaction():
        # Held to the end of this transaction: a second process starting at the same
        # moment waits here and then finds nothing left to do.
        await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        current = await schema_version(conn)
        for number, name, sql in migrations():
            if number <= current or (upto is not None and number > upto):
                continue
            await conn.execute(sql)
            await conn.execute(
                "INSERT INTO schema_version (version, name) VALUES ($1, $2)", number, name
            )
            applied.append(name)
    return applied


async def connect_admin(url: str, **kwargs: Any) -> asyncpg.Connection:
    """A plain connection (for creating databases, migrating, copying, the lease)."""
    return await asyncpg.connect(url, **kwargs)


def is_connection_error(exc: BaseException) -> bool:
    """The database is unreachable or went away (as opposed to a bad query)."""
    if isinstance(exc, StoreUnavailable):
        return True
    if isinstance(exc, asyncpg.InterfaceError):
        return "closed" in str(exc) or "connection" in str(exc).lower()
    return isinstance(
        exc,
        OSError | TimeoutError | asyncpg.PostgresConnectionError
        | asyncpg.exceptions.OperatorInterventionError,
    )
