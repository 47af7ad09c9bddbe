"""The conversation's pure rules: lists, stop words and short terms, free-text
intent, button data, and the Dutch voice."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.news import buttons, deeplink, voice
from bot.news.follow import choose, is_name
from bot.news.intent import Kind, intent
from bot.news.match import TermError
from bot.news.regions import default_gazetteer
from bot.news.sections import Sections, feed_section, section_key, split_tag
from bot.news.terms import STOP_WORDS, split_terms

GAZ = default_gazetteer()
SECTIONS = Sections(["Buitenland"])


def _split(text: str) -> list[str]:
    return split_terms(text, lambda term: is_name(term, GAZ, SECTIONS))


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("Oekraïne, Rusland", ["Oekraïne", "Rusland"]),
        ("staking; Rotterdam en Utrecht", ["staking", "Rotterdam", "Utrecht"]),
        ("Bosnië en Herzegovina", ["Bosnië en Herzegovina"]),
        ("Oekraïne Rusland", ["Oekraïne", "Rusland"]),
        ("Tweede Kamer", ["Tweede Kamer"]),
        ("staking, Staking", ["staking"]),
        ("https://nos.nl/rss", ["https://nos.nl/rss"]),
    ],
)
def test_lists_split_on_comma_semicolon_and_en(text: str, terms: list[str]) -> None:
    assert _split(text) == terms


@pytest.mark.parametrize("term", ["de", "het", "van de", "a", "x", "12", "1234", "nos.nl"])
def test_terms_that_are_refused(term: str) -> None:
    with pytest.raises(TermError):
        choose(term, GAZ, SECTIONS)


@pytest.mark.parametrize(("term", "key"), [("VN", "k:"), ("VS", "r:US"), ("A2", "k:a2"),
                                           ("Buitenland", "s:buitenland"), ("staking", "k:")])
def test_terms_that_are_followed(term: str, key: str) -> None:
    # Keyword stems are the matcher's business: only their kind is checked here.
    assert choose(term, GAZ, SECTIONS).topic.key.startswith(key)


def test_a_section_offers_its_word_and_the_word_its_section() -> None:
    chosen = choose("sport", GAZ, SECTIONS)
    assert chosen.topic.key == "s:sport" and chosen.other is not None
    assert chosen.other.key.startswith("k:")
    as_word = choose("sport", GAZ, SECTIONS, as_word=True)
    assert as_word.topic.key.startswith("k:") and as_word.other == chosen.topic


def test_the_stop_list_is_snowballs_plus_a_few() -> None:
    assert {"de", "het", "een", "van", "en"} <= STOP_WORDS
    assert "nieuws" not in STOP_WORDS and "staking" not in STOP_WORDS


@pytest.mark.parametrize(
    ("text", "kind", "term"),
    [
        ("hallo", Kind.GREETING, ""),
        ("Goedemorgen!", Kind.GREETING, ""),
        ("wat is het laatste nieuws?", Kind.QUESTION, ""),
        ("Oekraïne", Kind.TOPIC, "Oekraïne"),
        ("nieuws over Oekraïne", Kind.TOPIC, "Oekraïne"),
        ("hoi, wat is er met de staking?", Kind.TOPIC, "staking"),
        ("Partij van de Arbeid", Kind.TOPIC, "Partij van de Arbeid"),
        ("wat is er nieuw over oekraine", Kind.TOPIC, "oekraine"),
        ("wat is er aan de hand in Gaza?", Kind.TOPIC, "Gaza"),
        ("ik wil alles weten over de verkiezingen", Kind.TOPIC, "verkiezingen"),
        ("nieuwe berichten over Ajax", Kind.TOPIC, "Ajax"),
        ("Den Haag", Kind.TOPIC, "Den Haag"),
        ("Nieuwe Pekela", Kind.TOPIC, "Nieuwe Pekela"),
        ("nieuws over Nieuw-Zeeland", Kind.TOPIC, "Nieuw Zeeland"),
        ("van Gogh", Kind.TOPIC, "van Gogh"),
        ("wat weet je over de Tweede Kamer?", Kind.TOPIC, "Tweede Kamer"),
        ("https://nos.nl", Kind.URL, ""),
        ("🎉", Kind.OTHER, ""),
        ("dit is een hele lange zin met heel veel woorden erin over van alles", Kind.OTHER, ""),
    ],
)
def test_free_text_intent(text: str, kind: Kind, term: str) -> None:
    found = intent(text)
    assert found.kind is kind and found.term == term


def test_button_data_is_bounded_and_validated() -> None:
    assert buttons.follow_term("x" * 70) is None
    assert buttons.parse(buttons.follow_term("Tweede Kamer")) == buttons.Follow("Tweede Kamer")
    assert buttons.parse("f:a:sta\x07king") is None
    assert buttons.parse("f:a: staking") is None
    assert buttons.parse("f:a:" + "x" * 80) is None
    assert buttons.parse(buttons.open_item(12)) == buttons.Open(12)
    assert buttons.parse("i:-1") is None
    assert buttons.parse(buttons.confirm("stop")) == buttons.Confirm("stop")
    assert buttons.parse("x:alles-en-meer") is None


def test_item_start_links() -> None:
    assert deeplink.item_of(deeplink.item_start(42)) == 42
    assert deeplink.item_of("bericht-x") is None
    assert deeplink.decode(deeplink.item_start(42)) is None  # not a follow link


def test_sections_from_tags_and_feeds() -> None:
    assert split_tag("[Sport] ROTTERDAM - x") == ("Sport", "ROTTERDAM - x")
    assert split_tag("ROTTERDAM [ANP] - x") == (None, "ROTTERDAM [ANP] - x")
    assert feed_section("Sport=https://x.nl/rss?a=b") == ("Sport", "https://x.nl/rss?a=b")
    assert feed_section("https://x.nl/rss?a=b") == (None, "https://x.nl/rss?a=b")
    assert section_key("Cultuur & Media") == "s:cultuur media"


AMS = ZoneInfo("Europe/Amsterdam")


def test_the_voice() -> None:
    assert voice.count(1, "onderwerp", "onderwerpen") == "1 onderwerp"
    assert voice.count(2, "onderwerp", "onderwerpen") == "2 onderwerpen"
    assert voice.and_list(["a", "b", "c"]) == "a, b en c"
    now = datetime(2026, 6, 1, 17, 30, tzinfo=AMS)
    assert voice.at_moment(datetime(2026, 6, 1, 18, 0, tzinfo=AMS), now, AMS) == "om 18:00"
    assert voice.at_moment(datetime(2026, 6, 2, 8, 0, tzinfo=AMS), now, AMS) == "morgen om 08:00"
    assert voice.zone_words("Europe/Amsterdam") == "Nederlandse tijd"
    assert voice.zone_words("Europe/Brussels") == "tijdzone Europe/Brussels"
    assert voice.number_word("Vijf") == 5 and voice.number_word("vijfje") is None
    assert voice.country_name("NL") == "Nederland" and voice.country_name("UA") == "Oekraïne"
    assert datetime.now(UTC)  # the voice never reads the clock itself
