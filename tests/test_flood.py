"""One chat's flood slows only that chat: other readers are answered meanwhile.

A chat that sends hundreds of commands at once gets what Telegram lets the bot answer
(a few answers, then one "Rustig aan" notice); the rest is dropped with a log line that
names the chat and the count, never queued.  Through PTB's real update handling and
HTTP stack against the emulator: before admission per chat, every handler slot waited on
the flooding chat's permit and the other reader was answered only when the flood had
drained (one message a second to a private chat, twenty a minute to a group).
"""

from __future__ import annotations

import logging
import re

import pytest

from bot.admission import BUTTON_NOTICE, NOTICE, PER_CHAT
from tests.conftest import ADMIN, Harness, visible
from tests.waits import eventually

FLOOD = 300  # more than PTB's 256 updates in hand at once
FLOODER = 7001
GROUP = -7100
READER = 7002


def dropped_lines(caplog: pytest.LogCaptureFixture, chat_id: int) -> list[int]:
    """The counts of the "updates dropped" log lines for `chat_id`."""
    pattern = re.compile(rf"chat {chat_id}: (\d+) updates dropped")
    return [int(m.group(1)) for r in caplog.records if (m := pattern.search(r.getMessage()))]


def answers(bot: Harness, chat_id: int) -> int:
    """How many /help answers the chat got."""
    return sum(1 for text in bot.texts(chat_id) if "/volg" in text)


async def flood_is_over(
    bot: Harness, caplog: pytest.LogCaptureFixture, chat_id: int, total: int
) -> None:
    """Wait until every one of the `total` commands the chat sent was either answered or
    counted as dropped in the log (the drop line comes when nothing of it is in hand)."""
    await eventually(
        lambda: answers(bot, chat_id) + sum(dropped_lines(caplog, chat_id)) == total,
        within=30, what=f"{total} commands of chat {chat_id} answered or logged as dropped",
    )


@pytest.mark.parametrize("flooder", [FLOODER, GROUP], ids=["private", "group"])
async def test_a_chats_flood_does_not_hold_up_other_readers(
    bot: Harness, caplog: pytest.LogCaptureFixture, flooder: int
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.admission")
    for _ in range(FLOOD):
        bot.api.inject_message("/help", chat_id=flooder, user_id=FLOODER)
    bot.api.inject_message("/help", chat_id=READER, user_id=READER)
    # The other reader is answered while the flood is still being answered, not after it.
    [reply] = await bot.api.wait_sent(1, READER, timeout=10)
    assert "/volg" in visible(reply)
    assert len(bot.api.sent(flooder)) < 10

    # The flooding chat gets the few answers in hand, then one notice; the rest is
    # dropped, counted in the log with the chat's id, and never sent later.
    await flood_is_over(bot, caplog, flooder, FLOOD)
    texts = bot.texts(flooder)
    assert PER_CHAT <= answers(bot, flooder) < 10
    assert texts.count(NOTICE) == 1
    assert len(texts) == answers(bot, flooder) + 1
    assert any(f"chat {flooder} sends faster than it can be answered" in r.getMessage()
               for r in caplog.records)
    metrics = bot.services.metrics.registry
    dropped = metrics.get_sample_value("newsbot_updates_dropped_total", {"kind": "message"})
    assert dropped == FLOOD - answers(bot, flooder)

    # Once the flood is over the chat is answered as before.
    assert "/volg" in await bot.say("/help", chat_id=flooder, user_id=FLOODER)


async def test_a_second_flood_within_a_minute_gets_no_second_notice(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.admission")
    for flood in (1, 2):
        for _ in range(PER_CHAT + 20):
            bot.api.inject_message("/help", chat_id=FLOODER, user_id=FLOODER)
        await flood_is_over(bot, caplog, FLOODER, flood * (PER_CHAT + 20))
    assert len(dropped_lines(caplog, FLOODER)) == 2
    assert bot.texts(FLOODER).count(NOTICE) == 1


async def test_a_groups_own_talk_during_its_flood_earns_no_notice(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.admission")
    for _ in range(PER_CHAT):
        bot.api.inject_message("/help", chat_id=GROUP, user_id=FLOODER)
    for n in range(20):
        bot.api.inject_message(f"Wie komt er vanavond {n}?", chat_id=GROUP, user_id=READER)
    # The drop line comes when nothing of the group's is in hand (a notice included).
    await eventually(lambda: dropped_lines(caplog, GROUP), within=30, what="the drop line")
    assert NOTICE not in bot.texts(GROUP)
    assert answers(bot, GROUP) == PER_CHAT


async def test_a_reader_typing_a_few_commands_gets_every_answer(bot: Harness) -> None:
    for command in ["/start", "/help", "/laatste", "/mijn", "/help"][:PER_CHAT]:
        bot.api.inject_message(command, chat_id=READER, user_id=READER)
    sent = await bot.api.wait_sent(PER_CHAT, READER, timeout=15)
    assert NOTICE not in [visible(m) for m in sent]


async def test_an_admin_is_never_cut_short(bot: Harness) -> None:
    for _ in range(PER_CHAT + 3):
        bot.api.inject_message("/help", chat_id=ADMIN, user_id=ADMIN)
    sent = await bot.api.wait_sent(PER_CHAT + 3, ADMIN, timeout=20)
    assert all("/plaats" in visible(m) for m in sent)


async def test_every_button_press_of_a_flood_stops_its_spinner(bot: Harness) -> None:
    await bot.say("/help", chat_id=FLOODER)
    presses = {bot.api.inject_callback("x:forged", FLOODER) for _ in range(FLOOD)}
    bot.api.inject_message("/help", chat_id=READER, user_id=READER)
    await bot.api.wait_sent(1, READER, timeout=10)

    def answered() -> set[str]:
        return {str(a["callback_query_id"]) for a in bot.api.callback_answers} & presses

    await eventually(lambda: answered() == presses, within=20,
                     what="an answer to every button press")
    texts = [a.get("text") for a in bot.api.callback_answers]
    assert BUTTON_NOTICE in texts
    assert len(bot.api.sent(FLOODER)) == 1  # presses fold into their answers, no messages
