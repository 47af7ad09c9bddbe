"""The real bot, ``newsbot run``, as a child process talking to the emulator, and what
its database says about it.

For what only a separate process shows: a SIGKILL mid-fan-out, a SIGTERM, two processes
sharing one database, a database that goes away.  Settings go in as ``NEWSBOT_`` variables;
any ``NEWSBOT_`` variable of the caller's environment is left out, so a developer's own
``.env`` values never leak in (the child starts in `folder`, where no ``.env`` is).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from storage import open_store
from storage.postgres import PostgresStore

ROOT = Path(__file__).resolve().parents[1]


def bot_env(db: str | Path, **settings: str) -> dict[str, str]:
    """The environment of a bot process: this one's, with only the given NEWSBOT_ settings.

    `settings` by their name without the prefix: ``token=…, api_url=…, paid_broadcast="true"``.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env.update(NEWSBOT_DB=str(db), PYTHONPATH=str(ROOT))
    env.update({f"NEWSBOT_{name.upper()}": value for name, value in settings.items()})
    return env


def newsbot(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    """``newsbot ARGS`` run to its end on the database `db`, in its folder (no token)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=db.parent, env=bot_env(db),
        capture_output=True, text=True, timeout=60,
    )


def start_bot(
    env: dict[str, str], folder: Path, *, stdout: int = subprocess.DEVNULL
) -> subprocess.Popen[str]:
    """Start ``python -m bot run`` in `folder` with `env` (see :func:`bot_env`).

    Standard error is a pipe: read it (``communicate``) to see why a bot ended.
    """
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=folder, env=env,
        stdout=stdout, stderr=subprocess.PIPE, text=True,
    )


# -- what the database says about the bot processes ----------------------------------------


async def recorded_sent(db: str | Path) -> int:
    """Alerts the bots have recorded as sent (Telegram's answer written)."""
    store = await open_store(db)
    try:
        return (await store.delivery_counts()).get("sent", 0)
    finally:
        await store.close()


async def both_up(url: str) -> bool:
    """Two bot processes on one PostgreSQL database are up, and one holds the lease.

    Each bot listens on a connection of its own, and so does the store that asks: three.
    """
    store = await open_store(url)
    assert isinstance(store, PostgresStore)
    try:
        return await store.processes() >= 3 and await store.lease_holder() is not None
    finally:
        await store.close()


async def lease_holder_pid(url: str) -> int:
    """The process id of the bot that holds the sender's lease."""
    store = await open_store(url)
    assert isinstance(store, PostgresStore)
    try:
        holder = await store.lease_holder()
    finally:
        await store.close()
    assert holder is not None
    return int(holder.rsplit(":", 1)[1])
