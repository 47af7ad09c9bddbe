"""The one narrow face both backends give their SQL: four calls on an open connection.

Queries both dialects accept (storage/shared.py, the outbox outcomes in storage/outbox.py)
are written once with ``?`` placeholders and run through an :class:`Sql`: SQLite's
(storage/sqlite.py) passes them to aiosqlite as they are, PostgreSQL's
(storage/postgres.py) numbers the placeholders for asyncpg.  Neither imitates the other's
driver: this is all the shared code may ask of a connection.

Rows stay inside storage/: a :class:`Row` is read by column name or position (both
drivers' rows can), and every operation of :class:`storage.base.Store` turns rows into
typed values before returning.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol


class Row(Protocol):
    """A driver's row (``aiosqlite.Row``, ``asyncpg.Record``), read by name or position."""

    def __getitem__(self, key: int | str, /) -> Any: ...


class Sql(Protocol):
    """Statements on one connection (inside a transaction where the caller opened one)."""

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; returns how many rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement once per parameter row."""
        ...

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row a query returns, or None."""
        ...

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row a query returns."""
        ...
