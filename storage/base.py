"""The storage interface: every operation the application asks of a database.

:class:`Store` names them, with typed arguments and results; the SQLite backend
(storage/sqlite.py, the embedded default) and the PostgreSQL backend (storage/postgres.py,
for more than one process) implement it side by side, and `storage.open_store` picks one
from the target (a file path or a ``postgresql://`` URL).  Code above storage/ holds a
:class:`Store` and never a backend.

Invariants every backend keeps:

- a write is one transaction: everything an operation writes commits together or not at
  all (a page import is one ``add_items`` call, so it lands whole or not at all);
- results are the values defined here or in storage/outbox.py (items are
  :class:`bot.news.items.Item`); no driver row leaves storage/;
- times are unix seconds (floats) in the database and in these values unless typed as
  ``datetime``;
- ``followed`` holds every key some chat follows (a superset is harmless, a missing key
  loses alerts): it is read at open and kept in step by the operations that follow and
  unfollow, and on PostgreSQL also by other processes' follows;
- a database that cannot be reached just now raises :class:`StoreUnavailable` from the
  operations the sender retries.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple

from bot.news.items import Item
from bot.news.match import FollowedKeys
from storage.outbox import Delivery, Outcome

MAX_SUBSCRIPTIONS = 50  # per chat, or per forum topic


class StoreUnavailable(Exception):
    """The database cannot be reached just now; the same call may work later."""


class NewItem(NamedTuple):
    """An item to store (:meth:`Store.add_items`) with what was read from its text once.

    A plain ``(item, regions, keys)`` tuple is accepted too: the store then reads the
    search keys itself."""

    item: Item
    regions: Sequence[str]
    keys: Sequence[str]  # the match keys some chat follows (the fan-out's)
    search_keys: Sequence[str] | None = None  # bot.news.match.search_keys; None: work out


class SubscribeResult(Enum):
    ADDED = "added"
    EXISTS = "exists"
    FULL = "full"


@dataclass(frozen=True)
class Subscription:
    key: str
    label: str
    direct: bool = False  # comes at once even when the chat has an overview
    excluding: tuple[str, ...] = ()  # keys whose items it leaves out (Ajax -transfer)


@dataclass(frozen=True)
class ChatInfo:
    """A chat the bot knows."""

    id: int
    kind: str  # 'private', 'group', 'supergroup', 'channel'
    title: str | None
    active: bool  # False after 403 or 'chat not found': its subscriptions are dormant
    quiet_from: int | None  # minutes after local midnight
    quiet_until: int | None
    overview: str | None  # the overview rhythm as stored ('08:00', 'uur'); None: no overview
    overview_due: float | None  # the next moment an overview is owed
    overview_at: float | None  # set while an overview is on its way: the moment it is for
    paused_until: float | None = None  # /pauze: no alerts before this moment


@dataclass(frozen=True)
class Bundle:
    """A message that carries several alerts: how to render it again."""

    chat_id: int
    message_id: int
    kind: str  # 'combined' or 'overview'
    at: float | None  # the overview's moment
    part: int
    silent: bool
    sent_at: float


@dataclass(frozen=True)
class MessageItem:
    """One item a message carries, with the subscription that matched it."""

    item_id: int
    key: str
    label: str  # '' when the chat no longer follows the key


@dataclass(frozen=True)
class SentAlert:
    """An alert that reached a chat (for corrections and retractions)."""

    item_id: int
    chat_id: int
    thread_id: int
    message_id: int
    key: str
    label: str  # '' when the chat no longer follows the key


@dataclass(frozen=True)
class DeliveryRecord:
    """One outbox row as stored, whatever its state (for operators and tests)."""

    item_id: int
    chat_id: int
    thread_id: int
    key: str
    status: str  # pending, held, sent, failed, dropped, expired
    attempts: int
    not_before: float
    message_id: int | None
    error: str | None
    sent_at: float | None


@dataclass(frozen=True)
class Reach:
    """How far one item's alerts got (the admins' /bereik and /berichten).

    ``matched`` counts every chat the item was queued for; the states add up to it.
    """

    item_id: int
    matched: int
    sent: int
    pending: int
    held: int  # waiting for the chat's overview (or its pause)
    # Alerts that will not arrive (failed, or dropped: blocked, retracted, unfollowed),
    # by the words the sender stored with them.
    failed: dict[str, int]
    expired: int
    stored_at: float | None  # when the item was stored
    last_sent_at: float | None  # when its last alert went out


@dataclass(frozen=True)
class FollowFigures:
    """What readers follow: the most followed topics and the follows of a recent period."""

    top: list[tuple[str, int]]  # (label, chats following it), most followed first
    gained: int
    lost: int


BREAKING_CANDIDATES = 50  # the newest breaking items whose alerts the sender looks for first


class Lease(ABC):
    """The right to send alerts, poll feeds and call getUpdates: one process at a time.

    Each acquisition has an `epoch` (growing); `lost` is set when a held lease is gone
    (never where `can_be_lost` is False).
    """

    can_be_lost: bool = False

    def __init__(self) -> None:
        self.lost = asyncio.Event()
        self.epoch = 0

    @abstractmethod
    async def try_acquire(self) -> bool:
        """Take the lease if nobody holds it; False when another process does."""

    @abstractmethod
    async def acquire(self) -> None:
        """Wait until this process holds the lease."""

    @abstractmethod
    async def release(self) -> None:
        """Give the lease up (another process may take it)."""


class Store(ABC):
    """A database holding items, chats, subscriptions and the outbox.

    Besides the operations, a store carries ``followed`` (see the module docstring) and
    three lists of callbacks for what another process did (PostgreSQL's NOTIFY; SQLite,
    one process per file, never calls them): ``on_outbox`` when alerts were queued,
    ``on_item_changed`` with (item id, retracted) when an item was corrected or retracted,
    ``on_items`` when an item was stored, corrected or retracted (reply caches).
    """

    followed: FollowedKeys
    on_outbox: list[Callable[[], None]]
    on_item_changed: list[Callable[[int, bool], None]]
    on_items: list[Callable[[], None]]

    def __init__(self) -> None:
        self.followed = FollowedKeys()
        # Keys some follow leaves out (/volg Ajax -transfer): only an item holding one of
        # them pays for the fan-out's exception check.  Never shrinks (a superset only
        # costs that check); on PostgreSQL other processes' exceptions arrive by NOTIFY.
        self.excepted: set[str] = set()
        self.on_outbox = []
        self.on_item_changed = []
        self.on_items = []

    @abstractmethod
    def lease(self) -> Lease:
        """Who sends alerts: a lease only one process holds at a time."""

    @abstractmethod
    async def close(self) -> None:
        """Close the connections (waits for a write under way)."""

    @abstractmethod
    async def schema_version(self) -> int:
        """The number of the last migration applied."""

    # -- chats -----------------------------------------------------------------------------

    @abstractmethod
    async def touch_chat(self, chat_id: int, kind: str, title: str | None = None) -> bool:
        """Record a chat that spoke to the bot; reactivate it if it was inactive.

        Returns True when the chat was inactive before (so the bot can say welcome back).
        """

    @abstractmethod
    async def deactivate_chat(self, chat_id: int, reason: str) -> None:
        """The chat blocked or removed the bot: keep its subscriptions dormant."""

    @abstractmethod
    async def chat(self, chat_id: int) -> ChatInfo | None:
        """The chat, or None if the bot does not know it."""

    @abstractmethod
    async def forget_chat(self, chat_id: int) -> int:
        """Remove a chat and everything stored about it; returns its subscription count."""

    @abstractmethod
    async def set_quiet_hours(self, chat_id: int, start: int | None, end: int | None) -> None:
        """Set (or with None, clear) the chat's quiet hours, in minutes after midnight."""

    # -- items -----------------------------------------------------------------------------

    @abstractmethod
    async def add_items(
        self, entries: Sequence[NewItem | tuple[Item, Sequence[str], Sequence[str]]]
    ) -> list[tuple[Item | None, int]]:
        """Store items with their regions and outbox rows, all in one transaction.

        Each entry is a :class:`NewItem` (item, regions, match keys, search keys);
        every active chat subscribed to one of the match keys gets one pending delivery
        (held, for a chat with an overview, unless the subscription is direct).  Returns
        (stored item, deliveries queued) per entry, or (None, 0) where the item was
        stored before (same live text, or the same feed guid).
        """

    def problem(self) -> str | None:
        """Why this store cannot be trusted now, for /healthz (None: no known problem).

        A backend says what it can notice without a query: SQLite, that the file it
        opened is no longer at its path, or that its last write failed.
        """
        return None

    @abstractmethod
    async def has_guid(self, source: str, guid: str) -> bool:
        """Whether a feed entry with this guid was stored before."""

    @abstractmethod
    async def guid_item(self, source: str, guid: str) -> Item | None:
        """The live (not retracted) item a source stored under `guid`, or None."""

    @abstractmethod
    async def item(self, item_id: int, *, live: bool = False) -> Item | None:
        """The item with this id; with `live`, None when it was retracted."""

    @abstractmethod
    async def lead(self) -> Item | None:
        """The lead story: the newest article marked lead that was not retracted."""

    @abstractmethod
    async def newest(self, limit: int, kind: str | None = None) -> list[Item]:
        """Newest live items first (by publication time, else arrival)."""

    @abstractmethod
    async def search(
        self, key: str, limit: int, offset: int = 0, *, before: int | None = None,
        excluding: Sequence[str] = (),
    ) -> list[Item]:
        """Live items a follow of ``key`` (leaving out ``excluding``) would alert on (what
        ``resolve`` gives for what a reader typed), newest first by their time
        (publication, else receipt).

        Looked up in the keys stored with each item, so nothing a reader types is query
        syntax.  `before` pages by cursor: items older than that one (by time, then id).
        """

    @abstractmethod
    async def count_items(self) -> int:
        """How many items are stored, retracted ones included."""

    @abstractmethod
    async def correct_item(self, item: Item, regions: Sequence[str]) -> bool:
        """Replace an item's text (and so its regions); False if another live item has
        that text."""

    @abstractmethod
    async def retract_item(self, item_id: int) -> int:
        """Mark an item retracted and drop its pending and held alerts.

        Returns how many of its alerts never reached a chat: those dropped now and
        those dropped or failed before.
        """

    @abstractmethod
    async def recent_items(self, limit: int) -> list[Item]:
        """The newest stored items (by the order they were stored), retracted ones left out."""

    @abstractmethod
    async def reaches(self, item_ids: Sequence[int]) -> dict[int, Reach]:
        """Each item's reach (an item without alerts has one with every count 0)."""

    @abstractmethod
    async def sent_alerts(self, item_id: int, since: float = 0.0) -> list[SentAlert]:
        """Alerts of an item already in chats (sent at or after `since`), by chat."""

    # -- subscriptions ---------------------------------------------------------------------

    @abstractmethod
    async def subscribe(
        self, chat_id: int, key: str, label: str, limit: int = MAX_SUBSCRIPTIONS,
        *, thread: int = 0, excluding: Sequence[str] = (),
    ) -> SubscribeResult:
        """Follow `key` in the chat, or in one of its forum topics (`thread`); at most
        `limit` subscriptions per chat or topic.  Items with a key in `excluding` do not
        reach the chat through this follow (/volg Ajax -transfer); following a key again
        with other exclusions changes them (ADDED), with the same ones is EXISTS."""

    @abstractmethod
    async def unsubscribe(self, chat_id: int, key: str, *, thread: int = 0) -> str | None:
        """Remove one subscription of the chat (or forum topic); returns its label, or None
        if it did not have it."""

    @abstractmethod
    async def unsubscribe_all(self, chat_id: int, *, thread: int = 0) -> int:
        """Remove every subscription of the chat (or forum topic), keeping the chat's
        settings (quiet hours, overview times); returns how many there were."""

    @abstractmethod
    async def set_pause(self, chat_id: int, until: float | None) -> int:
        """Pause the chat's alerts until `until`, or end its pause (None): pending alerts
        are held, or held ones released (unless the chat has an overview), in the same
        transaction; returns how many."""

    @abstractmethod
    async def end_pauses(self, now: float) -> list[int]:
        """End every pause due by `now`, releasing held alerts (not for overview chats);
        returns the chats whose alerts were released."""

    @abstractmethod
    async def next_pause_end(self) -> float | None:
        """The earliest moment some chat's pause ends."""

    @abstractmethod
    async def sections(self, limit: int = 20) -> list[str]:
        """The sections live items are in, the busiest first (as written on the items)."""

    @abstractmethod
    async def in_section(self, names: Sequence[str], limit: int) -> list[Item]:
        """Newest live items whose section is one of `names` (its spellings as stored)."""

    @abstractmethod
    async def subscriptions(self, chat_id: int, *, thread: int = 0) -> list[Subscription]:
        """What the chat follows (thread 0), or one of its forum topics, oldest first."""

    @abstractmethod
    async def set_direct(self, chat_id: int, key: str, direct: bool, *, thread: int = 0) -> bool:
        """Mark a subscription direct, or back in the overview; False if there is none.

        Made direct, its held alerts are released at once, in the same transaction.
        """

    @abstractmethod
    async def set_channel(self, chat_id: int | None, title: str | None = None) -> None:
        """The newsroom's channel (None: there is none): a chat that follows everything.

        Any other chat that followed everything (a channel set before) stops doing so.
        """

    # -- overviews -------------------------------------------------------------------------

    @abstractmethod
    async def set_overview(self, chat_id: int, rhythm: str | None, due: float | None) -> int:
        """Set a chat's overview rhythm (`rhythm` canonical text, `due` its next moment).

        None turns it off: held alerts are released to the sender at once (returns how
        many), so nothing stays waiting for an overview that will not come.
        """

    @abstractmethod
    async def held_count(self, chat_id: int) -> int:
        """How many alerts wait for this chat's next overview."""

    @abstractmethod
    async def next_overview_due(self) -> float | None:
        """The earliest moment some chat's overview is owed."""

    @abstractmethod
    async def release_due_overviews(
        self, now: float, next_due: Callable[[str, float], float | None], limit: int = 1000
    ) -> tuple[list[int], int]:
        """Hand the held alerts of every chat whose overview is due to the sender.

        In one transaction per call: the held rows become pending, the chat is marked
        with the moment its overview is for (`overview_at`), and `overview_due` moves to
        `next_due(rhythm, now)`.  An overview missed while the bot was down is due, so it
        goes out now, once.  Returns the chats that have an overview on its way (nothing
        held: nothing sent) and how many due chats were looked at (at most `limit`: call
        again while full).
        """

    @abstractmethod
    async def bundle(self, chat_id: int, message_id: int) -> Bundle | None:
        """The combined alert or overview message, or None if the message is not one."""

    @abstractmethod
    async def message_items(self, chat_id: int, message_id: int) -> list[MessageItem]:
        """The items one message carries, newest first, for rendering it again."""

    # -- the outbox ------------------------------------------------------------------------

    @abstractmethod
    async def pending_deliveries(self, now: float, limit: int) -> list[Delivery]:
        """Pending alerts that may go now: a breaking item's before every other, then
        newest items first, then in chat order."""

    @abstractmethod
    async def pending_for_chats(self, chat_ids: Sequence[int], now: float) -> list[Delivery]:
        """Every pending alert of these chats that may go now, by chat, newest item first.

        A forum's topics are one chat here: rows carry their thread_id.
        """

    @abstractmethod
    async def record(self, outcomes: Sequence[Outcome]) -> None:
        """Write what the sender learnt, in one transaction."""

    @abstractmethod
    async def expire_alerts(self, queued_before: float, reason: str) -> int:
        """Pending alerts of items stored before `queued_before` become `expired`;
        returns how many."""

    @abstractmethod
    async def next_retry_at(self) -> float | None:
        """When the earliest backed-off delivery may be tried again."""

    @abstractmethod
    async def pending_summary(self) -> tuple[int, float | None]:
        """(pending alerts, when the oldest pending one's item was stored), for /healthz."""

    @abstractmethod
    async def delivery_counts(self, chat_id: int | None = None) -> dict[str, int]:
        """How many alert rows are in each state (pending, sent, failed, ...), for one chat
        or for all."""

    @abstractmethod
    async def chat_deliveries(self, chat_id: int) -> list[DeliveryRecord]:
        """A chat's outbox rows, newest item first."""

    # -- figures and small values ----------------------------------------------------------

    @abstractmethod
    async def population(self) -> dict[str, int]:
        """Gauges: 'pending' alerts, 'subscriptions', 'chats_active', 'chats_inactive'."""

    @abstractmethod
    async def stats(self, since: float) -> dict[str, int]:
        """Figures for the admins' /stats: subscribers, subscriptions, active, inactive,
        pending, sent (since `since`), failed, expired, items, rate_limited."""

    @abstractmethod
    async def follow_figures(self, since: float, limit: int = 10) -> FollowFigures:
        """The `limit` most followed topics (the channel's everything left out) and the
        follows gained and lost since `since` (every follow and unfollow is recorded)."""

    @abstractmethod
    async def counter(self, name: str) -> int:
        """A counter the sender keeps (0 when never counted)."""

    @abstractmethod
    async def keep(self, name: str, value: str) -> str:
        """Store `value` under `name` unless one is stored already; return the stored one.

        For values made once and kept across restarts (the webhook secret): two processes
        starting together still agree, as the first insert wins.
        """

