"""Rendering to Telegram HTML and Dutch times, checked the way Telegram would parse them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.news.items import Item
from bot.news.render import (
    MAX_MESSAGE,
    first_sentence,
    render_alert,
    render_article,
    render_brief_line,
    render_list,
    truncate,
)
from bot.news.text import strip_format
from bot.news.timefmt import ago, when
from fakes.telegram_html import parse_html, utf16_len

TZ = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2025, 12, 19, 13, 0, tzinfo=UTC)  # 14:00 in Amsterdam

PROPS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

KYIV = Item(
    kind="brief",
    paragraphs=(
        "Oekraïne heeft de lichamen van 1003 vermoedelijke militairen ontvangen uit Rusland, "
        "melden de Oekraïense autoriteiten. De identiteit van de overledenen moet nog worden "
        "vastgesteld. De militairen zouden zijn omgekomen tijdens gevechten met Rusland.",
    ),
    dateline="KYIV",
    agencies=("AFP", "RTR"),
    section="Buitenland",
    published_at=NOW - timedelta(minutes=37),
)

LEAD = Item(
    kind="article",
    title="Rusland trekt troepen terug uit Izjoem en Balaklia",
    paragraphs=(
        'Rusland is zijn troepen in Oekraïne aan het "hergroeperen" en daarom worden '
        "militairen teruggetrokken uit de plaatsen Izjoem en Balaklia, beiden in de regio "
        "Charkov. Zij gaan naar de nabijgelegen regio Donetsk.",
        "Niet lang na de berichtgeving deelde de stafchef van de Oekraïense president "
        "Volodimir Zelenski op sociale media een foto.",
        "Spoorrails",
        "De aankondiging over de verplaatsing van Russische militairen komt uren nadat "
        "Oekraïense autoriteiten hadden gezegd dat hun troepen Koepjansk waren binnengetrokken.",
    ),
    headings=(2,),
    dateline="MOSKOU",
    agencies=("ANP", "RTR", "AFP"),
    section="Buitenland",
    lead=True,
    received_at=NOW - timedelta(hours=2, minutes=30),
    link="https://example.nl/nieuws/123?a=1&b=2",
)


def test_list_with_an_invisible_header_still_reads() -> None:
    """Found by hypothesis: a header of only a soft hyphen left an empty message."""
    assert _check(render_list([], header="\xad", now=NOW, tz=TZ)) == "Berichten"


def _check(message: str) -> str:
    """Parse like Telegram and check the length; return the plain text."""
    plain = parse_html(message)
    assert utf16_len(plain) <= MAX_MESSAGE
    assert utf16_len(message) <= MAX_MESSAGE
    assert plain.strip()
    return plain


# --- the seed -----------------------------------------------------------------


def test_alert_for_seed_brief() -> None:
    out = render_alert(KYIV, reason="Oekraïne", now=NOW, tz=TZ)
    assert out.startswith("<b>KYIV</b> (AFP/RTR) - Oekraïne heeft de lichamen")
    assert "<i>Buitenland · 37 minuten geleden</i>" in out
    assert out.splitlines()[-1] == "Je volgt: Oekraïne"
    assert "Lees meer" not in out
    plain = _check(out)
    assert "vastgesteld. De militairen" in plain


def test_alert_escapes_text_and_reason() -> None:
    item = KYIV.with_(
        paragraphs=("Procter & Gamble zegt \"x < y\" en 'a > b' & meer.",),
        dateline="DEN HAAG",
        agencies=("A&P",),
    )
    out = render_alert(item, reason="<b>R&D</b>", now=NOW, tz=TZ)
    assert "Procter &amp; Gamble zegt \"x &lt; y\" en 'a &gt; b' &amp; meer." in out
    assert "(A&amp;P)" in out
    assert "Je volgt: &lt;b&gt;R&amp;D&lt;/b&gt;" in out
    plain = _check(out)
    assert 'Procter & Gamble zegt "x < y"' in plain
    assert "Je volgt: <b>R&D</b>" in plain


def test_alert_link_only_http() -> None:
    good = render_alert(KYIV.with_(link='https://x.nl/a?b=1&c="2"'), reason="r", now=NOW, tz=TZ)
    assert '<a href="https://x.nl/a?b=1&amp;c=&quot;2&quot;">Lees meer</a>' in good
    _check(good)
    for bad in ("javascript:alert(1)", "ftp://x.nl/a", "https://", "http://x.nl/a b"):
        out = render_alert(KYIV.with_(link=bad), reason="r", now=NOW, tz=TZ)
        assert "<a " not in out


def test_alert_for_article_starts_with_title() -> None:
    out = render_alert(LEAD, reason="Oekraïne", now=NOW, tz=TZ)
    first, second = out.split("\n")[:2]
    assert first == "<b>Rusland trekt troepen terug uit Izjoem en Balaklia</b>"
    assert second.startswith("<b>MOSKOU</b> (ANP/RTR/AFP) - Rusland is zijn troepen")
    assert "<i>Buitenland · vandaag 11:30</i>" in out
    assert "Spoorrails" not in out
    _check(out)


def test_article_for_seed_lead() -> None:
    messages = render_article(LEAD, now=NOW, tz=TZ)
    assert len(messages) == 1
    out = messages[0]
    assert out.startswith(
        "<b>Rusland trekt troepen terug uit Izjoem en Balaklia</b>\n\n"
        "<b>MOSKOU</b> (ANP/RTR/AFP) - Rusland is zijn troepen"
    )
    assert "\n\n<b>Spoorrails</b>\n\nDe aankondiging" in out
    assert out.endswith(
        '<i>Buitenland · vandaag 11:30</i>\n<a href="https://example.nl/nieuws/123?a=1&amp;b=2">'
        "Lees meer</a>"
    )
    _check(out)


def test_article_without_any_time_has_section_only() -> None:
    out = render_article(LEAD.with_(received_at=None, link=None), now=NOW, tz=TZ)
    assert out[-1].endswith("<i>Buitenland</i>")


def test_long_article_splits_at_paragraphs() -> None:
    paragraph = "Dit is een zin over de oorlog. " * 40  # about 1,240 characters
    item = LEAD.with_(paragraphs=tuple(f"{i} {paragraph}".strip() for i in range(8)), headings=())
    messages = render_article(item, now=NOW, tz=TZ)
    assert 2 <= len(messages) <= 5
    for message in messages:
        _check(message)
        # Every message holds whole paragraphs: none ends mid-sentence.
        body = message.split("\n\n<i>")[0]
        assert body.endswith("oorlog.")
    assert messages[-1].endswith("Lees meer</a>")


def test_article_over_five_messages_is_cut_with_ellipsis() -> None:
    item = LEAD.with_(paragraphs=("Woord " * 6000,) * 3, headings=())
    messages = render_article(item, now=NOW, tz=TZ)
    assert len(messages) == 5
    for message in messages:
        _check(message)
    assert "…" in messages[-1]
    assert messages[-1].endswith("Lees meer</a>")


def test_brief_line() -> None:
    line = render_brief_line(KYIV, now=NOW, tz=TZ)
    assert line == (
        "<b>KYIV</b> Oekraïne heeft de lichamen van 1003 vermoedelijke militairen ontvangen "
        "uit Rusland, melden de Oekraïense autoriteiten. · <i>37 minuten geleden</i>"
    )
    article = render_brief_line(LEAD, now=NOW, tz=TZ)
    assert article.startswith(
        "<b>Rusland trekt troepen terug uit Izjoem en Balaklia</b> — Rusland is zijn troepen"
    )


def test_brief_line_cuts_long_sentence() -> None:
    line = render_brief_line(KYIV.with_(paragraphs=("woord " * 100,)), now=NOW, tz=TZ)
    plain = _check(line)
    assert "woord…" in plain
    assert len(plain) < 260


def test_list_notes_what_was_left_out() -> None:
    long = KYIV.with_(paragraphs=("lang " * 300,))
    out = render_list([long] * 30, header="Zoekresultaten", now=NOW, tz=TZ)
    assert out.startswith("<b>Zoekresultaten</b>\n\n<b>KYIV</b>")
    plain = _check(out)
    shown = plain.count("KYIV")
    assert 5 < shown < 30
    assert plain.endswith(f"… en nog {30 - shown} berichten")
    assert render_list([KYIV] * 2, header="Kop", now=NOW, tz=TZ).count("KYIV") == 2


# --- truncate and first_sentence ----------------------------------------------


def test_truncate_prefers_sentences_then_words() -> None:
    text = "De staking is voorbij. Het museum is weer open voor iedereen die wil."
    assert truncate(text, 100) == text
    assert truncate(text, 40) == "De staking is voorbij. …"
    assert truncate("een twee drie vier vijf zes", 15) == "een twee drie…"
    assert truncate("x" * 50, 10) == "x" * 9 + "…"
    assert truncate("abc", 0) == ""


def test_first_sentence() -> None:
    assert first_sentence('Hij zei "ja." Daarna niets.') == 'Hij zei "ja."'
    assert first_sentence("Geen punt") == "Geen punt"
    assert first_sentence("Bedrag van 1.003 euro. Meer.") == "Bedrag van 1.003 euro."


@PROPS
@given(st.text(max_size=3000), st.integers(min_value=1, max_value=4000))
def test_truncate_never_exceeds(text: str, limit: int) -> None:
    out = truncate(text, limit)
    assert len(out) <= limit
    if out != text:
        assert out.endswith("…")
        assert text.startswith(out.removesuffix("…").rstrip(" …"))


# --- any text at all ----------------------------------------------------------

ANY = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from("ab <>&\"' 😀\U0001f1f3\U0001f1f1.\n"), max_size=6000),
    st.text(max_size=20000),
)
LINKS = st.one_of(st.none(), st.just("https://nos.nl/a?b=1&c=<2>"), st.text(max_size=50))


def _item(kind: str, paragraph: str, title: str, dateline: str, link: str | None) -> Item:
    return Item(
        kind=kind,  # type: ignore[arg-type]
        paragraphs=(paragraph,),
        title=title,
        dateline=dateline,
        agencies=(dateline[:5], "ANP"),
        section=title[:30] or None,
        published_at=NOW - timedelta(minutes=len(paragraph) % 5000),
        link=link,
    )


@PROPS
@given(st.sampled_from(["brief", "article"]), ANY, ANY, ANY, ANY, LINKS)
def test_alert_and_brief_line_are_valid_for_any_text(
    kind: str, paragraph: str, title: str, dateline: str, reason: str, link: str | None
) -> None:
    item = _item(kind, paragraph, title, dateline, link)
    _check(render_alert(item, reason=reason, now=NOW, tz=TZ))
    _check(render_brief_line(item, now=NOW, tz=TZ))


@PROPS
@given(st.lists(st.tuples(ANY, ANY), max_size=40), ANY)
def test_list_is_valid_for_any_text(texts: list[tuple[str, str]], header: str) -> None:
    items = [_item("brief", p, "", d, None) for p, d in texts]
    _check(render_list(items, header=header, now=NOW, tz=TZ))


def _squeeze(text: str) -> str:
    """The visible characters: no whitespace, no invisible format characters (which the
    renderer drops on purpose)."""
    return "".join(strip_format(text).split())


@PROPS
@given(
    st.lists(ANY, min_size=1, max_size=6),
    st.sets(st.integers(min_value=0, max_value=5)),
    st.text(max_size=300),
    st.text(max_size=60),
    LINKS,
)
def test_article_messages_are_valid_and_lose_no_text(
    paragraphs: list[str], headings: set[int], title: str, dateline: str, link: str | None
) -> None:
    item = Item(
        kind="article",
        paragraphs=tuple(paragraphs),
        headings=tuple(sorted(headings)),
        title=title,
        dateline=dateline,
        agencies=("ANP",),
        section="Binnenland",
        received_at=NOW,
        link=link,
    )
    messages = render_article(item, now=NOW, tz=TZ)
    assert 1 <= len(messages) <= 5
    plains = [_check(m) for m in messages]
    joined = _squeeze("".join(plains))
    if len(messages) < 5:  # under the cap nothing may be lost
        for paragraph in (title, *paragraphs):
            assert _squeeze(paragraph) in joined


# --- Dutch times ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(seconds=-300), "zojuist"),
        (timedelta(seconds=0), "zojuist"),
        (timedelta(seconds=59), "zojuist"),
        (timedelta(minutes=1), "1 minuut geleden"),
        (timedelta(minutes=16, seconds=59), "16 minuten geleden"),
        (timedelta(minutes=60), "1 uur geleden"),
        (timedelta(hours=3, minutes=59), "3 uur geleden"),
        (timedelta(hours=23, minutes=59), "23 uur geleden"),
        (timedelta(hours=24), "gisteren"),
        (timedelta(hours=47), "gisteren"),
        (timedelta(days=3, hours=5), "3 dagen geleden"),
    ],
)
def test_ago(delta: timedelta, expected: str) -> None:
    assert ago(NOW - delta, NOW) == expected


def _ams(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("dt", "now", "expected"),
    [
        # Under an hour reads like ago, also across midnight.
        (_ams(2025, 11, 12, 23, 50), _ams(2025, 11, 13, 0, 10), "20 minuten geleden"),
        (_ams(2025, 11, 12, 23, 0), _ams(2025, 11, 13, 0, 30), "gisteren 23:00"),
        (_ams(2025, 11, 13, 0, 0), _ams(2025, 11, 13, 23, 59), "vandaag 00:00"),
        (_ams(2025, 11, 12, 14, 5), _ams(2025, 11, 12, 16, 0), "vandaag 14:05"),
        (_ams(2025, 11, 11, 9, 12), _ams(2025, 11, 12, 16, 0), "gisteren 09:12"),
        (_ams(2025, 11, 10, 23, 59), _ams(2025, 11, 12, 0, 1), "10 nov. 23:59"),
        (_ams(2025, 5, 3, 8, 0), _ams(2025, 11, 12, 16, 0), "3 mei 08:00"),
        (_ams(2024, 11, 12, 14, 5), _ams(2025, 1, 2, 16, 0), "12 nov. 2024"),
        # Clock skew: the future is now.
        (_ams(2025, 11, 12, 18, 0), _ams(2025, 11, 12, 16, 0), "zojuist"),
    ],
)
def test_when(dt: datetime, now: datetime, expected: str) -> None:
    assert when(dt, now, TZ) == expected


def test_when_uses_local_midnight_not_utc() -> None:
    # 22:30 UTC on 1 June is 00:30 on 2 June in Amsterdam (CEST).
    dt = datetime(2025, 6, 1, 22, 30, tzinfo=UTC)
    assert when(dt, datetime(2025, 6, 2, 10, 0, tzinfo=UTC), TZ) == "vandaag 00:30"
    # 23:30 UTC on 1 December is 00:30 on 2 December (CET).
    dt = datetime(2025, 12, 1, 23, 30, tzinfo=UTC)
    assert when(dt, datetime(2025, 12, 2, 10, 0, tzinfo=UTC), TZ) == "vandaag 00:30"


def test_when_across_dst_changes() -> None:
    # Spring forward on 30 March 2025: 02:00 CET becomes 03:00 CEST.
    before = datetime(2025, 3, 30, 0, 30, tzinfo=UTC)  # 01:30 CET
    after = datetime(2025, 3, 30, 1, 20, tzinfo=UTC)  # 03:20 CEST, 50 minutes later
    assert when(before, after, TZ) == "50 minuten geleden"
    assert when(before, after + timedelta(minutes=10), TZ) == "vandaag 01:30"
    assert ago(before, after + timedelta(minutes=10)) == "1 uur geleden"
    # Fall back on 26 October 2025: 03:00 CEST becomes 02:00 CET; 02:30 happens twice.
    first = datetime(2025, 10, 26, 0, 30, tzinfo=UTC)  # 02:30 CEST
    second = datetime(2025, 10, 26, 1, 30, tzinfo=UTC)  # 02:30 CET
    later = datetime(2025, 10, 26, 2, 45, tzinfo=UTC)  # 03:45 CET
    assert when(first, later, TZ) == "vandaag 02:30"
    assert when(second, later, TZ) == "vandaag 02:30"
    assert when(second, later - timedelta(minutes=20), TZ) == "55 minuten geleden"
    assert ago(first, later) == "2 uur geleden"
    # A day that is 23 hours long still has a "gisteren".
    saturday = datetime(2025, 3, 29, 22, 0, tzinfo=UTC)  # 23:00 CET
    sunday = datetime(2025, 3, 30, 21, 30, tzinfo=UTC)  # 23:30 CEST, 22.5 hours later
    assert when(saturday, sunday, TZ) == "gisteren 23:00"


def test_when_defaults_to_amsterdam() -> None:
    published = datetime(2025, 7, 1, 12, 5, tzinfo=UTC)
    assert when(published, datetime(2025, 7, 1, 18, 0, tzinfo=UTC)) == "vandaag 14:05"
