"""Tests for bot.news.parse: wire headers, ages, admin briefs and articles, and news pages.

The seed page is read from disk; every other page is written inline below.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.news.parse import (
    Page,
    ParseError,
    Wire,
    parse_age,
    parse_article,
    parse_brief,
    parse_page,
    parse_wire,
)
from bot.news.text import strip_format, words
from tests.conftest import SEED

NOW = datetime(2025, 12, 19, 12, 0, tzinfo=UTC)

@pytest.fixture(scope="module")
def seed() -> str:
    return SEED.read_text(encoding="utf-8")


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


# --- parse_wire -------------------------------------------------------------------------


def test_wire_seed_header() -> None:
    wire = parse_wire("MOSKOU (ANP/RTR/AFP) - Rusland is zijn troepen aan het hergroeperen.")
    assert wire == Wire(
        "MOSKOU", ("ANP", "RTR", "AFP"), "Rusland is zijn troepen aan het hergroeperen."
    )


@pytest.mark.parametrize(
    "dateline",
    ["DEN HAAG", "NEW YORK", "'S-HERTOGENBOSCH", "’S-HERTOGENBOSCH", "ST. PETERSBURG", "KYIV",
     "SÃO PAULO", "ZÜRICH", "OS"],
)  # fmt: skip
def test_wire_datelines(dateline: str) -> None:
    wire = parse_wire(f"{dateline} (ANP) - De tekst.")
    assert wire == Wire(dateline, ("ANP",), "De tekst.")


@pytest.mark.parametrize("dash", ["-", "–", "—"])
def test_wire_dashes(dash: str) -> None:
    assert parse_wire(f"OSLO (ANP) {dash} Tekst.") == Wire("OSLO", ("ANP",), "Tekst.")


def test_wire_agencies_without_dateline() -> None:
    assert parse_wire("(ANP/BELGA) - Het bericht.") == Wire("", ("ANP", "BELGA"), "Het bericht.")


def test_wire_dateline_without_agencies() -> None:
    wire = parse_wire("DEN HAAG - Het kabinet valt.")
    assert wire == Wire("DEN HAAG", (), "Het kabinet valt.")


def test_wire_agencies_with_spaces_and_digits() -> None:
    assert parse_wire("BERLIJN ( DPA / N1 ) - Tekst.") == Wire("BERLIJN", ("DPA", "N1"), "Tekst.")


def test_wire_keeps_parentheses_in_text() -> None:
    wire = parse_wire("MOSKOU (ANP) - Poetin (73) zegt (opnieuw) niets.")
    assert wire == Wire("MOSKOU", ("ANP",), "Poetin (73) zegt (opnieuw) niets.")


def test_wire_collapses_whitespace() -> None:
    wire = parse_wire("  PARIJS\u00a0(ANP/AFP)  -   De staking\n is  voorbij.  ")
    assert wire == Wire("PARIJS", ("ANP", "AFP"), "De staking is voorbij.")


def test_wire_normalises_decomposed_accents() -> None:
    assert parse_wire("SA\u0303O PAULO (AFP) - Tekst.").dateline == "SÃO PAULO"


@pytest.mark.parametrize(
    "paragraph",
    [
        "Rusland is zijn troepen aan het hergroeperen.",
        "NAVO - of niet, dat is de vraag.",
        "Het kabinet (VVD) - zo zegt men - valt.",
        "Moskou (ANP) - kleine letters zijn geen dateline.",
        "MOSKOU (ANP/Reuters) - gemengde persbureaus worden niet herkend.",
        "A (ANP) - een letter is te weinig.",
        "DIT IS EEN HEEL LANGE KOP (ANP) - meer dan vier woorden.",
        "NEW YORK 2 (AP) - cijfers horen niet in een dateline.",
        "",
    ],
)
def test_wire_without_header(paragraph: str) -> None:
    assert parse_wire(paragraph) == Wire("", (), paragraph)


def test_wire_header_without_text() -> None:
    assert parse_wire("PARIJS (ANP) -") == Wire("PARIJS", ("ANP",), "")


# --- parse_age --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("16 minuten geleden", minutes(16)),
        ("1 minuut geleden", minutes(1)),
        ("een minuut geleden", minutes(1)),
        ("1 uur geleden", minutes(60)),
        ("2 uur geleden", minutes(120)),
        ("3 uren geleden", minutes(180)),
        ("30 seconden geleden", timedelta(seconds=30)),
        ("1 dag geleden", timedelta(days=1)),
        ("2 dagen geleden", timedelta(days=2)),
        ("1 week geleden", timedelta(days=7)),
        ("zojuist", timedelta(0)),
        ("net", timedelta(0)),
        ("Zojuist", timedelta(0)),
        ("16 minuten", minutes(16)),
        ("16 min", minutes(16)),
        ("16 MINUTEN GELEDEN", minutes(16)),
        ("  16\u00a0minuten   geleden ", minutes(16)),
    ],
)
def test_parse_age(text: str, expected: timedelta) -> None:
    assert parse_age(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "minuten geleden", "16 jaar geleden", "16 minuten geleden KYIV", "netjes"],
)
def test_parse_age_rejects(text: str) -> None:
    assert parse_age(text) is None


# --- parse_brief ------------------------------------------------------------------------


def test_brief() -> None:
    item = parse_brief(
        "PARIJS (ANP/AFP) - De staking bij het Louvre is voorlopig voorbij.",
        now=NOW,
        source="admin:42",
        section="Buitenland",
    )
    assert item.kind == "brief"
    assert item.paragraphs == ("De staking bij het Louvre is voorlopig voorbij.",)
    assert item.title == ""
    assert item.dateline == "PARIJS"
    assert item.agencies == ("ANP", "AFP")
    assert item.published_at == NOW
    assert item.source == "admin:42"
    assert item.section == "Buitenland"
    assert item.lead is False


def test_brief_collapses_lines() -> None:
    item = parse_brief(
        "OSLO (ANP) -\nKroonprinses Mette-Marit\r\n  moet  worden\tgeopereerd.", now=NOW
    )
    assert item.paragraphs == ("Kroonprinses Mette-Marit moet worden geopereerd.",)
    assert item.dateline == "OSLO"


def test_brief_without_header() -> None:
    item = parse_brief("Het kabinet is gevallen.", now=NOW)
    assert (item.dateline, item.agencies, item.paragraphs) == (
        "",
        (),
        ("Het kabinet is gevallen.",),
    )


@pytest.mark.parametrize("text", ["", "   \n\t\u00a0 "])
def test_brief_empty(text: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_brief(text, now=NOW)
    assert str(info.value) == "leeg bericht"
    assert info.value.line is None


def test_brief_header_only() -> None:
    with pytest.raises(ParseError, match="geen tekst na 'PARIJS \\(ANP\\) -'"):
        parse_brief("PARIJS (ANP) - ", now=NOW)


def test_naive_now_is_refused() -> None:
    naive = datetime(2025, 12, 19, 12, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_brief("Tekst.", now=naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_article("Titel\nTekst.", now=naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_page("Titel\nTekst.\nMeer uit X\nBericht hier nu.\nzojuist", now=naive)


# --- parse_article ----------------------------------------------------------------------

ARTICLE = """\
Kabinet valt over stikstof

DEN HAAG (ANP) - Het kabinet is gevallen. Dat meldt de premier.
De oppositie reageert verheugd.
Verkiezingen
Nieuwe verkiezingen volgen in het voorjaar.
Wat nu?
Niemand weet het.
"""


def test_article() -> None:
    item = parse_article(ARTICLE, now=NOW, source="admin:1", section="Binnenland")
    assert item.kind == "article"
    assert item.title == "Kabinet valt over stikstof"
    assert item.dateline == "DEN HAAG"
    assert item.agencies == ("ANP",)
    assert item.paragraphs[0] == "Het kabinet is gevallen. Dat meldt de premier."
    assert item.headings == (2,)
    assert item.subheadings == ("Verkiezingen",)
    assert len(item.paragraphs) == 6
    assert item.published_at == NOW
    assert item.lead is True
    assert item.section == "Binnenland"
    assert item.source == "admin:1"


def test_article_not_lead() -> None:
    assert parse_article(ARTICLE, now=NOW, lead=False).lead is False


def test_article_short_first_paragraph_is_not_a_heading() -> None:
    item = parse_article("Titel\nKort begin\nDaarna de tekst.", now=NOW)
    assert item.paragraphs == ("Kort begin", "Daarna de tekst.")
    assert item.headings == ()


def test_article_long_line_without_punctuation_is_not_a_heading() -> None:
    long_line = "Een heel lange regel zonder punt aan het einde die toch gewoon een alinea is"
    item = parse_article(f"Titel\nBegin.\n{long_line}", now=NOW)
    assert item.headings == ()


def test_article_title_only() -> None:
    with pytest.raises(ParseError) as info:
        parse_article("\n  Alleen een titel  \n\n", now=NOW)
    assert info.value.line == 2
    assert str(info.value).startswith("regel 2: alleen een titel")


def test_article_empty() -> None:
    with pytest.raises(ParseError, match=r"^leeg bericht$"):
        parse_article(" \n ", now=NOW)


def test_article_missing_title() -> None:
    with pytest.raises(ParseError, match=r"^regel 1: de eerste regel moet de titel zijn"):
        parse_article("MOSKOU (ANP) - Tekst.\nMeer tekst.", now=NOW)


# --- parse_page: the seed ---------------------------------------------------------------


def test_seed_page(seed: str) -> None:
    page = parse_page(seed, now=NOW, source="seed")
    article = page.article
    assert article.title == "Rusland trekt troepen terug uit Izjoem en Balaklia"
    assert article.kind == "article"
    assert article.dateline == "MOSKOU"
    assert article.agencies == ("ANP", "RTR", "AFP")
    assert len(article.paragraphs) == 6
    assert article.headings == (3,)
    assert article.paragraphs[3] == "Spoorrails"
    assert article.paragraphs[0].startswith("Rusland is zijn troepen in Oekraïne")
    assert article.section == "Buitenland"
    assert article.lead is True
    assert article.published_at is None
    assert article.source == "seed"

    assert page.section == "Buitenland"
    briefs = page.briefs
    assert [b.dateline for b in briefs] == [
        "PARIJS", "KYIV", "MOSKOU", "PARIJS", "OSLO", "TOKIO", "ARNHEM",
    ]  # fmt: skip
    assert [b.agencies for b in briefs] == [
        ("ANP", "AFP"),
        ("AFP", "RTR"),
        ("ANP", "RTR"),
        ("ANP", "RTR", "AFP"),
        ("ANP",),
        ("ANP", "RTR"),
        ("ANP",),
    ]
    assert [NOW - b.published_at for b in briefs if b.published_at] == [
        minutes(n) for n in (16, 37, 49, 55, 59, 60, 60)
    ]
    assert briefs[0].paragraphs[0].startswith("De staking bij het Louvre is voorlopig voorbij.")
    assert briefs[1].paragraphs[0].startswith("Oekraïne heeft de lichamen van 1003")
    assert briefs[6].paragraphs[0].endswith("De verdenking luidt dood door schuld.")
    for brief in briefs:
        assert brief.kind == "brief"
        assert len(brief.paragraphs) == 1
        assert brief.title == ""
        assert brief.section == "Buitenland"
        assert brief.lead is False
        assert brief.source == "seed"
        assert "geleden" not in brief.paragraphs[0]
        assert not re.match(r"[A-Z]+ \(", brief.paragraphs[0])


def test_seed_crlf_and_bom(seed: str) -> None:
    variant = "\ufeff" + seed.replace("\n", "\r\n")
    assert parse_page(variant, now=NOW) == parse_page(seed, now=NOW)


def test_seed_cr_only(seed: str) -> None:
    assert parse_page(seed.replace("\n", "\r"), now=NOW) == parse_page(seed, now=NOW)


def test_seed_extra_blank_lines_and_spaces(seed: str) -> None:
    lines = seed.split("\n")
    variant = "\n\n  \n" + "\n\n \t\n".join(f"  {line}\u00a0 " for line in lines) + "\n\n\n"
    assert parse_page(variant, now=NOW) == parse_page(seed, now=NOW)


def test_seed_with_line_breaks_intact(seed: str) -> None:
    variant = re.sub(r"geleden(?=\S)", "geleden\n", seed)
    assert variant.count("\n") > seed.count("\n")
    assert parse_page(variant, now=NOW) == parse_page(seed, now=NOW)


def test_seed_with_space_between_age_and_dateline(seed: str) -> None:
    variant = re.sub(r"geleden(?=\S)", "geleden   ", seed)
    assert parse_page(variant, now=NOW) == parse_page(seed, now=NOW)


def test_seed_section_override(seed: str) -> None:
    page = parse_page(seed, now=NOW, section="Oorlog in Oekraïne")
    assert page.section == "Oorlog in Oekraïne"
    assert page.article.section == "Oorlog in Oekraïne"
    assert {b.section for b in page.briefs} == {"Oorlog in Oekraïne"}


def test_seed_keeps_now_timezone(seed: str) -> None:
    amsterdam = ZoneInfo("Europe/Amsterdam")
    now = datetime(2025, 12, 19, 13, 0, tzinfo=amsterdam)
    page = parse_page(seed, now=now)
    assert page.briefs[0].published_at == datetime(2025, 12, 19, 12, 44, tzinfo=amsterdam)


# --- parse_page: other shapes -----------------------------------------------------------

BINNENLAND = """\
Kabinet & Kamer botsen over <begroting>
DEN HAAG (ANP) - Het kabinet en de Tweede Kamer liggen overhoop. "Dit is <onacceptabel>," zegt een Kamerlid.
Volgens de premier is er 'nog tijd genoeg' om tot een akkoord te komen.
Geld & gedoe
De Kamer stemt dinsdag over de begroting & de moties.
Meer uit Binnenland
'S-HERTOGENBOSCH (ANP) - De carnavalsoptocht in Oeteldonk gaat door, meldt de gemeente.
2 uur geledenNEW YORK (AP/RTR) - Een Nederlandse kunstenaar wint een prijs voor "Vis & <Vlees>".
3 uur geleden
DEN HAAG - Het aantal daklozen is gestegen, meldt het CBS.
1 dag geleden (ANP) - Er is een nieuwe minister van Financiën.
2 dagen geleden
Het KNMI waarschuwt voor gladheid in het noorden.
1 week geleden
"""  # noqa: E501


def test_binnenland_page() -> None:
    page = parse_page(BINNENLAND, now=NOW, source="page")
    article = page.article
    assert article.title == "Kabinet & Kamer botsen over <begroting>"
    assert article.dateline == "DEN HAAG"
    assert article.agencies == ("ANP",)
    assert article.paragraphs[0].endswith('"Dit is <onacceptabel>," zegt een Kamerlid.')
    assert article.headings == (2,)
    assert article.subheadings == ("Geld & gedoe",)
    assert page.section == "Binnenland"

    briefs = page.briefs
    assert [b.dateline for b in briefs] == ["'S-HERTOGENBOSCH", "NEW YORK", "DEN HAAG", "", ""]
    assert [b.agencies for b in briefs] == [("ANP",), ("AP", "RTR"), (), ("ANP",), ()]
    assert [NOW - b.published_at for b in briefs if b.published_at] == [
        timedelta(hours=2),
        timedelta(hours=3),
        timedelta(days=1),
        timedelta(days=2),
        timedelta(days=7),
    ]
    assert briefs[1].paragraphs == (
        'Een Nederlandse kunstenaar wint een prijs voor "Vis & <Vlees>".',
    )
    assert briefs[3].paragraphs == ("Er is een nieuwe minister van Financiën.",)
    assert briefs[4].paragraphs == ("Het KNMI waarschuwt voor gladheid in het noorden.",)
    assert all(b.section == "Binnenland" and b.source == "page" for b in briefs)


def test_multiword_section() -> None:
    text = (
        "Chipmaker groeit\n"
        "VELDHOVEN (ANP) - ASML verkoopt meer machines.\n"
        "Meer uit Tech & Media\n"
        "AMSTERDAM (ANP) - Een nieuwe app is populair.\n"
        "zojuist\n"
    )
    page = parse_page(text, now=NOW)
    assert page.section == "Tech & Media"
    assert page.article.section == "Tech & Media"
    assert page.briefs[0].published_at == NOW


def test_article_without_wire_header() -> None:
    text = "Titel\nGewoon een alinea.\nMeer uit Economie\nOSLO (ANP) - Bericht.\n5 minuten geleden"
    page = parse_page(text, now=NOW)
    assert (page.article.dateline, page.article.agencies) == ("", ())
    assert page.article.paragraphs == ("Gewoon een alinea.",)
    assert page.briefs[0].published_at == NOW - minutes(5)


def test_meer_uit_sentence_in_article_is_not_the_marker() -> None:
    text = (
        "Titel\n"
        "OSLO (ANP) - Begin.\n"
        "Meer uit het rapport is nog niet bekendgemaakt door de regering.\n"
        "Meer uit Buitenland\n"
        "OSLO (ANP) - Bericht.\n"
        "net\n"
    )
    page = parse_page(text, now=NOW)
    assert len(page.article.paragraphs) == 2
    assert page.section == "Buitenland"


def test_dateline_starting_with_net_is_not_an_age() -> None:
    text = (
        "Titel\n"
        "Begin.\n"
        "Meer uit Buitenland\n"
        "TEL AVIV (ANP) - Eerste bericht.\n"
        "5 minuten geleden\n"
        "NETANYA (ANP) - Tweede bericht.\n"
        "10 minuten geleden"
    )
    page = parse_page(text, now=NOW)
    assert [b.dateline for b in page.briefs] == ["TEL AVIV", "NETANYA"]


# --- parse_page: refused pages ----------------------------------------------------------

_HEAD = "Titel\nMOSKOU (ANP) - Eerste alinea.\nMeer uit Buitenland\n"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", None, "lege pagina"),
        ("\ufeff \r\n\u00a0\n", None, "lege pagina"),
        (
            "Titel\nEerste alinea.\nTweede alinea.\n",
            3,
            "geen regel 'Meer uit <rubriek>' gevonden",
        ),
        ("Meer uit Buitenland\nOSLO (ANP) - Bericht.\n1 uur geleden", 1, "geen titel vóór"),
        (
            "Titel\n\nMeer uit Buitenland\nOSLO (ANP) - Bericht.\n1 uur geleden",
            3,
            "geen artikeltekst",
        ),
        ("MOSKOU (ANP) - Tekst.\nMeer tekst.\nMeer uit X\nOSLO (ANP) - B.\nnet", 1, "de titel"),
        ("Titel\nMOSKOU (ANP) -\nMeer uit X\nOSLO (ANP) - B.\nnet", 2, "geen tekst na 'MOSKOU"),
        (_HEAD, 3, "geen berichten na 'Meer uit Buitenland'"),
        (_HEAD + "\n\n", 3, "geen berichten na"),
        (
            _HEAD + "16 minuten geledenKYIV (AFP) - Bericht.\n1 uur geleden",
            4,
            "geen bericht vóór de leeftijd '16 minuten geleden'",
        ),
        (
            _HEAD + "OSLO (ANP) - Bericht.\n5 minuten geleden\n6 minuten geleden",
            6,
            "geen bericht vóór de leeftijd '6 minuten geleden'",
        ),
        (
            _HEAD + "OSLO (ANP) - Bericht een.\nKYIV (AFP) - Bericht twee.\n1 uur geleden",
            5,
            "leeftijd ontbreekt voor het bericht van regel 4",
        ),
        (
            _HEAD + "OSLO (ANP) - Bericht.\n5 minuten geledenKYIV (AFP) - Twee.",
            5,
            "leeftijd ontbreekt voor het laatste bericht",
        ),
        (_HEAD + "OSLO (ANP) - Bericht.", 4, "leeftijd ontbreekt voor het laatste bericht"),
        (
            _HEAD + "OSLO (ANP) - Bericht.\n5 minuten geleden\nToon meer berichten\n",
            6,
            "geen bericht of leeftijd te lezen in 'Toon meer berichten'",
        ),
        (_HEAD + "OSLO (ANP) - Bericht.\n5 minuten geleden***", 5, "geen bericht of leeftijd"),
        (_HEAD + "16 minutn geleden\n", 4, "geen bericht of leeftijd te lezen"),
        (_HEAD + "OSLO (ANP) - Bericht.\nzojuistPARIJS (ANP) -\n", 5, "geen tekst na 'PARIJS"),
        (
            _HEAD + "OSLO (ANP) - Bericht.\n1 uur geleden\nMeer uit Economie\n",
            6,
            "tweede regel 'Meer uit Economie'",
        ),
    ],
)
def test_bad_pages(text: str, line: int | None, message: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_page(text, now=NOW)
    assert info.value.line == line
    assert message in str(info.value)
    if line is None:
        assert "regel" not in str(info.value)
    else:
        assert str(info.value).startswith(f"regel {line}: ")


def test_parse_error_is_a_value_error() -> None:
    error = ParseError("geen bericht vóór de leeftijd '16 minuten geleden'", 9)
    assert isinstance(error, ValueError)
    assert str(error) == "regel 9: geen bericht vóór de leeftijd '16 minuten geleden'"
    assert error.line == 9


def test_page_is_a_plain_value(seed: str) -> None:
    page = parse_page(seed, now=NOW)
    assert isinstance(page, Page)
    assert page.briefs[0].received_at is None


# --- Time and text ----------------------------------------------------------------------

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _page(*briefs_and_ages: str) -> str:
    return "Titel\nMOSKOU (ANP) - Eerste alinea.\nMeer uit Buitenland\n" + "\n".join(
        briefs_and_ages
    )


def test_page_ages_across_the_spring_dst_change_are_real_hours() -> None:
    """Ages are subtracted in UTC, not on the wall clock of the zone."""
    # 03:30 CEST on the last Sunday of March 2026 = 01:30 UTC; the clocks jumped 02:00 -> 03:00.
    now = datetime(2026, 3, 29, 3, 30, tzinfo=AMSTERDAM)
    page = parse_page(
        _page("OSLO (ANP) - Een.", "1 uur geleden", "KYIV (AFP) - Twee.", "2 uur geleden"),
        now=now,
    )
    one, two = (b.published_at for b in page.briefs)
    assert one is not None and two is not None
    assert one.astimezone(UTC) == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert two.astimezone(UTC) == datetime(2026, 3, 28, 23, 30, tzinfo=UTC)
    assert now.timestamp() - one.timestamp() == 3600
    assert now.timestamp() - two.timestamp() == 7200
    assert one.utcoffset() == timedelta(hours=1)  # 01:30 CET, not a time in the gap


def test_page_ages_across_the_autumn_dst_change_are_real_hours() -> None:
    """In the repeated hour of October an age is still real time."""
    now = datetime(2026, 10, 25, 3, 30, tzinfo=AMSTERDAM)  # CET, 02:30 UTC
    page = parse_page(_page("OSLO (ANP) - Een.", "2 uur geleden"), now=now)
    [brief] = page.briefs
    assert brief.published_at is not None
    assert brief.published_at.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_invisible_format_characters_are_stripped_from_pages() -> None:
    """Soft hyphen, zero-width and other Cf characters leave the text."""
    page = parse_page(
        _page("KYIV (AFP) - Oekra\u00adïne en Rus\u200bland pra\u2060ten\u200e weer.",
              "5 minuten geleden"),
        now=NOW,
    )
    assert page.briefs[0].paragraphs == ("Oekraïne en Rusland praten weer.",)
    brief = parse_brief("OSLO (ANP) - Noor\ufeff\u200dwegen.", now=NOW)
    assert brief.paragraphs == ("Noorwegen.",)


@pytest.mark.parametrize("dash", ["\u2212", "\u2010", "\u2015", "\uff0d"])
def test_wire_minus_sign_and_other_dashes(dash: str) -> None:
    """A minus sign (U+2212) after the agencies is a wire dash."""
    assert parse_wire(f"OSLO (ANP) {dash} Tekst.") == Wire("OSLO", ("ANP",), "Tekst.")
    assert parse_wire(f"DEN HAAG {dash} Het kabinet valt.") == Wire(
        "DEN HAAG", (), "Het kabinet valt."
    )


@pytest.mark.parametrize("dateline", ["G20 TOP", "COVID-19 CENTRUM", "A2 UTRECHT"])
def test_wire_dateline_with_a_digit(dateline: str) -> None:
    """A dateline may hold digits inside a word that has letters."""
    assert parse_wire(f"{dateline} (ANP) - De tekst.") == Wire(dateline, ("ANP",), "De tekst.")


@pytest.mark.parametrize(
    "first",
    [
        "Net 2 procent van de Nederlanders stemt niet.",
        'Zojuist: "Het kabinet is gevallen", meldt de premier.',
        "Gisteren, zo meldt de politie, was het rustig.",
        "Net: de trein rijdt weer.",
    ],
)
def test_first_brief_starting_with_an_age_word_is_a_brief(first: str) -> None:
    """"Net 2 procent ..." or 'Zojuist: "..."' is not taken for an age."""
    page = parse_page(
        _page(first, "5 minuten geleden", first.replace("Nederlanders", "Belgen"), "zojuist"),
        now=NOW,
    )
    assert [b.paragraphs[0] for b in page.briefs] == [
        first, first.replace("Nederlanders", "Belgen")
    ]
    assert [NOW - b.published_at for b in page.briefs if b.published_at] == [
        minutes(5), timedelta(0)
    ]


def test_gisteren_is_an_age_the_same_clock_time_yesterday() -> None:
    """'gisteren' is accepted; it means this clock time on the day before."""
    assert parse_age("gisteren") == timedelta(days=1)
    assert parse_age("Gisteren") == timedelta(days=1)
    now = datetime(2026, 3, 30, 0, 30, tzinfo=AMSTERDAM)  # the day after a 23-hour day
    page = parse_page(
        _page("OSLO (ANP) - Een.", "gisterenKYIV (AFP) - Twee.", "Gisteren"), now=now
    )
    for brief in page.briefs:
        assert brief.published_at is not None
        local = brief.published_at.astimezone(AMSTERDAM)
        assert (local.date(), local.hour, local.minute) == (datetime(2026, 3, 29).date(), 0, 30)
    assert now.timestamp() - page.briefs[0].published_at.timestamp() == 23 * 3600  # type: ignore[union-attr]


def test_age_followed_by_punctuation_is_no_age() -> None:
    """'Zojuist: ...' after a brief still needs that brief's own age."""
    with pytest.raises(ParseError, match="leeftijd ontbreekt"):
        parse_page(_page("OSLO (ANP) - Een.", 'Zojuist: "Het kabinet is gevallen."'), now=NOW)


def test_strip_format_is_the_one_cleaner_and_keeps_emoji_sequences() -> None:
    """Every Cf character goes, except a joiner inside an emoji sequence."""
    assert strip_format("Oekra\u00adïne \u200bRus\u200cland\u200d \u202aX\u202c\ufeff") == (
        "Oekraïne Rusland X"
    )
    assert strip_format("a\u200db") == "ab"
    assert strip_format("🏳️\u200d🌈") == "🏳️\u200d🌈"
    assert words("Oekra\u00adïne") == ["oekraine"]
