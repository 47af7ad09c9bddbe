"""Storage: one interface (base.py) with the SQLite and PostgreSQL backends beside it.

`open_store` opens a SQLite file (created and upgraded in place) or, given a
``postgresql://`` URL, a PostgreSQL database (migrated on open); the rest of the bot
holds the :class:`Store` it returns and never a backend.

The modules, each importing only those below it:

- ``base``: the interface (:class:`Store`, :class:`Lease`) and the values it takes and
  returns; ``outbox``: the pending alert the sender reads and the outcomes it writes;
- ``sql``: the four calls shared SQL may make on a connection; ``shared``: the queries
  both dialects accept;
- ``sqlite`` (with ``db``: pragmas and migrations) and ``postgres`` (with ``pgconn``:
  connections and migrations, and ``lease``: the sender's advisory lock): the backends;
- ``copy`` (``newsbot migrate-db``) and ``backup`` (``newsbot backup``).
"""

from __future__ import annotations

from pathlib import Path

from storage.base import (
    MAX_SUBSCRIPTIONS,
    Bundle,
    ChatInfo,
    DeliveryRecord,
    FollowFigures,
    Lease,
    MessageItem,
    NewItem,
    Reach,
    SentAlert,
    Store,
    StoreUnavailable,
    SubscribeResult,
    Subscription,
)
from storage.pgconn import is_connection_error, is_postgres_url
from storage.postgres import PostgresStore
from storage.sqlite import SQLiteStore

__all__ = [
    "MAX_SUBSCRIPTIONS",
    "Bundle",
    "ChatInfo",
    "DeliveryRecord",
    "FollowFigures",
    "Lease",
    "MessageItem",
    "NewItem",
    "Reach",
    "SentAlert",
    "Store",
    "StoreUnavailable",
    "SubscribeResult",
    "Subscription",
    "is_connection_error",
    "is_postgres_url",
    "open_store",
]


async def open_store(target: Path | str) -> Store:
    """Open a SQLite file, or a PostgreSQL database given a ``postgresql://`` URL."""
    if is_postgres_url(target):
        return await PostgresStore.open(str(target))
    return await SQLiteStore.open(target)
