"""The queries both backends share: SQL that SQLite and PostgreSQL both accept.

:class:`SharedQueries` implements the operations of :class:`storage.base.Store` whose SQL
is the same in both dialects, over three calls each backend provides: ``transaction()``
(one write transaction, yielding an :class:`storage.sql.Sql`), and ``_fetchone`` /
``_fetchall`` for reads outside one.  What differs (opening, matching an item's keys,
reading the outbox, notifications) lives in storage/sqlite.py and
storage/postgres.py, which both mix this class in beside the interface; neither backend
derives from the other.

Written so that both dialects read it the same way: ``?`` placeholders, ``ON CONFLICT``
rather than ``INSERT OR ...``, integers for booleans (SQLite has no boolean type),
``coalesce`` rather than ``ifnull``.  Rows become typed values here, before they leave.
"""

from __future__ import annotations

import json
import logging
import time
from abc import abstractmethod
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from bot.news.items import Item
from bot.news.match import (
    ALL_KEY,
    KEYS_VERSION,
    FollowedKeys,
    matches,
    phrase_parts,
    rekey,
    search_keys,
)
from bot.news.regions import default_gazetteer
from bot.news.sections import BREAKING
from storage.base import (
    BREAKING_CANDIDATES,
    Bundle,
    ChatInfo,
    DeliveryRecord,
    FollowFigures,
    MessageItem,
    NewItem,
    Reach,
    SentAlert,
    Subscription,
)
from storage.outbox import ChatGone, Delivery, Outcome, RowOutcome, delete_chat_deliveries
from storage.sql import Row, Sql

# Every column of `items` the Item is made of (PostgreSQL's items also hold a search
# vector, which no reader needs).
ITEM_COLUMNS = (
    "i.id, i.kind, i.title, i.body, i.headings, i.dateline, i.agencies, i.section,"
    " i.published_at, i.received_at, i.lead, i.source, i.link, i.guid, i.photo, i.breaking,"
    " i.updated_at"
)

# What the sender needs of a pending alert: the row, its chat and its subscription.
DELIVERY_COLUMNS = (
    "d.item_id, d.chat_id, d.thread_id, d.key, d.attempts, c.active AS chat_active,"
    " c.quiet_from, c.quiet_until, c.overview_at, s.label"
)
DELIVERY_JOINS = (
    " JOIN chats AS c ON c.id = d.chat_id"
    " LEFT JOIN subscriptions AS s"
    " ON s.chat_id = d.chat_id AND s.thread_id = d.thread_id AND s.key = d.key"
)

# The distinct followed keys by skipping through the subscriptions index: one seek per
# key rather than a scan of every subscription.
FOLLOWED_KEYS = (
    "WITH RECURSIVE k(key) AS (SELECT min(key) FROM subscriptions"
    " UNION ALL SELECT (SELECT min(key) FROM subscriptions WHERE key > k.key)"
    " FROM k WHERE k.key IS NOT NULL)"
    " SELECT key FROM k WHERE key IS NOT NULL"
)


log = logging.getLogger(__name__)

_MAX_ID = 2**63 - 1  # above every item id: a search's first page
_FOREVER = 1e18  # after every item's time (unix seconds): a search's first page
_PHRASE_BATCH = 50  # candidates a phrase search reads at a time


def item_search_keys(item: Item) -> list[str]:
    """The keys stored with an item for search (:func:`bot.news.match.search_keys`)."""
    return search_keys(item, default_gazetteer().find(item.text))


def to_timestamp(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def to_datetime(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


def item_from_row(row: Row, regions: Sequence[str] = ()) -> Item:
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
        published_at=to_datetime(row["published_at"]),
        received_at=to_datetime(row["received_at"]),
        lead=bool(row["lead"]),
        source=row["source"],
        link=row["link"],
        guid=row["guid"],
        regions=tuple(regions),
        photo=row["photo"],
        breaking=bool(row["breaking"]),
        corrected_at=to_datetime(row["updated_at"]),  # only a correction sets it
    )


def delivery_from_row(row: Row) -> Delivery:
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


def mark_breaking(deliveries: list[Delivery], breaking: Sequence[int]) -> list[Delivery]:
    """The deliveries, those of a breaking item marked so (the sender sends them alone)."""
    ids = set(breaking)
    return [replace(d, breaking=True) if d.item_id in ids else d for d in deliveries]


class SharedQueries:
    """The operations whose SQL both backends share (a mixin beside storage.base.Store)."""

    followed: FollowedKeys

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Sql]:
        """One write transaction: everything inside commits together or not at all."""

    @abstractmethod
    async def _fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """A read outside any transaction: its first row."""

    @abstractmethod
    async def _fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """A read outside any transaction: every row."""

    @abstractmethod
    async def _enqueue(
        self, tx: Sql, item_id: int, keys: Sequence[str], excepting: Sequence[str] = (),
        *, breaking: bool = False,
    ) -> int:
        """Queue a new item's alerts for every active chat following one of `keys`;
        returns how many rows were queued.  `excepting`: the item's keys that some follow
        leaves out (those follows' chats are left out, unless another follow matches).
        A breaking item's alerts are never held for an overview (a paused chat still
        holds them: its reader asked for silence)."""

    async def _scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = await self._fetchone(sql, params)
        return row[0] if row is not None else None

    async def _followed_keys(self) -> FollowedKeys:
        return FollowedKeys(row[0] for row in await self._fetchall(FOLLOWED_KEYS))

    async def _prepare(self) -> None:
        """At open, after the migrations: the data migrations SQL cannot do, then what
        is followed (keys and what follows leave out)."""
        await self.rekey_follows()
        await self.index_items()
        self.followed = await self._followed_keys()
        await self._load_exceptions()

    async def _load_exceptions(self) -> None:
        """What follows leave out, as keys: into ``excepted`` and ``followed`` (an item's
        keys must report them, so the fan-out can leave those chats out)."""
        for row in await self._fetchall("SELECT DISTINCT except_key FROM follow_exceptions"):
            self.excepted.add(row[0])
            self.followed.add(row[0])

    async def rekey_follows(self) -> int:
        """Move stored keyword follows to the keys of today's matching rules; return how
        many rows changed.

        A data migration that SQL cannot do (the keys come from the lexicon), run at open
        on both backends, in one transaction, recorded in ``meta`` (``match_keys``) so it
        runs once per rules version.  Nothing is lost: a row gets its new key, and a chat
        that followed two forms of one word ("staking", "stakingen": now one key) keeps
        one row.  The chat's alerts move with it, so "Je volgt" and the unfollow button
        of a pending or sent alert still name the follow.  Idempotent, so two processes
        opening one PostgreSQL database at once agree.
        """
        changed = 0
        async with self.transaction() as tx:
            row = await tx.fetchone("SELECT value FROM meta WHERE name = 'match_keys'")
            if row is not None and row[0] == KEYS_VERSION:
                return 0
            rows = await tx.fetchall(
                "SELECT chat_id, thread_id, key, label FROM subscriptions"
                " WHERE key LIKE 'k:%' ORDER BY created_at, chat_id, thread_id"
            )
            for row in rows:
                chat_id, thread, key, label = row[0], row[1], row[2], row[3]
                new = rekey(key, label)
                if new == key:
                    continue
                changed += 1
                if await tx.fetchone(
                    "SELECT 1 FROM subscriptions WHERE chat_id = ? AND thread_id = ? AND key = ?",
                    (chat_id, thread, new),
                ):
                    await tx.execute(
                        "DELETE FROM subscriptions WHERE chat_id = ? AND thread_id = ? AND key = ?",
                        (chat_id, thread, key),
                    )
                else:
                    await tx.execute(
                        "UPDATE subscriptions SET key = ?"
                        " WHERE chat_id = ? AND thread_id = ? AND key = ?",
                        (new, chat_id, thread, key),
                    )
                await tx.execute(
                    "UPDATE deliveries SET key = ? WHERE chat_id = ? AND key = ?",
                    (new, chat_id, key),
                )
            await tx.execute(
                "INSERT INTO meta (name, value) VALUES ('match_keys', ?)"
                " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (KEYS_VERSION,),
            )
        if changed:
            log.info("moved %d keyword follows to the matching rules of version %s",
                     changed, KEYS_VERSION)
        return changed

    async def index_items(self) -> int:
        """Give every stored item the search keys of today's rules, once per rules version
        (meta ``search_keys``): items stored before there was ``item_keys``, or under older
        rules.  Run at open; returns how many items were indexed."""
        if await self._scalar("SELECT value FROM meta WHERE name = 'search_keys'") == (
            KEYS_VERSION
        ):
            return 0
        done, last = 0, 0
        while True:
            batch = await self._items(
                f"SELECT {ITEM_COLUMNS} FROM items AS i WHERE i.id > ? ORDER BY i.id LIMIT 500",
                (last,),
            )
            if not batch:
                break
            async with self.transaction() as tx:
                await self._index_keys(tx, batch)
            done += len(batch)
            last = batch[-1].id or last
        async with self.transaction() as tx:
            await tx.execute(
                "INSERT INTO meta (name, value) VALUES ('search_keys', ?)"
                " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (KEYS_VERSION,),
            )
        if done:
            log.info("indexed %d items for search (matching rules version %s)",
                     done, KEYS_VERSION)
        return done

    @staticmethod
    async def _index_keys(
        tx: Sql, items: Sequence[Item], known: Sequence[str] | None = None
    ) -> None:
        """Store the search keys of items (their old ones, if any, go first); ``known``:
        those of the one item, read already."""
        rows = []
        for item in items:
            assert item.id is not None
            at = to_timestamp(item.published_at or item.received_at) or 0.0
            keys = item_search_keys(item) if known is None else known
            rows += [(key, at, item.id) for key in keys]
        await tx.executemany(
            "DELETE FROM item_keys WHERE item_id = ?", [(item.id,) for item in items]
        )
        await tx.executemany(
            "INSERT INTO item_keys (key, at, item_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            rows,
        )

    # -- chats -----------------------------------------------------------------------------

    async def touch_chat(self, chat_id: int, kind: str, title: str | None = None) -> bool:
        async with self.transaction() as tx:
            row = await tx.fetchone("SELECT active FROM chats WHERE id = ?", (chat_id,))
            await tx.execute(
                "INSERT INTO chats (id, kind, title, created_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, title = excluded.title,"
                " active = 1, inactive_reason = NULL",
                (chat_id, kind, title, time.time()),
            )
        return row is not None and not row["active"]

    async def deactivate_chat(self, chat_id: int, reason: str) -> None:
        await self.record([ChatGone(chat_id, reason)])

    async def chat(self, chat_id: int) -> ChatInfo | None:
        row = await self._fetchone(
            "SELECT id, kind, title, active, quiet_from, quiet_until, overview, overview_due,"
            " overview_at, paused_until"
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
            quiet_from=row["quiet_from"],
            quiet_until=row["quiet_until"],
            overview=row["overview"],
            overview_due=row["overview_due"],
            overview_at=row["overview_at"],
            paused_until=row["paused_until"],
        )

    async def forget_chat(self, chat_id: int) -> int:
        gone: list[str] = []
        try:
            async with self.transaction() as tx:
                rows = await tx.fetchall(
                    "SELECT key FROM subscriptions WHERE chat_id = ?", (chat_id,)
                )
                keys = [row[0] for row in rows]
                await self._follow_events(tx, keys, -1)
                await delete_chat_deliveries(tx, chat_id)
                await tx.execute("DELETE FROM chats WHERE id = ?", (chat_id,))
                gone = await self._forget_unfollowed(tx, keys)
        except BaseException:
            self._refollow(gone)
            raise
        return len(keys)

    async def set_quiet_hours(self, chat_id: int, start: int | None, end: int | None) -> None:
        async with self.transaction() as tx:
            await tx.execute(
                "UPDATE chats SET quiet_from = ?, quiet_until = ? WHERE id = ?",
                (start, end, chat_id),
            )

    # -- items -----------------------------------------------------------------------------

    async def add_items(
        self, entries: Sequence[NewItem | tuple[Item, Sequence[str], Sequence[str]]]
    ) -> list[tuple[Item | None, int]]:
        now = time.time()
        results: list[tuple[Item | None, int]] = []
        async with self.transaction() as tx:
            for entry in entries:
                item, regions, keys, search = NewItem(*entry)
                item_id = await self._insert_item(tx, item, now)
                if item_id is None:
                    results.append((None, 0))
                    continue
                codes = sorted(set(regions))
                await tx.executemany(
                    "INSERT INTO item_regions (item_id, region) VALUES (?, ?)",
                    [(item_id, code) for code in codes],
                )
                queued = await self._enqueue(
                    tx, item_id, keys, [key for key in keys if key in self.excepted],
                    breaking=item.breaking,
                )
                stored = item.with_(id=item_id, regions=tuple(codes), received_at=to_datetime(now))
                await self._index_keys(tx, [stored], search)
                results.append((stored, queued))
        return results

    @staticmethod
    async def _insert_item(tx: Sql, item: Item, now: float) -> int | None:
        # ON CONFLICT DO NOTHING: the same live text or the same feed guid is stored once.
        row = await tx.fetchone(
            "INSERT INTO items (kind, title, body, headings, dateline, agencies, section,"
            " published_at, received_at, lead, source, link, guid, content_hash, photo,"
            " breaking) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING RETURNING id",
            (
                item.kind,
                item.title,
                item.body,
                json.dumps(list(item.headings)),
                item.dateline,
                "/".join(item.agencies),
                item.section,
                to_timestamp(item.published_at),
                now,
                int(item.lead),
                item.source,
                item.link,
                item.guid,
                item.content_hash(),
                item.photo,
                int(item.breaking),
            ),
        )
        return int(row[0]) if row is not None else None

    async def has_guid(self, source: str, guid: str) -> bool:
        row = await self._fetchone(
            "SELECT 1 FROM items WHERE source = ? AND guid = ?", (source, guid)
        )
        return row is not None

    async def guid_item(self, source: str, guid: str) -> Item | None:
        found = await self._items(
            f"SELECT {ITEM_COLUMNS} FROM items AS i"
            " WHERE i.source = ? AND i.guid = ? AND i.retracted = 0",
            (source, guid),
        )
        return found[0] if found else None

    async def _regions(self, ids: Sequence[int]) -> dict[int, list[str]]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        found: dict[int, list[str]] = {i: [] for i in ids}
        for row in await self._fetchall(
            f"SELECT item_id, region FROM item_regions WHERE item_id IN ({marks})"
            " ORDER BY region",
            ids,
        ):
            found[row["item_id"]].append(row["region"])
        return found

    async def _items(self, sql: str, params: Sequence[Any] = ()) -> list[Item]:
        """Items from a query selecting ITEM_COLUMNS, with their regions."""
        rows = await self._fetchall(sql, params)
        regions = await self._regions([row["id"] for row in rows])
        return [item_from_row(row, regions[row["id"]]) for row in rows]

    async def item(self, item_id: int, *, live: bool = False) -> Item | None:
        where = "i.id = ? AND i.retracted = 0" if live else "i.id = ?"
        found = await self._items(f"SELECT {ITEM_COLUMNS} FROM items AS i WHERE {where}",
                                  (item_id,))
        return found[0] if found else None

    async def lead(self) -> Item | None:
        found = await self._items(
            f"SELECT {ITEM_COLUMNS} FROM items AS i WHERE i.lead = 1 AND i.retracted = 0"
            " ORDER BY i.received_at DESC, i.id DESC LIMIT 1"
        )
        return found[0] if found else None

    async def newest(self, limit: int, kind: str | None = None) -> list[Item]:
        where = "i.retracted = 0" + (" AND i.kind = ?" if kind else "")
        params: list[Any] = [kind] if kind else []
        return await self._items(
            f"SELECT {ITEM_COLUMNS} FROM items AS i WHERE {where}"
            " ORDER BY coalesce(i.published_at, i.received_at) DESC, i.id DESC LIMIT ?",
            [*params, limit],
        )

    async def sections(self, limit: int = 20) -> list[str]:
        rows = await self._fetchall(
            "SELECT section FROM items WHERE retracted = 0 AND section IS NOT NULL"
            " AND section != '' GROUP BY section ORDER BY count(*) DESC, section LIMIT ?",
            (limit,),
        )
        found = [str(row[0]) for row in rows]
        # Every breaking item is in the breaking-news section, whatever its own section.
        if BREAKING not in found and await self._fetchall(
            "SELECT 1 FROM items WHERE breaking = 1 AND retracted = 0 LIMIT 1", ()
        ):
            found.insert(0, BREAKING)
        return found

    async def in_section(self, names: Sequence[str], limit: int) -> list[Item]:
        if not names:
            return []
        marks = ", ".join("?" * len(names))
        return await self._items(
            f"SELECT {ITEM_COLUMNS} FROM items AS i WHERE (i.section IN ({marks})"
            f"{' OR i.breaking = 1' if BREAKING in names else ''}) AND i.retracted = 0"
            " ORDER BY coalesce(i.published_at, i.received_at) DESC, i.id DESC LIMIT ?",
            [*names, limit],
        )

    async def count_items(self) -> int:
        return int(await self._scalar("SELECT count(*) FROM items"))

    async def correct_item(self, item: Item, regions: Sequence[str]) -> bool:
        assert item.id is not None
        async with self.transaction() as tx:
            if await tx.fetchone(
                "SELECT id FROM items WHERE content_hash = ? AND id != ? AND retracted = 0",
                (item.content_hash(), item.id),
            ):
                return False
            await tx.execute(
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
            await self._index_keys(tx, [item])
            await tx.execute("DELETE FROM item_regions WHERE item_id = ?", (item.id,))
            await tx.executemany(
                "INSERT INTO item_regions (item_id, region) VALUES (?, ?)",
                [(item.id, code) for code in sorted(set(regions))],
            )
        return True

    async def retract_item(self, item_id: int) -> int:
        # The sender drops a retracted item's alerts itself once it knows, so rows
        # dropped or failed before count as never reaching a chat too.
        async with self.transaction() as tx:
            await tx.execute("UPDATE items SET retracted = 1 WHERE id = ?", (item_id,))
            await tx.execute(
                "UPDATE deliveries SET status = 'dropped', error = 'ingetrokken'"
                " WHERE item_id = ? AND (status = 'pending' OR status = 'held')",
                (item_id,),
            )
            row = await tx.fetchone(
                "SELECT count(*) FROM deliveries WHERE item_id = ?"
                " AND (status = 'pending' OR status NOT IN ('pending', 'sent'))",
                (item_id,),
            )
            return int(row[0]) if row else 0

    async def sent_alerts(self, item_id: int, since: float = 0.0) -> list[SentAlert]:
        rows = await self._fetchall(
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

    # -- subscriptions ---------------------------------------------------------------------

    async def set_channel(self, chat_id: int | None, title: str | None = None) -> None:
        # The chat that followed everything before has its pending posts dropped by the
        # sender, as for an unfollow.
        async with self.transaction() as tx:
            await tx.execute(
                "DELETE FROM subscriptions WHERE key = ? AND chat_id != ?",
                (ALL_KEY, chat_id if chat_id is not None else 0),
            )
            if chat_id is None:
                return
            await tx.execute(
                "INSERT INTO chats (id, kind, title, created_at) VALUES (?, 'channel', ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, title = excluded.title,"
                " active = 1, inactive_reason = NULL",
                (chat_id, title, time.time()),
            )
            await tx.execute(
                "INSERT INTO subscriptions (chat_id, thread_id, key, label, created_at)"
                " VALUES (?, 0, ?, ?, ?) ON CONFLICT DO NOTHING",
                (chat_id, ALL_KEY, "al het nieuws", time.time()),
            )
        self.followed.add(ALL_KEY)

    async def unsubscribe(self, chat_id: int, key: str, *, thread: int = 0) -> str | None:
        gone: list[str] = []
        try:
            async with self.transaction() as tx:
                row = await tx.fetchone(
                    "DELETE FROM subscriptions WHERE chat_id = ? AND thread_id = ? AND key = ?"
                    " RETURNING label",
                    (chat_id, thread, key),
                )
                if row is not None:
                    await self._follow_events(tx, [key], -1)
                    gone = await self._forget_unfollowed(tx, [key])
        except BaseException:
            self._refollow(gone)
            raise
        return str(row["label"]) if row else None

    async def unsubscribe_all(self, chat_id: int, *, thread: int = 0) -> int:
        gone: list[str] = []
        try:
            async with self.transaction() as tx:
                rows = await tx.fetchall(
                    "DELETE FROM subscriptions WHERE chat_id = ? AND thread_id = ? RETURNING key",
                    (chat_id, thread),
                )
                keys = [row[0] for row in rows]
                await self._follow_events(tx, keys, -1)
                gone = await self._forget_unfollowed(tx, keys)
        except BaseException:
            self._refollow(gone)
            raise
        return len(keys)

    @staticmethod
    async def _follow_events(tx: Sql, keys: Sequence[str], delta: int) -> None:
        """Record follows gained (+1) or lost (-1), in the transaction that made them."""
        now = time.time()
        rows = [(now, key, delta) for key in keys if key != ALL_KEY]
        if rows:
            await tx.executemany(
                "INSERT INTO follow_events (at, key, delta) VALUES (?, ?, ?)", rows
            )

    async def _breaking_ids(self) -> list[int]:
        """The newest breaking items (a small index): where the sender looks first."""
        rows = await self._fetchall(
            "SELECT id FROM items WHERE breaking = 1 ORDER BY id DESC LIMIT ?",
            (BREAKING_CANDIDATES,),
        )
        return [int(row[0]) for row in rows]

    async def recent_items(self, limit: int) -> list[Item]:
        return await self._items(
            f"SELECT {ITEM_COLUMNS} FROM items AS i WHERE i.retracted = 0"
            " ORDER BY i.id DESC LIMIT ?",
            (limit,),
        )

    async def reaches(self, item_ids: Sequence[int]) -> dict[int, Reach]:
        # The outbox's key (SQLite) or its two partial indexes (PostgreSQL) start with the
        # item: one range read per item.
        if not item_ids:
            return {}
        found: dict[int, dict[str, Any]] = {
            item_id: {"failed": {}, "last": None, "stored": None} for item_id in item_ids
        }
        marks = ", ".join("?" for _ in item_ids)
        for row in await self._fetchall(
            f"SELECT id, received_at FROM items WHERE id IN ({marks})", list(item_ids)
        ):
            found[int(row[0])]["stored"] = row[1]
        for row in await self._fetchall(
            "SELECT item_id, status, coalesce(error, '') AS error, count(*) AS n,"
            f" max(sent_at) AS last FROM deliveries WHERE item_id IN ({marks})"
            " AND (status = 'pending' OR status <> 'pending')"  # see storage/outbox.py
            " GROUP BY item_id, status, coalesce(error, '')",
            list(item_ids),
        ):
            figures = found[int(row["item_id"])]
            status, n = row["status"], int(row["n"])
            if status in ("failed", "dropped"):  # a blocked chat's alert is 'dropped'
                reason = row["error"] or "onbekend"
                figures["failed"][reason] = figures["failed"].get(reason, 0) + n
            else:
                figures[status] = figures.get(status, 0) + n
            if status == "sent" and row["last"] is not None:
                figures["last"] = max(figures["last"] or 0.0, float(row["last"]))
        reaches = {}
        for item_id, f in found.items():
            counts = {k: f.get(k, 0) for k in ("sent", "pending", "held", "expired")}
            reaches[item_id] = Reach(
                item_id=item_id,
                matched=sum(counts.values()) + sum(f["failed"].values()),
                failed=dict(f["failed"]),
                stored_at=f["stored"],
                last_sent_at=f["last"],
                **counts,
            )
        return reaches

    async def follow_figures(self, since: float, limit: int = 10) -> FollowFigures:
        top = await self._fetchall(
            "SELECT max(label) AS label, count(*) AS n FROM subscriptions WHERE key != ?"
            " GROUP BY key ORDER BY n DESC, key LIMIT ?",
            (ALL_KEY, limit),
        )
        row = await self._fetchone(
            "SELECT coalesce(sum(CASE WHEN delta > 0 THEN 1 ELSE 0 END), 0) AS gained,"
            " coalesce(sum(CASE WHEN delta < 0 THEN 1 ELSE 0 END), 0) AS lost"
            " FROM follow_events WHERE at >= ?",
            (since,),
        )
        assert row is not None
        return FollowFigures(
            top=[(str(r["label"]), int(r["n"])) for r in top],
            gained=int(row["gained"]),
            lost=int(row["lost"]),
        )

    # -- pauses ----------------------------------------------------------------------------

    async def set_pause(self, chat_id: int, until: float | None) -> int:
        # Paused, the chat's pending alerts are held (and new ones are queued held) in the
        # same transaction; ended, its held alerts are released at once unless the chat
        # has an overview (they wait for it).
        async with self.transaction() as tx:
            row = await tx.fetchone(
                "UPDATE chats SET paused_until = ? WHERE id = ? RETURNING overview",
                (until, chat_id),
            )
            if row is None:
                return 0
            if until is not None:
                return await tx.execute(
                    "UPDATE deliveries SET status = 'held'"
                    " WHERE status = 'pending' AND chat_id = ?",
                    (chat_id,),
                )
            if row[0] is None:
                return await tx.execute(
                    "UPDATE deliveries SET status = 'pending', not_before = 0"
                    " WHERE status = 'held' AND chat_id = ?",
                    (chat_id,),
                )
            return 0

    async def end_pauses(self, now: float) -> list[int]:
        async with self.transaction() as tx:
            ended = await tx.fetchall(
                "UPDATE chats SET paused_until = NULL"
                " WHERE paused_until IS NOT NULL AND paused_until <= ? RETURNING id, overview",
                (now,),
            )
            released = []
            for row in ended:
                if row[1] is not None:
                    continue
                if await tx.execute(
                    "UPDATE deliveries SET status = 'pending', not_before = 0"
                    " WHERE status = 'held' AND chat_id = ?",
                    (row[0],),
                ):
                    released.append(int(row[0]))
        return released

    async def next_pause_end(self) -> float | None:
        value = await self._scalar(
            "SELECT min(paused_until) FROM chats WHERE paused_until IS NOT NULL"
        )
        return float(value) if value is not None else None

    async def _forget_unfollowed(self, tx: Sql, keys: Sequence[str]) -> list[str]:
        """Drop from `followed` the keys no chat follows any more (one index probe each);
        returns them.

        Called inside the write transaction, so a /volg of the same key by another chat
        cannot slip in between the check and the discard.  If the transaction fails after
        all, the caller puts them back with :meth:`_refollow` (a superset is harmless, a
        missing key loses alerts).
        """
        gone = []
        for key in keys:
            still = await tx.fetchone("SELECT 1 FROM subscriptions WHERE key = ? LIMIT 1", (key,))
            if still is None:
                gone.append(key)
        gone = [key for key in gone if key not in self.excepted]  # still left out somewhere
        for key in gone:
            self.followed.discard(key)
        return gone

    async def _refollow_with(
        self, tx: Sql, chat_id: int, thread: int, key: str, label: str,
        excluding: Sequence[str],
    ) -> bool:
        """For a follow the chat has: whether following it with these exclusions changed
        it (they are then stored, with the new label)."""
        rows = await tx.fetchall(
            "SELECT except_key FROM follow_exceptions"
            " WHERE chat_id = ? AND thread_id = ? AND key = ?",
            (chat_id, thread, key),
        )
        if {row[0] for row in rows} == set(excluding):
            return False
        await tx.execute(
            "UPDATE subscriptions SET label = ? WHERE chat_id = ? AND thread_id = ? AND key = ?",
            (label, chat_id, thread, key),
        )
        await self._set_exceptions(tx, chat_id, thread, key, excluding)
        return True

    async def _set_exceptions(
        self, tx: Sql, chat_id: int, thread: int, key: str, excluding: Sequence[str]
    ) -> None:
        await tx.execute(
            "DELETE FROM follow_exceptions WHERE chat_id = ? AND thread_id = ? AND key = ?",
            (chat_id, thread, key),
        )
        await tx.executemany(
            "INSERT INTO follow_exceptions (chat_id, thread_id, key, except_key)"
            " VALUES (?, ?, ?, ?)",
            [(chat_id, thread, key, left_out) for left_out in dict.fromkeys(excluding)],
        )
        for left_out in excluding:
            self.excepted.add(left_out)
            self.followed.add(left_out)

    # -- /zoek, /laatste <term>, inline mode ----------------------------------------------

    async def search(
        self, key: str, limit: int, offset: int = 0, *, before: int | None = None,
        excluding: Sequence[str] = (),
    ) -> list[Item]:
        """Items a follow of ``key`` would alert on (``resolve`` of what the reader typed),
        newest first by their time (publication, else receipt), never retracted ones.

        Looked up in ``item_keys``, the keys stored with each item (``search_keys``): no
        text a reader types is ever query syntax, and both backends answer alike.  A phrase
        finds the items holding each of its words' keys (or the phrase itself, from a
        compound) and keeps those where :func:`matches` sees it.  ``before`` pages by
        cursor: items older than that item (by time, then id).  ``excluding``: what the
        follow leaves out (``Ajax -transfer``); a left-out phrase is checked per item.
        """
        at, last = await self._cursor(before)
        parts = phrase_parts(key)
        if excluding:
            found = await self._search(key, parts, limit + offset, at, last, excluding)
            left_out = [k for k in excluding if phrase_parts(k)]
            found = [i for i in found if not any(matches(i, k) for k in left_out)]
            return found[offset : offset + limit]
        return await self._search(key, parts, limit, at, last, (), offset)

    async def _search(
        self, key: str, parts: list[str], limit: int, at: float, last: int,
        excluding: Sequence[str], offset: int = 0,
    ) -> list[Item]:
        words_out = [k for k in excluding if not phrase_parts(k)]
        leave_out = ""
        if words_out:
            leave_out = (
                " AND NOT EXISTS (SELECT 1 FROM item_keys AS x WHERE x.item_id = i.id"
                f" AND x.key IN ({', '.join('?' * len(words_out))}))"
            )
        if not parts:
            return await self._items(
                f"SELECT {ITEM_COLUMNS} FROM item_keys AS k JOIN items AS i ON i.id = k.item_id"
                " WHERE k.key = ? AND (k.at < ? OR (k.at = ? AND k.item_id < ?))"
                f" AND i.retracted = 0{leave_out}"
                " ORDER BY k.at DESC, k.item_id DESC LIMIT ? OFFSET ?",
                (key, at, at, last, *words_out, limit, offset),
            )
        found: list[Item] = []
        skip = offset
        marks = ", ".join("?" * len(parts))
        while True:
            batch = await self._items(
                f"SELECT {ITEM_COLUMNS} FROM items AS i WHERE i.retracted = 0 AND i.id IN ("
                " SELECT item_id FROM item_keys WHERE key = ? UNION"
                f" SELECT item_id FROM item_keys WHERE key IN ({marks})"
                " GROUP BY item_id HAVING count(*) = ?)"
                " AND (coalesce(i.published_at, i.received_at) < ?"
                f" OR (coalesce(i.published_at, i.received_at) = ? AND i.id < ?)){leave_out}"
                " ORDER BY coalesce(i.published_at, i.received_at) DESC, i.id DESC LIMIT ?",
                (key, *parts, len(parts), at, at, last, *words_out, _PHRASE_BATCH),
            )
            for item in batch:
                if not matches(item, key):
                    continue
                if skip:
                    skip -= 1
                    continue
                found.append(item)
                if len(found) == limit:
                    return found
            if len(batch) < _PHRASE_BATCH:
                return found
            tail = batch[-1]
            at = to_timestamp(tail.published_at or tail.received_at) or 0.0
            last = tail.id or 0

    async def _cursor(self, before: int | None) -> tuple[float, int]:
        """(time, id) strictly after which a page starts: the item ``before``'s."""
        if before is None:
            return _FOREVER, _MAX_ID
        at = await self._scalar(
            "SELECT coalesce(published_at, received_at) FROM items WHERE id = ?", (before,)
        )
        return (_FOREVER if at is None else float(at)), before

    def _refollow(self, keys: Sequence[str]) -> None:
        for key in keys:
            self.followed.add(key)

    async def subscriptions(self, chat_id: int, *, thread: int = 0) -> list[Subscription]:
        rows = await self._fetchall(
            "SELECT key, label, direct FROM subscriptions WHERE chat_id = ? AND thread_id = ?"
            " ORDER BY created_at, key",
            (chat_id, thread),
        )
        excluding: dict[str, list[str]] = {}
        if self.excepted:  # only when some follow leaves something out
            for row in await self._fetchall(
                "SELECT key, except_key FROM follow_exceptions"
                " WHERE chat_id = ? AND thread_id = ? ORDER BY except_key",
                (chat_id, thread),
            ):
                excluding.setdefault(row[0], []).append(row[1])
        return [
            Subscription(
                row["key"], row["label"], bool(row["direct"]),
                tuple(excluding.get(row["key"], ())),
            )
            for row in rows
        ]

    async def set_direct(self, chat_id: int, key: str, direct: bool, *, thread: int = 0) -> bool:
        async with self.transaction() as tx:
            changed = await tx.execute(
                "UPDATE subscriptions SET direct = ?"
                " WHERE chat_id = ? AND thread_id = ? AND key = ?",
                (int(direct), chat_id, thread, key),
            )
            if changed == 0:
                return False
            if direct:
                await tx.execute(
                    "UPDATE deliveries SET status = 'pending'"
                    " WHERE status = 'held' AND chat_id = ? AND thread_id = ? AND key = ?",
                    (chat_id, thread, key),
                )
        return True

    # -- overviews -------------------------------------------------------------------------

    async def set_overview(self, chat_id: int, rhythm: str | None, due: float | None) -> int:
        async with self.transaction() as tx:
            await tx.execute(
                "UPDATE chats SET overview = ?, overview_due = ? WHERE id = ?",
                (rhythm, due, chat_id),
            )
            if rhythm is not None:
                return 0
            return await tx.execute(
                "UPDATE deliveries SET status = 'pending' WHERE status = 'held' AND chat_id = ?",
                (chat_id,),
            )

    async def held_count(self, chat_id: int) -> int:
        return int(await self._scalar(
            "SELECT count(*) FROM deliveries WHERE status = 'held' AND chat_id = ?", (chat_id,)
        ))

    async def next_overview_due(self) -> float | None:
        value = await self._scalar(
            "SELECT min(overview_due) FROM chats WHERE overview_due IS NOT NULL"
        )
        return float(value) if value is not None else None

    async def release_due_overviews(
        self, now: float, next_due: Callable[[str, float], float | None], limit: int = 1000
    ) -> tuple[list[int], int]:
        released: list[int] = []
        async with self.transaction() as tx:
            due = await tx.fetchall(
                "SELECT id, overview, overview_due, paused_until FROM chats"
                " WHERE overview_due IS NOT NULL AND overview_due <= ? AND active = 1"
                " ORDER BY overview_due LIMIT ?",
                (now, limit),
            )
            for row in due:
                following = next_due(row["overview"], now) if row["overview"] else None
                if row["paused_until"] is not None:
                    # Paused: this overview is skipped; what it held waits for the next.
                    await tx.execute(
                        "UPDATE chats SET overview_due = ? WHERE id = ?", (following, row["id"])
                    )
                    continue
                changed = await tx.execute(
                    "UPDATE deliveries SET status = 'pending', not_before = 0"
                    " WHERE status = 'held' AND chat_id = ?",
                    (row["id"],),
                )
                if changed:
                    released.append(row["id"])
                    await tx.execute(
                        "UPDATE chats SET overview_due = ?, overview_at = ? WHERE id = ?",
                        (following, row["overview_due"], row["id"]),
                    )
                else:
                    await tx.execute(
                        "UPDATE chats SET overview_due = ? WHERE id = ?", (following, row["id"])
                    )
        return released, len(due)

    async def bundle(self, chat_id: int, message_id: int) -> Bundle | None:
        row = await self._fetchone(
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
        rows = await self._fetchall(
            "SELECT d.item_id, d.key, coalesce(s.label, '') AS label FROM deliveries AS d"
            " LEFT JOIN subscriptions AS s"
            " ON s.chat_id = d.chat_id AND s.thread_id = d.thread_id AND s.key = d.key"
            " WHERE d.chat_id = ? AND d.message_id = ? AND d.status = 'sent'"
            " ORDER BY d.item_id DESC",
            (chat_id, message_id),
        )
        return [MessageItem(row["item_id"], row["key"], row["label"]) for row in rows]

    # -- the outbox ------------------------------------------------------------------------

    async def record(self, outcomes: Sequence[Outcome]) -> None:
        if not outcomes:
            return
        # One executemany per kind of row update: at the paid rate a statement (and a
        # round trip) per outcome makes flushes fall behind the sends.  Row updates go
        # first, so a chat's rows are marked before the chat moves.
        batches: dict[str, list[tuple[Any, ...]]] = {}
        others: list[Outcome] = []
        for outcome in outcomes:
            if isinstance(outcome, RowOutcome):
                batches.setdefault(outcome.SQL, []).append(outcome.params())
            else:
                others.append(outcome)
        async with self.transaction() as tx:
            for sql, rows in batches.items():
                await tx.executemany(sql, rows)
            for outcome in others:
                await outcome.apply(tx)

    async def expire_alerts(self, queued_before: float, reason: str) -> int:
        # An alert's rows are made with its item, so the item's arrival is the alert's age.
        async with self.transaction() as tx:
            return await tx.execute(
                "UPDATE deliveries SET status = 'expired', error = ?"
                " WHERE status = 'pending'"
                " AND item_id IN (SELECT id FROM items WHERE received_at < ?)",
                (reason, queued_before),
            )

    async def next_retry_at(self) -> float | None:
        value = await self._scalar(
            "SELECT min(not_before) FROM deliveries WHERE status = 'pending' AND not_before > 0"
        )
        return float(value) if value is not None else None

    async def pending_summary(self) -> tuple[int, float | None]:
        # Item ids grow with time, so the oldest pending alert is the lowest item id in
        # the pending index: one index seek and one row, not a join over every pending row.
        row = await self._fetchone(
            "SELECT count(*), min(item_id) FROM deliveries WHERE status = 'pending'"
        )
        assert row is not None
        pending, oldest_item = int(row[0]), row[1]
        if oldest_item is None:
            return pending, None
        received = await self._scalar("SELECT received_at FROM items WHERE id = ?", (oldest_item,))
        return pending, float(received) if received is not None else None

    async def delivery_counts(self, chat_id: int | None = None) -> dict[str, int]:
        if chat_id is None:
            rows = await self._fetchall("SELECT status, count(*) FROM deliveries GROUP BY status")
        else:
            rows = await self._fetchall(
                "SELECT status, count(*) FROM deliveries WHERE chat_id = ? GROUP BY status",
                (chat_id,),
            )
        return {row[0]: int(row[1]) for row in rows}

    async def chat_deliveries(self, chat_id: int) -> list[DeliveryRecord]:
        rows = await self._fetchall(
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

    # -- figures and small values ----------------------------------------------------------

    async def population(self) -> dict[str, int]:
        names = ("pending", "subscriptions", "chats_active", "chats_inactive")
        row = await self._fetchone(
            "SELECT"
            " (SELECT count(*) FROM deliveries WHERE status = 'pending'),"
            " (SELECT count(*) FROM subscriptions),"
            " (SELECT count(*) FROM chats WHERE active = 1),"
            " (SELECT count(*) FROM chats WHERE active = 0)"
        )
        assert row is not None
        return {name: int(row[n]) for n, name in enumerate(names)}

    async def stats(self, since: float) -> dict[str, int]:
        names = ("subscribers", "subscriptions", "active", "inactive", "pending", "sent",
                 "failed", "expired", "items", "rate_limited")
        row = await self._fetchone(
            "SELECT"
            " (SELECT count(DISTINCT chat_id) FROM subscriptions),"
            " (SELECT count(*) FROM subscriptions),"
            " (SELECT count(*) FROM chats WHERE active = 1),"
            " (SELECT count(*) FROM chats WHERE active = 0),"
            " (SELECT count(*) FROM deliveries WHERE status = 'pending'),"
            " (SELECT count(*) FROM deliveries WHERE status = 'sent' AND sent_at >= ?),"
            " (SELECT count(*) FROM deliveries WHERE status = 'failed'),"
            " (SELECT count(*) FROM deliveries WHERE status = 'expired'),"
            " (SELECT count(*) FROM items),"
            " (SELECT coalesce(max(value), 0) FROM counters WHERE name = '429')",
            (since,),
        )
        assert row is not None
        return {name: int(row[n]) for n, name in enumerate(names)}

    async def counter(self, name: str) -> int:
        return int(await self._scalar("SELECT value FROM counters WHERE name = ?", (name,)) or 0)

    async def keep(self, name: str, value: str) -> str:
        async with self.transaction() as tx:
            await tx.execute(
                "INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                (name, value),
            )
            row = await tx.fetchone("SELECT value FROM meta WHERE name = ?", (name,))
        assert row is not None
        return str(row[0])

