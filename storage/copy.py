"""`newsbot migrate-db --to postgresql://...`: copy a SQLite database into an empty PostgreSQL one.

The SQLite file is opened (and so upgraded to its newest migration) and the PostgreSQL
database migrated to its newest; then every table SQLite has is copied with COPY, in one
transaction, in an order that satisfies the foreign keys.  Before the commit each
table's row count is compared with the source; any difference rolls everything back.
After it the tables are analysed, so the planner knows their sizes from the start.
Tables are found from SQLite's schema, not listed here, so a table a later migration adds
is copied too (its PostgreSQL migration must exist, or the copy stops with a clear error).
A target that holds any rows is refused: this is a move, not a merge.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storage.pgconn import connect_admin, migrate
from storage.sqlite import SQLiteStore

# Parents before children; tables not named here follow in alphabetical order.
FIRST = ("chats", "items", "item_regions", "subscriptions", "deliveries")
BATCH = 10_000


class CopyError(Exception):
    """The copy cannot go ahead (a one-line reason for the operator)."""


@dataclass(frozen=True)
class Copied:
    table: str
    source: int
    target: int


def _order(tables: list[str]) -> list[str]:
    known = [t for t in FIRST if t in tables]
    return known + sorted(t for t in tables if t not in FIRST)


async def copy_to_postgres(source: Path, url: str) -> list[Copied]:
    """Copy every table; returns the counts.  Raises CopyError (nothing written) on refusal."""
    store = await SQLiteStore.open(source)
    try:
        tables = [
            row[0]
            for row in await store.conn.execute_fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%'"
            )
        ]
        pg = await connect_admin(url)
        try:
            await migrate(pg)
            copied = await _copy(store, pg, _order(tables))
            # Statistics for the planner from the copied rows: without them it plans the
            # first fan-outs for empty tables (nested loops over millions of rows).
            await pg.execute("ANALYZE")
            return copied
        finally:
            await pg.close()
    finally:
        await store.close()


async def _copy(store: SQLiteStore, pg: Any, tables: list[str]) -> list[Copied]:
    target_columns: dict[str, dict[str, str]] = {}
    for row in await pg.fetch(
        "SELECT table_name, column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = current_schema()"
    ):
        target_columns.setdefault(row["table_name"], {})[row["column_name"]] = row["data_type"]
    missing = [t for t in tables if t not in target_columns]
    if missing:
        raise CopyError(f"PostgreSQL mist tabel(len) {', '.join(missing)}: migraties ontbreken")
    nonempty = [
        t for t in (*tables, "lease")
        if t in target_columns and await pg.fetchval(f"SELECT EXISTS (SELECT 1 FROM {t})")
    ]
    if nonempty:
        raise CopyError(
            f"de PostgreSQL-database is niet leeg ({', '.join(nonempty)} bevat rijen);"
            " migrate-db kopieert alleen naar een lege database"
        )
    results: list[Copied] = []
    async with pg.transaction():
        for table in tables:
            source_columns = [
                row[1] for row in await store.conn.execute_fetchall(f"PRAGMA table_info({table})")
            ]
            types = target_columns[table]
            absent = [c for c in source_columns if c not in types]
            if absent:
                raise CopyError(f"PostgreSQL mist kolom(men) {table}.{', '.join(absent)}")
            columns = source_columns
            floats = [types[c] == "double precision" for c in columns]
            read = 0
            # In batches, so a million subscriptions never sit in memory at once.
            async with store.conn.execute(f"SELECT {', '.join(columns)} FROM {table}") as cur:
                while batch := await cur.fetchmany(BATCH):
                    records = [
                        tuple(
                            float(v) if is_float and v is not None else v
                            for v, is_float in zip(row, floats, strict=True)
                        )
                        for row in batch
                    ]
                    await pg.copy_records_to_table(table, records=records, columns=columns)
                    read += len(records)
            copied = int(await pg.fetchval(f"SELECT count(*) FROM {table}"))
            if copied != read:
                raise CopyError(f"{table}: {read} rijen gelezen, {copied} geschreven")
            results.append(Copied(table, read, copied))
        # Items keep their ids (alerts and /corrigeer refer to them): new ones follow on.
        await pg.execute(
            "SELECT setval(pg_get_serial_sequence('items', 'id'),"
            " coalesce((SELECT max(id) FROM items), 0) + 1, false)"
        )
    return results
