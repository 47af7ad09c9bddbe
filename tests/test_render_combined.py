"""Combined alerts and overviews, rendered and parsed the way Telegram would parse them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.news.items import Item
from bot.news.render import (
    MAX_MESSAGE,
    MAX_OVERVIEW_MESSAGES,
    render_block,
    render_combined,
    render_overview,
    render_overview_message,
)
from fakes.telegram_html import parse_html, utf16_len

TZ = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2025, 12, 19, 13, 0, tzinfo=UTC)  # 14:00 in Amsterdam
AT = datetime(2025, 12, 19, 7, 0, tzinfo=UTC)  # 08:00 in Amsterdam
PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def brief(n: int, text: str = "", dateline: str = "KYIV", minutes: int = 0) -> Item:
    return Item(
        id=n,
        kind="brief",
        paragraphs=(text or f"Bericht nummer {n} over de oorlog. Tweede zin met meer.",),
        dateline=dateline,
        agencies=("AFP", "RTR"),
        published_at=NOW - timedelta(minutes=minutes),
    )


def _check(message: str) -> str:
    plain = parse_html(message)
    assert utf16_len(message) <= MAX_MESSAGE
    assert utf16_len(plain) <= MAX_MESSAGE
    return plain


def test_block_is_compact_with_dateline_agencies_text_and_age() -> None:
    out = render_block(brief(1, "Een & twee <drie>. Vier.", minutes=16), now=NOW, tz=TZ)
    assert out == "<b>KYIV</b> (AFP/RTR) - Een &amp; twee &lt;drie&gt;. Vier. · " \
        "<i>16 minuten geleden</i>"
    _check(out)


def test_combined_newest_first_with_reasons() -> None:
    entries = [
        (brief(1, "Oudste bericht.", minutes=30), "Oekraïne"),
        (brief(2, "Nieuwste bericht.", dateline="DEN HAAG", minutes=1), "staking"),
        (brief(3, "Middelste bericht.", minutes=10), "Oekraïne"),
    ]
    plain = _check(render_combined(entries, now=NOW, tz=TZ))
    lines = plain.split("\n\n")
    assert lines[0] == "3 nieuwe berichten"
    assert [line.split(" - ")[1].split(" ·")[0] for line in lines[1:4]] == [
        "Nieuwste bericht.", "Middelste bericht.", "Oudste bericht."
    ]
    assert lines[-1] == "Je volgt: Oekraïne, staking"
    assert "meer:" not in plain


def test_combined_overflow_ends_in_more_with_topic() -> None:
    long = "Een lange zin over de staking in de havens. " * 20
    entries = [(brief(n, long, minutes=n), "staking") for n in range(1, 40)]
    entries.append((brief(99, long, minutes=99), "Oekraïne"))
    out = render_combined(entries, now=NOW, tz=TZ)
    plain = _check(out)
    tail = plain.split("\n\n")[-2]
    assert tail.startswith("en ") and " meer: /laatste staking" in tail
    shown = plain.count(" · ")
    left = int(tail.split()[1])
    assert shown + left == 40 and shown >= 3
    assert plain.endswith("Je volgt: staking, Oekraïne")


def test_overview_groups_by_topic_newest_first() -> None:
    groups = [
        ("Oekraïne", [brief(1, "Oekraïne oud.", minutes=50),
                      brief(2, "Oekraïne nieuw.", minutes=5)]),
        ("staking", [brief(3, "Staking.", dateline="ROTTERDAM", minutes=20)]),
    ]
    plans = render_overview(groups, at=AT, now=NOW, tz=TZ)
    assert len(plans) == 1
    plain = _check(render_overview_message(plans[0], at=AT, now=NOW, tz=TZ))
    parts = plain.split("\n\n")
    assert parts[0] == "Je overzicht van 08:00"
    assert parts[1] == "Oekraïne"
    assert "Oekraïne nieuw." in parts[2] and "Oekraïne oud." in parts[3]
    assert parts[4] == "staking" and "Staking." in parts[5]


def test_overview_of_another_day_says_so() -> None:
    plans = render_overview([("x", [brief(1)])], at=AT - timedelta(days=1), now=NOW, tz=TZ)
    text = render_overview_message(plans[0], at=AT - timedelta(days=1), now=NOW, tz=TZ)
    assert parse_html(text).startswith("Je overzicht van 08:00 (gisteren)")


def test_nothing_held_nothing_planned() -> None:
    assert render_overview([], at=AT, now=NOW, tz=TZ) == []
    assert render_overview([("x", [])], at=AT, now=NOW, tz=TZ) == []


def test_long_overview_splits_into_three_and_counts_the_rest() -> None:
    long = "Een lange zin over het nieuws van vandaag in Nederland. " * 12
    groups = [(f"onderwerp {g}", [brief(g * 100 + n, long, minutes=n) for n in range(20)])
              for g in range(4)]
    plans = render_overview(groups, at=AT, now=NOW, tz=TZ)
    assert len(plans) == MAX_OVERVIEW_MESSAGES
    texts = [render_overview_message(p, at=AT, now=NOW, tz=TZ, part=i)
             for i, p in enumerate(plans)]
    plains = [_check(t) for t in texts]
    assert plains[1].startswith("Je overzicht van 08:00 (vervolg)")
    assert "meer: /laatste onderwerp" in plains[-1]
    carried = sum(len(items) for plan in plans for _, items in plan)
    assert carried == 80  # every item is in some message (shown or counted)


TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=3000,
)


@PROPS
@given(
    entries=st.lists(st.tuples(TEXT, st.text(max_size=200), TEXT.map(lambda s: s[:80])),
                     min_size=1, max_size=30),
)
def test_combined_is_valid_for_any_text(entries: list[tuple[str, str, str]]) -> None:
    items = [
        (brief(n, text or "x", dateline=dateline, minutes=n), label)
        for n, (text, label, dateline) in enumerate(entries)
    ]
    plain = _check(render_combined(items, now=NOW, tz=TZ))
    assert plain.strip()


@PROPS
@given(
    groups=st.lists(
        st.tuples(st.text(max_size=200), st.lists(TEXT, min_size=0, max_size=15)),
        max_size=6,
    ),
)
def test_overview_is_valid_for_any_text(groups: list[tuple[str, list[str]]]) -> None:
    counter = iter(range(10_000))
    built = [(label, [brief(next(counter), t or "x") for t in texts]) for label, texts in groups]
    plans = render_overview(built, at=AT, now=NOW, tz=TZ)
    assert len(plans) <= MAX_OVERVIEW_MESSAGES
    total = sum(len(items) for _, items in built)
    assert sum(len(items) for plan in plans for _, items in plan) == total
    for part, plan in enumerate(plans):
        _check(render_overview_message(plan, at=AT, now=NOW, tz=TZ, part=part))
