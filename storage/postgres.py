"""The PostgreSQL backend: the same behaviour as SQLite's, for more than one process.

:class:`PostgresStore` implements :class:`storage.base.Store` with the queries of
storage/shared.py (run through :class:`PgSql`, which numbers their ``?`` placeholders for
asyncpg) plus what PostgreSQL does differently:

- connections: a small pool for reads and transactions (asyncpg runs one statement at a
  time per connection), one more for LISTEN;
- matching: the item's keys go in as one ``text[]`` parameter (SQLite: ``json_each``);
- the outbox read: the sender claims rows with ``FOR UPDATE SKIP LOCKED``, marking them
  with its lease epoch, so two senders can never both take one (see storage/lease.py);
- the outbox has no primary key: a fan-out writes each row into the table and one partial
  index of pending rows; rows are found through that index or the one of rows no longer
  pending (the migration that made them says which reads use which), never by a key;
- LISTEN/NOTIFY: new outbox rows wake the sender of whichever process holds the lease,
  and a `/volg` in one process adds its key to every other process's FollowedKeys.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

import asyncpg

from bot.news.items import Item
from storage.base import MAX_SUBSCRIPTIONS, Store, StoreUnavailable, SubscribeResult
from storage.lease import RETRY, PgLease
from storage.outbox import Delivery
from storage.pgconn import connect_admin, is_connection_error, migrate, schema_version
from storage.shared import (
    DELIVERY_COLUMNS,
    DELIVERY_JOINS,
    SharedQueries,
    delivery_from_row,
    mark_breaking,
)
from storage.sql import Row, Sql

log = logging.getLogger(__name__)

OUTBOX_CHANNEL = "newsbot_outbox"  # new pending alerts: wake the sender
FOLLOW_CHANNEL = "newsbot_follow"  # payload: "<process> <key>", a key some chat now follows
ITEM_CHANNEL = "newsbot_item"  # payload: "<process> c|r <item id>", a correction or retraction
STORED_CHANNEL = "newsbot_stored"  # a new item was stored (reply caches)
POOL_SIZE = 4
# Memory a sort may use before it spills to disk: a fan-out sorts its matched chats to
# remove duplicates, and sorted in memory that is several times faster.
WORK_MEM = "64MB"


_numbered: dict[str, str] = {}


def numbered(sql: str) -> str:
    """`sql` with its ``?`` placeholders (outside quotes) as asyncpg's ``$1, $2, ...``,
    cached per statement text (the texts are constants, so the cache stays small)."""
    found = _numbered.get(sql)
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
    found = _numbered[sql] = "".join(out)
    return found


def _rowcount(status: str) -> int:
    # "INSERT 0 5", "UPDATE 3", "DELETE 0": the last word is the count.
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class PgSql:
    """:class:`storage.sql.Sql` on an asyncpg connection."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return _rowcount(await self.conn.execute(numbered(sql), *params))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        batch = [tuple(row) for row in rows]
        if batch:
            await self.conn.executemany(numbered(sql), batch)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row: Row | None = await self.conn.fetchrow(numbered(sql), *params)
        return row

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return list(await self.conn.fetch(numbered(sql), *params))


class PostgresStore(SharedQueries, Store):
    """The bot's PostgreSQL database.  Open with :meth:`open`, close with :meth:`close`."""

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        super().__init__()
        self.pool = pool
        self.url = url
        self.claim_epoch = 0  # the lease epoch this process claims outbox rows with
        self._write_lock = asyncio.Lock()
        self._process = uuid.uuid4().hex  # tells our own NOTIFYs from other processes
        self._listener: asyncpg.Connection | None = None
        self._relisten: asyncio.Task[None] | None = None
        self._closing = False
        self._down = False  # an outage is under way (logged once)

    def __repr__(self) -> str:
        return "PostgresStore(...)"  # the URL may hold a password

    @classmethod
    async def open(cls, url: str) -> PostgresStore:
        """Open (and migrate) the database at a ``postgresql://`` URL."""
        conn = await connect_admin(url)
        try:
            await migrate(conn)
        finally:
            await conn.close()
        # min_size 0: no floor to restore while the database is away (asyncpg logs each try).
        pool = await asyncpg.create_pool(
            url, min_size=0, max_size=POOL_SIZE, server_settings={"work_mem": WORK_MEM}
        )
        store = cls(pool, url)
        try:
            await store._listen()
            await store._prepare()
        except BaseException:
            await store.close()
            raise
        return store

    def lease(self) -> PgLease:
        return PgLease(self._connect_for_lease, self.take_over_claims)

    async def _connect_for_lease(self, server_settings: dict[str, str]) -> asyncpg.Connection:
        return await connect_admin(self.url, server_settings=server_settings)

    async def close(self) -> None:
        self._closing = True
        if self._relisten is not None:
            self._relisten.cancel()
        async with self._write_lock:
            if self._listener is not None:
                with contextlib.suppress(Exception):
                    await self._listener.close(timeout=2)
                self._listener = None
            await self.pool.close()

    # -- notifications -----------------------------------------------------------------

    async def _listen(self) -> None:
        listener = await connect_admin(
            self.url, server_settings={"application_name": "newsbot-listen"}
        )
        await listener.add_listener(OUTBOX_CHANNEL, self._notified)
        await listener.add_listener(FOLLOW_CHANNEL, self._notified)
        await listener.add_listener(ITEM_CHANNEL, self._notified)
        await listener.add_listener(STORED_CHANNEL, self._notified)
        listener.add_termination_listener(self._listener_gone)
        self._listener = listener

    def _listener_gone(self, conn: Any) -> None:
        if not self._closing and (self._relisten is None or self._relisten.done()):
            self._relisten = asyncio.get_running_loop().create_task(self._listen_again())

    async def _listen_again(self) -> None:
        """The LISTEN connection died (database restarted): listen again once it is back,
        then catch up on what the notifications missed meanwhile."""
        while not self._closing:
            await asyncio.sleep(RETRY)
            try:
                await self._listen()
                rows = await self._fetchall("SELECT DISTINCT key FROM subscriptions")
                await self._load_exceptions()
            except Exception as exc:
                if not is_connection_error(exc):
                    raise
                self._unreachable(exc)
                continue
            for row in rows:
                self.followed.add(row[0])
            self._reachable()
            for callback in self.on_outbox:
                callback()
            return

    def _unreachable(self, exc: BaseException) -> None:
        if not self._down:
            self._down = True
            log.warning("database unreachable (%s: %s); retrying", type(exc).__name__, exc)

    def _reachable(self) -> None:
        if self._down:
            self._down = False
            log.warning("database reachable again")

    def _notified(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        if channel == FOLLOW_CHANNEL and payload:
            # "<process> <key>": our own follow was added where it was made, and coming
            # back after an /ontvolg it would undo the shrinking of `followed`.  A payload
            # whose first word has a ":" is a bare key (an older process): added.
            origin, _, key = payload.partition(" ")
            if ":" in origin:
                self.followed.add(payload)
            elif origin != self._process and key.startswith("!"):  # what a follow leaves out
                self.excepted.add(key[1:])
                self.followed.add(key[1:])
            elif origin != self._process and key:
                self.followed.add(key)
        elif channel == ITEM_CHANNEL:
            origin, change, item_id = payload.split()
            if origin != self._process:  # our own changes were handled where they were made
                for on_change in self.on_item_changed:
                    on_change(int(item_id), change == "r")
                for callback in self.on_items:
                    callback()
        elif channel == OUTBOX_CHANNEL:
            for callback in self.on_outbox:
                callback()
        elif channel == STORED_CHANNEL:
            for callback in self.on_items:
                callback()

    # -- connections -------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection; an outage is logged once and raised (callers retry)."""
        try:
            async with self.pool.acquire() as raw:
                yield raw
        except StoreUnavailable:
            raise
        except Exception as exc:
            if not is_connection_error(exc):
                raise
            self._unreachable(exc)
            raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from exc
        self._reachable()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgSql]:
        """One write transaction on a pooled connection: all of it commits or none."""
        async with self._write_lock, self._connection() as raw, raw.transaction():
            yield PgSql(raw)

    async def _fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        async with self._connection() as raw:
            return await PgSql(raw).fetchone(sql, params)

    async def _fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        async with self._connection() as raw:
            return await PgSql(raw).fetchall(sql, params)

    async def schema_version(self) -> int:
        async with self._connection() as raw:
            return await schema_version(raw)

    # -- what differs from SQLite --------------------------------------------------------

    async def _enqueue(
        self, tx: Sql, item_id: int, keys: Sequence[str], excepting: Sequence[str] = (),
        *, breaking: bool = False
    ) -> int:
        # Called once per newly stored item: other processes clear their reply caches.
        await tx.execute(f"NOTIFY {STORED_CHANNEL}")
        if not keys:
            return 0
        # A chat that matches on several keys gets one row: duplicates are removed in the
        # SELECT (a sort of the matched rows; the outbox has no key to refuse them).  No
        # row of this item exists before (it was stored in this transaction), so nothing
        # else can be a duplicate.  With one key there is nothing to remove, and no sort:
        # (chat, thread, key) is the subscriptions' primary key.
        distinct = "DISTINCT ON (s.chat_id, s.thread_id) " if len(set(keys)) > 1 else ""
        sql = (
            "INSERT INTO deliveries (item_id, chat_id, thread_id, key, status)"
            f" SELECT {distinct}?, s.chat_id, s.thread_id, s.key,"
            " CASE WHEN (s.direct = 0 AND ? = 0 AND s.chat_id IN"
            " (SELECT id FROM chats WHERE overview IS NOT NULL)) OR s.chat_id IN"
            " (SELECT id FROM chats WHERE paused_until IS NOT NULL) THEN 'held' ELSE 'pending'"
            " END"
            " FROM subscriptions AS s"
            " WHERE s.key = ANY(?::text[])"
            " AND s.chat_id NOT IN (SELECT id FROM chats WHERE active = 0)"
        )
        params: tuple[Any, ...] = (item_id, int(breaking), list(keys))
        if excepting:  # as SQLite's: only items with a key some follow leaves out
            sql += (
                " AND (s.chat_id, s.thread_id, s.key) NOT IN (SELECT chat_id, thread_id, key"
                " FROM follow_exceptions WHERE except_key = ANY(?::text[]))"
            )
            params += (list(excepting),)
        queued = await tx.execute(sql, params)
        if queued > 0:
            # Delivered at commit, to every process listening: the lease holder's sender
            # wakes whichever process stored the item (`newsbot import` included).
            await tx.execute(f"NOTIFY {OUTBOX_CHANNEL}")
        return queued

    async def subscribe(
        self, chat_id: int, key: str, label: str, limit: int = MAX_SUBSCRIPTIONS,
        *, thread: int = 0, excluding: Sequence[str] = (),
    ) -> SubscribeResult:
        # In two round trips, with the NOTIFY in the same transaction: other processes add
        # the key to their FollowedKeys when it commits.
        async with self.transaction() as tx:
            row = await tx.fetchone(
                "SELECT EXISTS (SELECT 1 FROM subscriptions"
                " WHERE chat_id = ? AND thread_id = ? AND key = ?),"
                " (SELECT count(*) FROM subscriptions WHERE chat_id = ? AND thread_id = ?)",
                (chat_id, thread, key, chat_id, thread),
            )
            assert row is not None
            if row[0]:
                changed = await self._refollow_with(tx, chat_id, thread, key, label, excluding)
                return SubscribeResult.ADDED if changed else SubscribeResult.EXISTS
            if row[1] >= limit:
                return SubscribeResult.FULL
            await tx.fetchone(
                "WITH added AS (INSERT INTO subscriptions"
                " (chat_id, thread_id, key, label, created_at)"
                " VALUES (?, ?, ?, ?, ?)) SELECT pg_notify(?, ?)",
                (chat_id, thread, key, label, time.time(), FOLLOW_CHANNEL,
                 f"{self._process} {key}"),
            )
            if excluding:
                await self._set_exceptions(tx, chat_id, thread, key, excluding)
            await self._follow_events(tx, [key], 1)
        self.followed.add(key)
        return SubscribeResult.ADDED

    async def _set_exceptions(
        self, tx: Sql, chat_id: int, thread: int, key: str, excluding: Sequence[str]
    ) -> None:
        await super()._set_exceptions(tx, chat_id, thread, key, excluding)
        for left_out in dict.fromkeys(excluding):  # "!": a key some follow leaves out
            await tx.fetchone(
                "SELECT pg_notify(?, ?)", (FOLLOW_CHANNEL, f"{self._process} !{left_out}")
            )

    async def correct_item(self, item: Item, regions: Sequence[str]) -> bool:
        if not await super().correct_item(item, regions):
            return False
        await self._item_changed(item.id or 0, "c")
        return True

    async def retract_item(self, item_id: int) -> int:
        not_sent = await super().retract_item(item_id)
        await self._item_changed(item_id, "r")
        return not_sent

    async def _item_changed(self, item_id: int, change: str) -> None:
        """Tell the other processes: the one holding the sender lease may have this item's
        alerts in hand (see Sender.changed_elsewhere)."""
        async with self._connection() as raw:
            await raw.execute(
                "SELECT pg_notify($1, $2)", ITEM_CHANNEL, f"{self._process} {change} {item_id}"
            )

    async def pending_deliveries(self, now: float, limit: int) -> list[Delivery]:
        """Claim unclaimed pending rows for this process's lease epoch, then read its own.

        The claim locks rows with FOR UPDATE SKIP LOCKED and stamps them with the epoch,
        so a second sender (a holder that lost its lease and has not noticed yet) skips
        what this one is taking and can never take what a newer holder claimed.

        Nor what a newer holder freed and has not claimed yet: its takeover frees every
        row older epochs claimed, and a claim stamped with an old epoch after that would
        stay pending for good (the new holder reads only its own rows and unclaimed ones).
        So the claim first reads the lease's epoch with a share lock: a holder whose epoch
        is no longer the lease's takes nothing; and a new holder's epoch update waits for
        a claim in progress to commit, so the takeover that follows frees that claim too.
        """
        epoch = self.claim_epoch
        breaking = await self._breaking_ids()
        async with self.transaction() as tx:
            current = await tx.fetchone(
                "SELECT epoch FROM lease WHERE name = 'sender' FOR SHARE"
            )
            if current is not None and int(current[0]) != epoch:
                return []  # the lease went to another holder (or this one's next epoch)
            # A breaking item's rows are claimed first, so they are in this read even
            # behind a backlog of ordinary alerts claimed earlier.
            # Rows are stamped by their physical address (ctid): the outbox has no primary
            # key, and a row locked FOR UPDATE keeps its address until this transaction ends.
            if breaking:
                await tx.execute(
                    "UPDATE deliveries SET claimed_by = ? WHERE ctid = ANY(ARRAY("
                    " SELECT ctid FROM deliveries"
                    " WHERE item_id = ANY(?::bigint[]) AND status = 'pending'"
                    " AND claimed_by IS NULL"
                    " ORDER BY item_id DESC, chat_id LIMIT ? FOR UPDATE SKIP LOCKED))",
                    (epoch, breaking, limit),
                )
            await tx.execute(
                "UPDATE deliveries SET claimed_by = ? WHERE ctid = ANY(ARRAY("
                " SELECT ctid FROM deliveries"
                " WHERE status = 'pending' AND claimed_by IS NULL"
                " ORDER BY item_id DESC, chat_id LIMIT ? FOR UPDATE SKIP LOCKED))",
                (epoch, limit),
            )
            rows = await tx.fetchall(
                f"SELECT {DELIVERY_COLUMNS} FROM deliveries AS d{DELIVERY_JOINS}"
                " WHERE d.status = 'pending' AND d.claimed_by = ? AND d.not_before <= ?"
                " ORDER BY d.item_id = ANY(?::bigint[]) DESC, d.item_id DESC, d.chat_id LIMIT ?",
                (epoch, now, breaking, limit),
            )
        return mark_breaking([delivery_from_row(row) for row in rows], breaking)

    async def pending_for_chats(self, chat_ids: Sequence[int], now: float) -> list[Delivery]:
        """Every pending alert of these chats this process has claimed, newest item first.

        Rows are claimed newest item first, a batch at a time, so a chat's older rows may
        not be claimed yet: they go in a later message, as on SQLite with a backlog
        larger than one read.
        """
        if not chat_ids:
            return []
        rows = await self._fetchall(
            f"SELECT {DELIVERY_COLUMNS} FROM deliveries AS d{DELIVERY_JOINS}"
            " WHERE d.status = 'pending' AND d.claimed_by = ? AND d.not_before <= ?"
            " AND d.chat_id = ANY(?::bigint[])"
            " ORDER BY d.chat_id, d.item_id DESC",
            (self.claim_epoch, now, list(chat_ids)),
        )
        rows_ = [delivery_from_row(row) for row in rows]
        return mark_breaking(rows_, await self._breaking_ids())

    # -- the lease ---------------------------------------------------------------------

    async def lease_holder(self) -> str | None:
        """Who took the sender's lease last ('host:pid'), for operators and tests."""
        value = await self._scalar("SELECT holder FROM lease WHERE name = 'sender'")
        return str(value) if value is not None else None

    async def processes(self) -> int:
        """How many newsbot processes have this database open (each one LISTENs once)."""
        return int(await self._scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND application_name = 'newsbot-listen'"
        ))

    async def take_over_claims(self, epoch: int) -> int:
        """A new lease holder: rows older holders claimed but never finished are free again."""
        self.claim_epoch = epoch
        async with self.transaction() as tx:
            return await tx.execute(
                "UPDATE deliveries SET claimed_by = NULL"
                " WHERE status = 'pending' AND claimed_by IS NOT NULL AND claimed_by <> ?",
                (epoch,),
            )
