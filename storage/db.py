"""Opening the SQLite database: pragmas and numbered migrations.

Migrations are the `migrations/NNNN_*.sql` files, applied in order inside one
transaction each; `PRAGMA user_version` records the last one applied, so opening an
older database upgrades it in place without touching its data.
"""

from __future__ import annotations

import logging
import re
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import aiosqlite

log = logging.getLogger(__name__)

_MIGRATION_RE = re.compile(r"^(\d{4})_[\w-]+\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """(number, file name, SQL) for every migration shipped with the package, in order."""
    return numbered_sql(resources.files("storage.migrations"), "migrations")


def numbered_sql(folder: Traversable, what: str) -> list[tuple[int, str, str]]:
    """(number, file name, SQL) of the ``NNNN_name.sql`` files in `folder`, numbered 1..n.

    Shared by both backends' migrations (PostgreSQL's are in a folder of their own).
    """
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION_RE.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [n for n, _, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"{what} are not numbered 1..n: {numbers}")
    return found


async def connect(path: Path | str, *, upto: int | None = None) -> aiosqlite.Connection:
    """Open (and create or upgrade) the database.  `upto` stops at a migration, for tests."""
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    conn.row_factory = aiosqlite.Row
    try:
        # WAL lets readers (the CLI, backups) work beside the bot's one writer; the busy
        # timeout covers the moments another process holds the write lock.
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA busy_timeout = 5000")
        await conn.execute("PRAGMA temp_store = MEMORY")
        await _migrate(conn, upto)
    except BaseException:
        await conn.close()
        raise
    return conn


async def _migrate(conn: aiosqlite.Connection, upto: int | None) -> None:
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    current = int(row[0]) if row else 0
    for number, name, sql in migrations():
        if number <= current or (upto is not None and number > upto):
            continue
        log.info("applying migration %s", name)
        # executescript would COMMIT on its own; wrap the script so that it and the
        # version bump land together or not at all.
        try:
            await conn.executescript(
                f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;"
            )
        except BaseException:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise
