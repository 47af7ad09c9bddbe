"""PostgreSQL connections killed in the middle of a fan-out: every alert still ends.

An operator's ``pg_terminate_backend`` (or a failover, or a pooler restart) ends every
connection of the bot at once: the pool's, the LISTEN one and the lease's.  The lease is
lost, the sender stops and starts again under a new epoch; what was in flight at that
moment must not stay pending: every alert goes out (or fails) within its retry schedule.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg
import pytest

from bot.delivery.retry import Timings
from bot.news.parse import parse_brief
from fakes.botapi import BotAPI
from storage import StoreUnavailable
from tests.conftest import Harness, make_settings, running_bot
from tests.test_delivery_limits import add_followers
from tests.waits import eventually

SHORT = Timings(retry_base=0.02, max_attempts=3, probe_base=0.05, probe_cap=0.2)


async def post(bot: Harness, text: str) -> int:
    now = datetime.now(bot.services.settings.tz)
    stored = await bot.services.intake.add(parse_brief(text, now=now, source="test"))
    return stored.queued


async def kill_connections(url: str) -> int:
    """End every other connection to the test's database, as an operator would."""
    admin = await asyncpg.connect(url)
    try:
        return int(await admin.fetchval(
            "SELECT count(*) FROM ("
            " SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()) AS killed"
        ))
    finally:
        await admin.close()


@pytest.mark.parametrize("db_target", ["postgresql"], indirect=True)
async def test_connections_killed_mid_fan_out_leave_no_alert_pending(
    api: BotAPI, db_target: str
) -> None:
    followers = range(70_000, 70_600)
    api.delay = 0.02  # a round trip: sends are on their way when the connections die
    settings = make_settings(api, db_target, paid_broadcast=True)
    async with running_bot(settings, api, timings=SHORT) as bot:
        store = bot.services.store
        await add_followers(store, followers)
        assert await post(bot, "TOKIO (ANP) - Japan: verbindingen weg.") == 600
        for part in (1, 2, 3):
            await eventually(lambda p=part: len(api.sent()) >= 150 * p, within=30,
                             what=f"{150 * part} alerts sent")
            assert await kill_connections(db_target) >= 1

        async def settled() -> dict[str, int]:
            try:
                counts = await store.delivery_counts()
            except StoreUnavailable:  # this read met a pooled connection that was killed
                return {}
            return counts if counts.get("pending", 0) == 0 else {}

        counts = await eventually(settled, within=60, what="no alert left pending")
    assert counts.get("sent", 0) == 600, counts
    assert all(api.sent(chat) for chat in followers)
