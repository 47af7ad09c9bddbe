"""Overview rhythms (`/overzicht`): parsing, and the next moment across DST, on fixed dates."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.news.overview import (
    OverviewError,
    Rhythm,
    next_overview,
    parse_overview,
    stored_rhythm,
)

AMS = ZoneInfo("Europe/Amsterdam")
KOLKATA = ZoneInfo("Asia/Kolkata")  # UTC+5:30: the local hour is not the UTC hour


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("8:00", (480,)),
        ("8", (480,)),
        ("08.00", (480,)),
        ("8u", (480,)),
        ("7:30,18:00", (450, 1080)),
        ("18:00, 7:30", (450, 1080)),
        ("7:30 en 18:00", (450, 1080)),
        ("7:30;7:30", (450,)),
        ("0:00", (0,)),
        ("23:59", (1439,)),
    ],
)
def test_parse_times(text: str, minutes: tuple[int, ...]) -> None:
    rhythm = parse_overview(text)
    assert rhythm == Rhythm(minutes=minutes)
    assert stored_rhythm(rhythm.text) == rhythm  # the stored text reads back the same


def test_parse_hourly_and_off() -> None:
    assert parse_overview("uur") == Rhythm(hourly=True)
    assert parse_overview("Elk uur") == Rhythm(hourly=True)
    assert parse_overview(" UIT ") is None
    assert Rhythm(minutes=(450, 1080)).text == "07:30,18:00"
    assert Rhythm(minutes=(450, 1080)).describe() == "om 07:30 en om 18:00"


@pytest.mark.parametrize(
    "bad", ["", "morgen", "25:00", "8:61", "8:5", "-1", "7,8,9,10,11,12,13", "8:00-9:00"]
)
def test_bad_input_gets_usage_with_examples(bad: str) -> None:
    with pytest.raises(OverviewError) as caught:
        parse_overview(bad)
    assert "/overzicht 8:00" in str(caught.value)
    assert "/overzicht uit" in str(caught.value)


def _ams(*args: int) -> datetime:
    return datetime(*args, tzinfo=AMS)  # type: ignore[misc]


def test_next_time_today_then_tomorrow() -> None:
    rhythm = Rhythm(minutes=(450, 1080))
    assert next_overview(rhythm, _ams(2026, 3, 10, 6, 0), AMS) == _ams(2026, 3, 10, 7, 30)
    assert next_overview(rhythm, _ams(2026, 3, 10, 7, 30), AMS) == _ams(2026, 3, 10, 18, 0)
    assert next_overview(rhythm, _ams(2026, 3, 10, 18, 0), AMS) == _ams(2026, 3, 11, 7, 30)
    assert next_overview(rhythm, _ams(2026, 12, 31, 23, 0), AMS) == _ams(2027, 1, 1, 7, 30)


def test_eight_oclock_across_spring_and_autumn_changes() -> None:
    rhythm = Rhythm(minutes=(480,))
    # The night of 29 March 2026 loses an hour: 8:00 is still 8:00 on the clock.
    before = next_overview(rhythm, _ams(2026, 3, 28, 9, 0), AMS)
    assert before.astimezone(AMS).hour == 8 and before.astimezone(AMS).day == 29
    assert before == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)  # summer time, UTC+2
    # The night of 25 October 2026 gains one: 8:00 winter time, UTC+1.
    after = next_overview(rhythm, _ams(2026, 10, 24, 9, 0), AMS)
    assert after == datetime(2026, 10, 25, 7, 0, tzinfo=UTC)


def test_time_in_the_autumn_repeat_goes_once() -> None:
    rhythm = Rhythm(minutes=(150,))  # 02:30 happens twice on 25 October 2026
    first = next_overview(rhythm, _ams(2026, 10, 25, 0, 0), AMS)
    assert first == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # the summer-time one
    again = next_overview(rhythm, first, AMS)
    assert again == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)  # not 01:30 UTC the same night


def test_time_in_the_spring_gap_goes_once_after_the_jump() -> None:
    rhythm = Rhythm(minutes=(150,))  # 02:30 does not exist on 29 March 2026
    moment = next_overview(rhythm, _ams(2026, 3, 29, 0, 0), AMS)
    assert moment == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 summer time
    assert next_overview(rhythm, moment, AMS) == datetime(2026, 3, 30, 0, 30, tzinfo=UTC)


def test_hourly_on_the_local_hour() -> None:
    hourly = Rhythm(hourly=True)
    assert next_overview(hourly, _ams(2026, 6, 1, 9, 59), AMS) == _ams(2026, 6, 1, 10, 0)
    assert next_overview(hourly, _ams(2026, 6, 1, 10, 0), AMS) == _ams(2026, 6, 1, 11, 0)
    india = next_overview(hourly, datetime(2026, 6, 1, 4, 0, tzinfo=UTC), KOLKATA)
    assert india == datetime(2026, 6, 1, 4, 30, tzinfo=UTC)  # 10:00 in Kolkata


def test_hourly_through_the_autumn_night_is_every_real_hour() -> None:
    hourly = Rhythm(hourly=True)
    moment = _ams(2026, 10, 25, 0, 0)
    seen = []
    for _ in range(5):
        moment = next_overview(hourly, moment, AMS)
        seen.append(moment)
    gaps = {b - a for a, b in itertools.pairwise(seen)}
    assert gaps == {timedelta(hours=1)}  # 02:00 twice, an hour apart, nothing doubled


@settings(max_examples=300, deadline=None)
@given(
    minutes=st.lists(st.integers(0, 1439), min_size=1, max_size=6, unique=True),
    after=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
    ),
    zone=st.sampled_from(["Europe/Amsterdam", "America/New_York", "Asia/Kolkata", "UTC"]),
)
def test_next_is_soon_after_and_on_a_chosen_time(
    minutes: list[int], after: datetime, zone: str
) -> None:
    tz = ZoneInfo(zone)
    rhythm = Rhythm(minutes=tuple(sorted(minutes)))
    moment = next_overview(rhythm, after, tz)
    assert after < moment <= after + timedelta(hours=26)
    local = moment.astimezone(tz)
    # On a chosen time, or (in a spring gap) an hour past one.
    options = {m for m in minutes} | {(m + 60) % 1440 for m in minutes}
    assert local.hour * 60 + local.minute in options
