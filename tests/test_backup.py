"""`newsbot backup PATH`: a consistent copy while the bot runs a fan-out; bad paths exit 2."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.app import build_application, running
from bot.delivery.ratelimit import Limits
from bot.news.parse import parse_brief
from bot.services import SERVICES_KEY, Services
from fakes.botapi import BotAPI
from tests.conftest import make_settings
from tests.waits import eventually, outbox_drained

ROOT = Path(__file__).resolve().parents[1]
CHATS = 300


async def backup_cli(db: Path, target: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot backup TARGET` in its own process, as an operator runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env.update(PYTHONPATH=str(ROOT), NEWSBOT_DB=str(db))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "backup", target, cwd=db.parent, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return subprocess.CompletedProcess([], proc.returncode, out.decode(), err.decode())


def committed(db: Path) -> tuple[set[int], dict[tuple[int, int], str]]:
    """Items and alert rows (with status) committed so far, read by another connection."""
    with sqlite3.connect(db) as conn:
        items = {row[0] for row in conn.execute("SELECT id FROM items")}
        rows = {
            (row[0], row[1]): row[2]
            for row in conn.execute("SELECT item_id, chat_id, status FROM deliveries")
        }
    return items, rows


async def test_backup_during_a_fan_out_holds_every_committed_row(
    api: BotAPI, db_path: Path, tmp_path: Path
) -> None:
    settings = make_settings(api, db_path)
    # 120 alerts a second: the 300-chat fan-out takes 2.5 s, and the copy is made early in it.
    limits = Limits(global_per_second=120, chat_window=0.0)
    async with running(build_application(settings, limits=limits)) as app:
        svc: Services = app.bot_data[SERVICES_KEY]
        for chat in range(1, CHATS + 1):
            await svc.store.touch_chat(chat, "private")
            await svc.store.subscribe(chat, "r:JP", "Japan")
        stored = await svc.intake.add(
            parse_brief("TOKIO (ANP) - Japan opent een haven.", now=datetime.now(UTC), source="t")
        )
        assert stored.queued == CHATS

        def some_sent_recorded() -> bool:
            return sum(s == "sent" for s in committed(db_path)[1].values()) >= 20

        await eventually(some_sent_recorded, what="20 alerts recorded sent")  # under way
        items, before = committed(db_path)
        sent_before = {key for key, status in before.items() if status == "sent"}
        assert len(before) == CHATS and 0 < len(sent_before) < CHATS
        result = await backup_cli(db_path, str(tmp_path / "kopie.sqlite3"))
        assert result.returncode == 0, result.stderr
        assert "bytes" in result.stdout and "kopie.sqlite3" in result.stdout
        await outbox_drained(svc.store, within=30)

    with sqlite3.connect(tmp_path / "kopie.sqlite3") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        copied_items = {row[0] for row in copy.execute("SELECT id FROM items")}
        copied = {
            (row[0], row[1]): row[2]
            for row in copy.execute("SELECT item_id, chat_id, status FROM deliveries")
        }
        subscriptions = copy.execute("SELECT count(*) FROM subscriptions").fetchone()[0]
    assert items <= copied_items
    assert set(before) <= set(copied)
    assert all(copied[key] == "sent" for key in sent_before)  # nothing committed is lost
    assert subscriptions == CHATS
    assert (tmp_path / "kopie.sqlite3").stat().st_size > 0
    assert [n for n in os.listdir(tmp_path) if n.endswith(".partial")] == []


async def test_bad_backup_paths_are_one_line_and_exit_2(tmp_path: Path, db_path: Path) -> None:
    missing_db = await backup_cli(db_path, str(tmp_path / "kopie.sqlite3"))
    assert missing_db.returncode == 2 and "bestaat niet" in missing_db.stderr

    with sqlite3.connect(db_path) as conn:
        conn.execute("CREATE TABLE t (x)")
    for target, says in [
        (str(tmp_path / "geen-map" / "kopie.sqlite3"), "bestaat niet"),
        (str(tmp_path), "is een map"),
        (str(db_path), "database zelf"),
    ]:
        result = await backup_cli(db_path, target)
        assert result.returncode == 2, target
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and says in lines[0], result.stderr
        assert "Traceback" not in result.stderr
    await eventually(lambda: db_path.exists(), what="database still there")
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 0
