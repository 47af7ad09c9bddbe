"""Button data: what the bot puts behind a button comes back as the same request."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.news.buttons import (
    MAX_DATA_BYTES,
    MAX_ID,
    MAX_SHOWN,
    PREFIXES,
    Direct,
    More,
    Unfollow,
    more_results,
    parse,
    unfollow_alert,
    unfollow_list,
)
from fakes.botapi import BotAPI
from handlers.callbacks import STALE
from tests.conftest import Harness

LONG_KEY = "k:" + " ".join(["internationaal"] * 20)  # far over 64 bytes


def test_unfollow_buttons_name_their_subscription_within_telegrams_limit() -> None:
    for make, from_list in ((unfollow_alert, False), (unfollow_list, True)):
        data = make(LONG_KEY)
        assert len(data.encode()) <= MAX_DATA_BYTES
        pressed = parse(data)
        assert isinstance(pressed, Unfollow) and pressed.from_list is from_list
        assert pressed.is_for(LONG_KEY) and not pressed.is_for("r:UA")


def test_more_button_carries_the_query_and_a_cursor() -> None:
    """The last item shown (a cursor), not an offset; <= 64 bytes."""
    data = more_results(123456, 5, ["staking", "schiphol"])
    assert data is not None and parse(data) == More(123456, 5, ["staking", "schiphol"])
    longest = more_results(2**63 - 1, 999_999_999, ["a" * 32])
    assert longest is not None and len(longest.encode()) == MAX_DATA_BYTES
    # A query that does not fit in a button's data gets no button rather than a cut one.
    assert more_results(10, 5, ["ontwikkelingssamenwerking"] * 3) is None


def test_data_this_bot_does_not_make_is_stale() -> None:
    for data in ("", "u:", "u:xyz", "m:0123456789abcdefff", "z:x:staking", "z:5:", "z:5: ",
                 "z:5:staking", "z:5:x:staking", "z:5:10:", "z:" + "9" * 20 + ":5:staking",
                 "v:0123456789abcdef", None):
        assert parse(data) is None


# -- Every callback's data is bounds-checked ------------------------------------------------
#
# Data comes back from Telegram as the client sent it: anyone can press a button with
# data of their own.  Whatever it holds, the press gets a short answer (the spinner stops),
# never the apology in the chat, and a number the bot could not have made is stale.

# A prefix followed by what a forger might put there: numbers past 64 bits, negatives,
# digits that are not ASCII, separators, nothing.
FORGED_TAILS = (
    "", ":", str(2**63), str(2**64), "-1", "0", "٣٤", "9" * 19, "0123456789abcdef" * 4,
    f"{2**63}:5:staking", f"{2**63 - 1}:{10**9}:staking", f"{2**63}:1:a", "5:-1:x",
    "1:999999999:" + "x" * 40, "0:0:staking", "١٢٣:5:staking",
)


@pytest.mark.both_backends
async def test_a_forged_more_cursor_of_2_63_gets_a_short_answer(bot: Harness) -> None:
    api = bot.api
    await bot.say("/zoek staking")  # a message to press under
    sent = len(api.sent(1001))
    api.inject_callback(f"z:{2**63}:5:staking", chat_id=1001)
    [answer] = await api.wait_for(lambda: api.callback_answers)
    assert answer.get("text") == STALE
    assert len(api.sent(1001)) == sent  # no apology


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_forged_data_for_every_prefix_gets_a_short_answer(
    bot: Harness, prefix: str
) -> None:
    api = bot.api
    await bot.say("/zoek staking")
    sent = len(api.sent(1001))
    for n, tail in enumerate(FORGED_TAILS, start=1):
        api.inject_callback(f"{prefix}:{tail}", chat_id=1001)
        await api.wait_for(lambda n=n: len(api.callback_answers) >= n)  # the spinner stops
    assert all(len(a.get("text", "")) <= 200 for a in api.callback_answers)
    assert visible_texts(api, 1001)[sent:] == []  # no apology, nothing sent


def visible_texts(api: BotAPI, chat_id: int) -> list[str]:
    return [str(m.get("text")) for m in api.sent(chat_id)]


_NUMBER = (
    st.sampled_from([str(2**63 - 1), str(2**63), str(2**64 - 1), "0", "00", "-0", "٣"])
    | st.integers(min_value=-10, max_value=10**10).map(str)
    | st.integers(min_value=-(2**70), max_value=2**70).map(str)
)
_TAIL = st.text(max_size=70) | st.builds(
    lambda a, b, words: f"{a}:{b}:{words}", _NUMBER, _NUMBER, st.text(max_size=20)
) | st.builds(lambda a, words: f"{a}:5:{words}", _NUMBER, st.sampled_from(["staking", " a b "])
)


@given(prefix=st.sampled_from(PREFIXES), tail=_TAIL)
def test_parse_keeps_every_number_within_bounds(prefix: str, tail: str) -> None:
    """Property: whatever follows a prefix, parse gives None or values the store can use."""
    data = f"{prefix}:{tail}"
    pressed = parse(data)
    if pressed is None:
        return
    assert len(data.encode()) <= MAX_DATA_BYTES
    if isinstance(pressed, More):
        assert 1 <= pressed.before <= MAX_ID and 0 <= pressed.shown <= MAX_SHOWN
        assert pressed.words and all(w.strip() for w in pressed.words)
    else:
        assert isinstance(pressed, Unfollow | Direct)
        assert re.fullmatch(r"[0-9a-f]{16}", pressed.token)
