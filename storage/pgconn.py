"""PostgreSQL connections and migrations, below the backend and the lease.

Migrations are ``migrations/postgresql/NNNN_*.sql``, applied in order under an advisory
lock (two processes may start at once), each in one transaction with its row in
``schema_version``; the planner's statistics are refreshed after them (``ANALYZE``), so
the first fan-out after an upgrade or a copy is planned from real table sizes.

Why asyncpg and not psycopg 3: both are maintained and installable here as wheels.
asyncpg is asyncio-native with the binary protocol (the fastest Python driver for the
bulk reads and ``executemany`` the sender does), and LISTEN/NOTIFY is a callback on a
connection (``add_listener``) with a termination hook, which is exactly what the lease and
the wake-ups need.  psycopg 3 would have meant an async iterator over notifies on a
connection of its own.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import asyncpg

from storage.base import StoreUnavailable
from storage.db import numbered_sql

MIGRATION_LOCK = 0x6E657773_0001  # advisory lock key: 'news' + 1


def is_postgres_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


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
    if applied:
        # Fresh statistics for the planner: a migration may rebuild tables and indexes.
        await conn.execute("ANALYZE")
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
    if isinstance(exc, asyncpg.InternalClientError):
        # A pooled connection the server ended (pg_terminate_backend) can be handed out
        # once more with its last operation never finished: asyncpg refuses to use it.
        return "another operation" in str(exc)
    return isinstance(
        exc,
        OSError | TimeoutError | asyncpg.PostgresConnectionError
        | asyncpg.exceptions.OperatorInterventionError,
    )
