"""Every answer Telegram can give means the same to a single alert and to a combined one.

Each case makes Telegram answer the first alert to a chat in one way; the chat gets
either one alert (the single path) or two stored together (the combined path: one
message carrying both).  Whatever the path, the alerts must end the same way, with the
same follow-up: a blocked chat goes dormant, a deleted forum topic loses its
subscriptions, a 429 or an outage costs no attempt, a refused message keeps Telegram's
description, and only that last one is logged as an error (it would be our bug).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from bot.delivery.retry import Timings
from bot.news.parse import parse_brief
from fakes.botapi import BotAPI
from tests.conftest import Harness, make_settings, running_bot
from tests.waits import eventually, outbox_drained

CHAT = 3001
OTHER = 3002  # a second follower, so that a flood wait is felt by more than one chat
GROUP, SUPERGROUP = -4001, -1009999
FORUM, TOPIC = -100900, 5
REJECTED = 'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 0'
NO_RIGHTS = "Bad Request: not enough rights to send text messages to the chat"

BRIEFS = (
    "TOKIO (ANP) - Japan kiest een nieuwe premier.",
    "OSAKA (AFP) - Japan opent een nieuwe brug.",
)
MARKERS = ("premier", "brug")  # one word of each brief, to find it on a phone


@dataclass(frozen=True)
class Case:
    """How Telegram answers, and what the chat's alerts must become."""

    answer: Callable[[BotAPI], None]  # makes the emulator answer so, before the post
    statuses: frozenset[tuple[str, int]]  # (status, attempts) of the alert rows
    reached: bool  # the alerts are on the phone
    active: bool = True  # the chat is still written to
    subscribed: bool = True  # the chat (or topic) still follows Japan
    failures: frozenset[str] = frozenset()  # newsbot_alerts_failed reasons counted
    chat: int = CHAT
    thread: int = 0
    moved_to: int | None = None  # the chat's new id after a migration
    error: str | None = None  # kept in the rows' error column (as PTB words it)
    errors_logged: int = 0  # ERROR lines from the delivery pipeline


SENT = frozenset({("sent", 0)})
DROPPED = frozenset({("dropped", 0)})
BLOCKED = frozenset({"blocked"})


def fail_first(
    status: int, description: str | None = None, retry_after: int | None = None
) -> Callable[[BotAPI], None]:
    """The chat's first sendMessage gets this answer; the next ones go through."""

    def answer(api: BotAPI) -> None:
        api.fail_next("sendMessage", status, description, retry_after=retry_after,
                      chat_id=CHAT)

    return answer


def kind_of(chat: int) -> str:
    return "private" if chat > 0 else "supergroup" if str(chat).startswith("-100") else "group"


def topic_deleted(api: BotAPI) -> None:
    api.delete_topic(FORUM, TOPIC)


def outage(api: BotAPI) -> None:
    api.go_down(None)  # connections dropped without an answer


CASES = {
    "429 for the chat": Case(fail_first(429, retry_after=1), SENT, reached=True),
    "429 flood wait": Case(lambda api: api.flood(1.5, retry_after=1), SENT, reached=True),
    "403 blocked": Case(lambda api: api.block(CHAT), DROPPED, False, active=False,
                        failures=BLOCKED),
    "403 kicked": Case(lambda api: api.kick(CHAT), DROPPED, False, active=False,
                       failures=BLOCKED),
    "403 deactivated": Case(lambda api: api.deactivate(CHAT), DROPPED, False, active=False,
                            failures=BLOCKED),
    "400 chat not found": Case(lambda api: api.chat_not_found(CHAT), DROPPED, False,
                               active=False, failures=BLOCKED),
    "400 not enough rights": Case(fail_first(400, NO_RIGHTS), DROPPED, False, active=False,
                                  failures=BLOCKED, error="not enough rights"),
    "400 topic deleted": Case(topic_deleted, DROPPED, False, subscribed=False,
                              failures=frozenset({"dropped"}), chat=FORUM, thread=TOPIC),
    "400 migrated": Case(lambda api: api.migrate(GROUP, SUPERGROUP), SENT, True, chat=GROUP,
                         moved_to=SUPERGROUP),
    "400 rejected": Case(fail_first(400, REJECTED), frozenset({("failed", 0)}), False,
                         failures=frozenset({"rejected"}), error="unsupported start tag",
                         errors_logged=1),
    "502 for one chat": Case(fail_first(502), frozenset({("sent", 1)}), True),
    "504 for one chat": Case(fail_first(504), frozenset({("sent", 1)}), True),
    "connections dropped": Case(outage, SENT, True),
}


def failures_counted(bot: Harness) -> frozenset[str]:
    registry = bot.services.metrics.registry
    reasons = ("blocked", "dropped", "expired", "gave_up", "rejected")
    return frozenset(
        r for r in reasons
        if registry.get_sample_value("newsbot_alerts_failed_total", {"reason": r})
    )


@pytest.mark.parametrize("alerts", [1, 2], ids=["single", "combined"])
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_an_answer_means_the_same_to_a_single_and_a_combined_alert(
    api: BotAPI, db_path: Path, case: Case, alerts: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="bot.delivery")
    timings = Timings(retry_base=0.05, retry_cap=0.05, probe_base=0.05, probe_cap=0.2)
    async with running_bot(make_settings(api, db_path), api, timings=timings) as bot:
        store = bot.services.store
        for chat in (case.chat, OTHER):
            await store.touch_chat(chat, kind_of(chat))
        if case.thread:
            api.open_topic(case.chat, case.thread)
        await store.subscribe(case.chat, "r:JP", "Japan", thread=case.thread)
        await store.subscribe(OTHER, "r:JP", "Japan")
        case.answer(api)
        now = datetime.now(bot.services.settings.tz)
        stored = await bot.services.intake.add_many(
            [parse_brief(text, now=now, source="test") for text in BRIEFS[:alerts]]
        )
        assert all(s.queued == 2 for s in stored)
        if case.answer is outage:
            sender = bot.services.sender
            assert sender is not None
            await eventually(lambda: sender.gate.down, what="the sender sees the outage")
            api.come_up()
        await outbox_drained(store, within=20)

        chat = case.moved_to or case.chat
        rows = [r for r in await store.chat_deliveries(chat) if r.thread_id == case.thread]
        assert len(rows) == alerts
        assert {(r.status, r.attempts) for r in rows} == case.statuses
        if case.error is not None:
            assert all(case.error in str(r.error).lower() for r in rows), rows
        on_phone = " ".join(str(m["text"]) for m in api.sent(chat)
                            if m.get("message_thread_id", 0) == case.thread)
        for marker in MARKERS[:alerts]:
            assert (marker in on_phone) == case.reached, marker
        info = await store.chat(chat)
        assert info is not None and bool(info.active) == case.active
        follows = await store.subscriptions(chat, thread=case.thread)
        assert bool(follows) == case.subscribed
        if case.moved_to is not None:
            assert await store.chat(case.chat) is None
        assert failures_counted(bot) == case.failures
        logged = [r for r in caplog.records
                  if r.levelno >= logging.ERROR and r.name.startswith("bot.delivery")]
        assert len(logged) == case.errors_logged, [r.getMessage() for r in logged]
