"""The outbox: one row per (item, chat) alert, and what the sender learns about each.

`Delivery` is a pending alert as the sender reads it; the `Outcome` classes are what the
sender learnt (sent, retry later, failed, the chat is gone or moved), each with the SQL
that writes it down, in the dialect both backends share (storage/sql.py).
`Store.record` writes a batch of them in one transaction, one executemany per kind of
row update.

A row is found by (item, chat, thread) and its status: SQLite reads its primary key;
PostgreSQL's outbox has no primary key (a fan-out writes one index, not two) but a
partial index for pending rows and one for the rest, so a statement that means any
status says ``(status = 'pending' OR status <> 'pending')``: one arm per index.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from storage.sql import Sql

# (item_id, chat_id, thread_id): the outbox's primary key; thread 0 is the whole chat,
# else a forum topic's message_thread_id.
DeliveryId = tuple[int, int, int]


@dataclass(frozen=True)
class Delivery:
    """One pending alert, with what the sender needs to render and send it."""

    item_id: int
    chat_id: int
    chat_active: bool
    key: str
    label: str | None  # None: the chat no longer follows what matched
    attempts: int
    quiet_from: int | None
    quiet_until: int | None
    # Set while the chat's overview is on its way: the moment it is for (unix time).
    overview_at: float | None = None
    # The chat's other pending alerts, sent in the same message (bot/delivery/plan.py).
    others: tuple[Delivery, ...] = ()
    thread_id: int = 0  # a forum topic's message_thread_id; 0: the chat itself
    # An editor's breaking item (/breaking): it goes before every other alert and alone.
    breaking: bool = False

    @property
    def id(self) -> DeliveryId:
        return (self.item_id, self.chat_id, self.thread_id)



class Outcome:
    """Something the sender learnt about one delivery or chat, to be written down."""

    async def apply(self, tx: Sql) -> None:
        raise NotImplementedError


class RowOutcome(Outcome):
    """An outcome that is one parameterised statement, so many can go in one executemany."""

    SQL: ClassVar[str]

    def params(self) -> tuple[Any, ...]:
        raise NotImplementedError

    async def apply(self, tx: Sql) -> None:
        await tx.execute(self.SQL, self.params())


@dataclass(frozen=True)
class Sent(RowOutcome):
    delivery_id: DeliveryId
    message_id: int
    at: float

    SQL: ClassVar[str] = (
        "UPDATE deliveries SET status = 'sent', message_id = ?, sent_at = ?, error = NULL"
        # A row still waiting, or one a retraction dropped meanwhile (in another process:
        # the alert did reach the chat, and recorded as sent it will be deleted); never
        # a failed or already recorded one.
        " WHERE item_id = ? AND chat_id = ? AND thread_id = ?"
        " AND (status = 'pending' OR status = 'dropped')"
    )

    def params(self) -> tuple[Any, ...]:
        return (self.message_id, self.at, *self.delivery_id)


@dataclass(frozen=True)
class Retry(RowOutcome):
    delivery_id: DeliveryId
    attempts: int
    not_before: float
    error: str

    SQL: ClassVar[str] = (
        "UPDATE deliveries SET attempts = ?, not_before = ?, error = ?"
        " WHERE item_id = ? AND chat_id = ? AND thread_id = ? AND status = 'pending'"
    )

    def params(self) -> tuple[Any, ...]:
        return (self.attempts, self.not_before, self.error, *self.delivery_id)


class Reason(StrEnum):
    """Why an alert ended without reaching its chat: what metrics, /stats and logs read.

    The outbox row's status follows from it (:attr:`status`); the row's `error` keeps the
    words (Telegram's description, or a short Dutch note) for a person reading it.
    """

    BLOCKED = "blocked"  # 403: blocked by the user, kicked, user deactivated
    GONE = "gone"  # 400 chat not found
    RIGHTS = "rights"  # 400 not enough rights to post (a channel or group took them)
    TOPIC_GONE = "topic_gone"  # 400 message thread not found: the forum topic was deleted
    INACTIVE = "inactive"  # the chat went dormant after the row was queued
    STOPPED = "stopped"  # /stop, or the chat was paused, while the alert waited
    RETRACTED = "retracted"  # the item was taken back
    UNFOLLOWED = "unfollowed"  # the chat no longer follows anything the item matches
    EXPIRED = "expired"  # older than NEWSBOT_ALERT_MAX_AGE before it could go
    GAVE_UP = "gave_up"  # the chat's own failures, after the bounded attempts
    REJECTED = "rejected"  # any other 400: Telegram refused the message itself

    @property
    def status(self) -> str:
        """The outbox row's status: 'expired', 'failed' (gave up, rejected) or 'dropped'."""
        if self is Reason.EXPIRED:
            return "expired"
        if self in (Reason.GAVE_UP, Reason.REJECTED):
            return "failed"
        return "dropped"

    @property
    def chat_gone(self) -> bool:
        """The chat itself can no longer be written to (it goes dormant)."""
        return self in (Reason.BLOCKED, Reason.GONE, Reason.RIGHTS)


@dataclass(frozen=True)
class Failed(RowOutcome):
    delivery_id: DeliveryId
    reason: Reason
    error: str

    SQL: ClassVar[str] = (
        "UPDATE deliveries SET status = ?, error = ?"
        " WHERE item_id = ? AND chat_id = ? AND thread_id = ?"
        " AND (status = 'pending' OR status <> 'pending')"
    )

    @property
    def status(self) -> str:
        return self.reason.status

    def params(self) -> tuple[Any, ...]:
        return (self.status, self.error, *self.delivery_id)


@dataclass(frozen=True)
class ChatGone(Outcome):
    """403 or 'chat not found': the chat goes dormant.

    Its pending alerts are dropped by the sender as it reaches them (it sees the chat is
    inactive): finding them here would mean a scan of the outbox for every blocked reader.
    """

    chat_id: int
    reason: str

    async def apply(self, tx: Sql) -> None:
        await tx.execute(
            "UPDATE chats SET active = 0, inactive_reason = ? WHERE id = ?",
            (self.reason, self.chat_id),
        )


@dataclass(frozen=True)
class TopicGone(Outcome):
    """'message thread not found': the forum topic was deleted, so its subscriptions go.

    Its other pending alerts then have no subscription and are dropped as reached.
    """

    chat_id: int
    thread_id: int

    async def apply(self, tx: Sql) -> None:
        await tx.execute(
            "DELETE FROM subscriptions WHERE chat_id = ? AND thread_id = ?",
            (self.chat_id, self.thread_id),
        )


@dataclass(frozen=True)
class ChatMoved(Outcome):
    """A group became a supergroup: its data moves to the new id."""

    old_id: int
    new_id: int

    async def apply(self, tx: Sql) -> None:
        exists = await tx.fetchone("SELECT 1 FROM chats WHERE id = ?", (self.new_id,)) is not None
        if not exists:
            # ON UPDATE CASCADE carries the subscriptions along; the outbox has no keys.
            await tx.execute(
                "UPDATE chats SET id = ?, kind = 'supergroup' WHERE id = ?",
                (self.new_id, self.old_id),
            )
            await move_chat_deliveries(tx, self.old_id, self.new_id)
            return
        # The new chat already spoke to us: merge into it, then drop the old one.
        await tx.execute(
            "INSERT INTO subscriptions (chat_id, thread_id, key, label, created_at)"
            " SELECT ?, thread_id, key, label, created_at FROM subscriptions WHERE chat_id = ?"
            " ON CONFLICT DO NOTHING",
            (self.new_id, self.old_id),
        )
        await move_chat_deliveries(tx, self.old_id, self.new_id)
        # Rows the new chat already had for the same item stay behind: drop them.
        await delete_chat_deliveries(tx, self.old_id)
        await tx.execute("DELETE FROM chats WHERE id = ?", (self.old_id,))


@dataclass(frozen=True)
class Bundled(RowOutcome):
    """A message that carries several alerts (its rows are `Sent` with its message_id)."""

    chat_id: int
    message_id: int
    kind: str  # 'combined' or 'overview'
    at: float | None  # the overview's moment
    part: int
    silent: bool
    sent_at: float

    SQL: ClassVar[str] = (
        "INSERT INTO bundles (chat_id, message_id, kind, at, part, silent, sent_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, message_id) DO UPDATE SET"
        " kind = excluded.kind, at = excluded.at, part = excluded.part,"
        " silent = excluded.silent, sent_at = excluded.sent_at"
    )

    def params(self) -> tuple[Any, ...]:
        return (self.chat_id, self.message_id, self.kind, self.at, self.part,
                int(self.silent), self.sent_at)


@dataclass(frozen=True)
class OverviewSent(RowOutcome):
    """The chat's overview went out: what arrives now waits for the next one."""

    chat_id: int
    at: float

    SQL: ClassVar[str] = "UPDATE chats SET overview_at = NULL WHERE id = ? AND overview_at = ?"

    def params(self) -> tuple[Any, ...]:
        return (self.chat_id, self.at)


@dataclass(frozen=True)
class Count(RowOutcome):
    name: str
    amount: int = 1

    SQL: ClassVar[str] = (
        "INSERT INTO counters (name, value) VALUES (?, ?)"
        " ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value"
    )

    def params(self) -> tuple[Any, ...]:
        return (self.name, self.amount)


# The outbox has no index on chat_id for pending rows (it would slow every fan-out);
# a chat's pending rows are found through the pending index, its history through
# deliveries_chat_done.  Both are rare: /stop and group migrations.

async def delete_chat_deliveries(tx: Sql, chat_id: int) -> None:
    await tx.execute(
        "DELETE FROM deliveries WHERE status = 'pending' AND chat_id = ?", (chat_id,)
    )
    await tx.execute(
        "DELETE FROM deliveries WHERE status != 'pending' AND chat_id = ?", (chat_id,)
    )
    await tx.execute("DELETE FROM bundles WHERE chat_id = ?", (chat_id,))


async def move_chat_deliveries(tx: Sql, old_id: int, new_id: int) -> None:
    # Rows the new chat already has for an item stay where they are (SQLite's UPDATE OR
    # IGNORE, written so that PostgreSQL reads it too).  Message ids are per chat: an
    # alert sent to the old group is no message of the new supergroup, so a moved sent
    # row loses its id (a later correction or retraction must not touch whatever
    # message carries that number there); the history row stays.
    for where, message_id in (("status = 'pending'", ""), ("status != 'pending'",
                                                            ", message_id = NULL")):
        await tx.execute(
            f"UPDATE deliveries SET chat_id = ?{message_id} WHERE {where} AND chat_id = ?"
            " AND NOT EXISTS (SELECT 1 FROM deliveries AS d"
            " WHERE d.item_id = deliveries.item_id AND d.chat_id = ?"
            " AND d.thread_id = deliveries.thread_id"
            " AND (d.status = 'pending' OR d.status <> 'pending'))",
            (new_id, old_id, new_id),
        )
    await tx.execute(
        "UPDATE bundles SET chat_id = ? WHERE chat_id = ? AND NOT EXISTS (SELECT 1 FROM"
        " bundles AS b WHERE b.chat_id = ? AND b.message_id = bundles.message_id)",
        (new_id, old_id, new_id),
    )
