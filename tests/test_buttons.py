"""Button data: what the bot puts behind a button comes back as the same request."""

from __future__ import annotations

from bot.news.buttons import (
    MAX_DATA_BYTES,
    More,
    Unfollow,
    more_results,
    parse,
    unfollow_alert,
    unfollow_list,
)

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
