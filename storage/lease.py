"""The sender's lease: which process sends alerts, polls feeds and calls getUpdates.

On SQLite there is one sender per file and the lease is always held (:class:`HeldLease`);
`newsbot run` makes that true with :func:`lock_sqlite_file` before anything is sent or
polled: an exclusive, non-blocking ``flock`` on ``<db>.lock`` beside the database, kept
open for the process's life.  The OS drops it when the process ends, however it ends
(SIGKILL included), so a stale lock file never keeps the next start out.  Only the
sender takes it: ``newsbot import``, ``items``, ``backup`` and the like read and write
the database beside a running bot.
On PostgreSQL (:class:`PgLease`) it is a session advisory lock on a connection of its
own: PostgreSQL releases it the moment that connection ends, so when the holder is
killed (SIGKILL closes its sockets at once) another process's next try, one second
later, gets it.  A holder whose machine vanishes without closing its socket is found by
TCP keepalives (5 s idle, then three probes a second apart), so the takeover stays
within ten seconds there too.

Each acquisition bumps `lease.epoch`; the new holder stamps the outbox rows it claims
with that epoch and frees rows older holders claimed but never finished, so those are
sent (once more: at-least-once) and nothing a dead holder had in flight is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, Any

import asyncpg

from storage.base import Lease
from storage.pgconn import is_connection_error

log = logging.getLogger(__name__)

LEASE_KEY = 0x6E657773_0002  # advisory lock key: 'news' + 2
RETRY = 1.0  # seconds between tries to take the lease
CHECK_EVERY = 2.0  # seconds between checks that the lease connection is alive
KEEPALIVE = {"tcp_keepalives_idle": "5", "tcp_keepalives_interval": "1",
             "tcp_keepalives_count": "3"}


class SQLiteFileBusy(Exception):
    """Another process holds ``<db>.lock``: it is the sender for that file."""


def lock_sqlite_file(db: Path) -> IO[bytes]:
    """Take the sender's lock of the SQLite file `db`, or raise :class:`SQLiteFileBusy`.

    Keep the returned file open while sending: closing it (or the process ending)
    releases the lock.  The descriptor is not inherited by child processes (O_CLOEXEC).
    """
    path = Path(f"{db}.lock")
    handle = path.open("ab")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise SQLiteFileBusy(str(path)) from None
    except BaseException:
        handle.close()
        raise
    return handle


class HeldLease(Lease):
    """Always held: one process per SQLite file."""

    can_be_lost = False

    async def try_acquire(self) -> bool:
        return True

    async def acquire(self) -> None:
        return None

    async def release(self) -> None:
        return None


class PgLease(Lease):
    """An advisory lock on a dedicated PostgreSQL connection.

    `connect` opens that connection (given the server settings it needs); `take_over`
    is called with each new epoch, in the store, to free rows older holders claimed.
    """

    can_be_lost = True

    def __init__(
        self,
        connect: Callable[[dict[str, str]], Awaitable[asyncpg.Connection]],
        take_over: Callable[[int], Awaitable[int]],
        retry: float = RETRY,
    ) -> None:
        super().__init__()
        self._connect = connect
        self._take_over = take_over
        self.retry = retry
        self.holder = f"{socket.gethostname()}:{os.getpid()}"
        self._conn: Any = None
        self._watch: asyncio.Task[None] | None = None
        self._releasing = False
        self._unreachable_logged = False

    async def try_acquire(self) -> bool:
        """Take the lease if nobody holds it; False when another process does."""
        conn = await self._connect({"application_name": "newsbot-lease", **KEEPALIVE})
        try:
            if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", LEASE_KEY):
                await conn.close()
                return False
            self.epoch = int(await conn.fetchval(
                "INSERT INTO lease (name, epoch, holder, acquired_at) VALUES ('sender', 1, $1, $2)"
                " ON CONFLICT (name) DO UPDATE SET epoch = lease.epoch + 1,"
                " holder = excluded.holder, acquired_at = excluded.acquired_at RETURNING epoch",
                self.holder, time.time(),
            ))
            freed = await self._take_over(self.epoch)
        except BaseException:
            with contextlib.suppress(Exception):
                await conn.close(timeout=2)
            raise
        self._conn = conn
        self._releasing = False
        self.lost = asyncio.Event()
        conn.add_termination_listener(self._terminated)
        self._watch = asyncio.create_task(self._watchdog(), name="lease-watch")
        log.info("holding the sender lease (epoch %d; %d unfinished alerts taken over)",
                 self.epoch, freed)
        return True

    async def acquire(self) -> None:
        """Wait until this process holds the lease."""
        while True:
            try:
                if await self.try_acquire():
                    self._unreachable_logged = False
                    return
            except Exception as exc:  # refused, reset, a server restarting
                if not is_connection_error(exc):
                    raise
                self._log_unreachable(exc)
            await asyncio.sleep(self.retry)

    def _log_unreachable(self, exc: BaseException) -> None:
        if not self._unreachable_logged:
            self._unreachable_logged = True
            log.warning("database unreachable for the lease (%s); retrying every %.0f s",
                        type(exc).__name__, self.retry)

    def _terminated(self, conn: Any) -> None:
        if not self._releasing:
            self.lost.set()

    async def _watchdog(self) -> None:
        # A connection can die without the client noticing until it is used.
        while not self.lost.is_set():
            await asyncio.sleep(CHECK_EVERY)
            try:
                await self._conn.fetchval("SELECT 1", timeout=CHECK_EVERY)
            except Exception:
                self.lost.set()

    async def release(self) -> None:
        self._releasing = True
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._watch
            self._watch = None
        if self._conn is not None:
            # Closing the session releases the advisory lock.
            with contextlib.suppress(Exception):
                await self._conn.close(timeout=2)
            self._conn = None

