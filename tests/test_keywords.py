"""Keyword follows that read Dutch: compounds, irregular forms, aliases, phrases.

Each case goes through what the bot does: ``resolve`` (what /volg follows) and
``item_keys`` on an item (both the full key list and the followed-keys filter the
intake uses), so a follow matches exactly when a reader would get the alert.
"""

from __future__ import annotations

import pytest

from bot.news.items import Item
from bot.news.lexicon import default_lexicon
from bot.news.match import FollowedKeys, item_keys, resolve
from bot.news.regions import default_gazetteer


def reaches(term: str, text: str) -> bool:
    gaz = default_gazetteer()
    key = resolve(term, gaz).key
    item = Item(kind="brief", paragraphs=(text,))
    places = gaz.find(item.text)
    filtered = key in item_keys(item, places, FollowedKeys([key]))
    assert filtered == (key in item_keys(item, places)), "filter and full key list disagree"
    return filtered


@pytest.mark.parametrize(
    ("term", "text"),
    [
        ("staking", "Door de pilotenstaking zijn vluchten geschrapt."),
        ("staking", "De stakingsactie duurt een week."),
        ("staking", "Vakbonden kondigen nieuwe stakingen aan."),
        ("fiets", "Er komt een nieuw fietspad."),
        ("fiets", "De verkoop van e-fietsen stijgt."),
        ("overstroming", "Het overstromingsgevaar is geweken."),
        ("gas", "Er wordt minder aardgas gewonnen."),
        ("gas", "Door een gaslek is een straat ontruimd."),
        ("schip", "Drie schepen zijn aangevaren."),
        ("schip", "Containerschepen varen om Afrika heen."),
        ("schepen", "Een schip is gezonken."),
        ("lid", "Alle leden mogen stemmen."),
        ("lid", "Twee Kamerleden stappen op."),
        ("stad", "Steden krijgen meer geld."),
        ("museum", "Musea trekken meer bezoekers."),
        ("klimaat akkoord", "Het klimaatakkoord wordt tien jaar oud."),
    ],
)
def test_compounds_and_forms_reach_the_reader(term: str, text: str) -> None:
    assert reaches(term, text)


@pytest.mark.parametrize(
    ("term", "text"),
    [
        ("bank", "Het nieuwe bankstel is bezorgd."),
        ("gas", "De gasten dansten tot diep in de nacht."),
        ("water", "De bus rijdt op waterstof."),
        ("stroming", "Na de overstroming keren bewoners terug."),
        ("ring", "De regering valt."),
        ("raad", "De voorraad raakt op."),
        ("kat", "De katholieke kerk kiest een bisschop."),
    ],
)
def test_false_splits_do_not_reach_the_reader(term: str, text: str) -> None:
    assert not reaches(term, text)


@pytest.mark.parametrize(
    ("term", "text", "expected"),
    [
        ("VN", "De Verenigde Naties waarschuwen voor honger.", True),
        ("Verenigde Naties", "De VN-Veiligheidsraad komt bijeen.", True),
        ("OM", "Het Openbaar Ministerie eist vijf jaar cel.", True),
        ("Openbaar Ministerie", "Het OM gaat in hoger beroep.", True),
        ("OM", "Hij kwam om acht uur thuis.", False),
        ("om", "Het OM seponeert de zaak.", True),
        ("WHO", "De Wereldgezondheidsorganisatie roept een noodtoestand uit.", True),
        ("Wereldgezondheidsorganisatie", "De WHO waarschuwt voor een variant.", True),
        ("WHO", "The Who geven een afscheidsconcert.", False),
        ("NAVO", "De NATO-top is voorbij.", True),
    ],
)
def test_aliases_are_one_subscription(term: str, text: str, expected: bool) -> None:
    assert reaches(term, text) is expected


def test_alias_forms_resolve_to_one_key() -> None:
    gaz = default_gazetteer()
    assert resolve("VN", gaz).key == resolve("verenigde naties", gaz).key
    assert resolve("om", gaz).key == resolve("Openbaar Ministerie", gaz).key
    assert resolve("WHO", gaz).key == resolve("Wereldgezondheidsorganisatie", gaz).key
    assert resolve("VN", gaz).name == "Verenigde Naties"


@pytest.mark.parametrize(
    ("term", "text", "expected"),
    [
        ("Tweede Kamer", "De Tweede Kamer stemt in.", True),
        ("Tweede Kamer", "De Eerste Kamer stemt in.", False),
        ("Tweede Kamer", "De kamer wordt voor de tweede keer verbouwd.", False),
        ("openbaar vervoer", "Het openbaar vervoer ligt stil.", True),
        ("openbaar vervoer", "Het vervoer van stoffen wordt openbaar gemaakt.", False),
    ],
)
def test_several_words_match_only_as_that_phrase(term: str, text: str, expected: bool) -> None:
    assert reaches(term, text) is expected


def test_a_followed_keyword_still_reads_as_typed() -> None:
    topic = resolve("staking", default_gazetteer())
    assert topic.label == "staking (onderwerp)"
    assert "samengestelde" in topic.note


def test_the_lexicon_reads_irregular_plurals_from_data() -> None:
    lexicon = default_lexicon()
    # Far more than a hand-typed table: the data knows thousands of forms.
    assert len(lexicon.lemmas) > 5000
    assert lexicon.lemma("schepen") == "schip"
    assert lexicon.lemma("steden") == "stad"
    assert lexicon.lemma("gelegenheden") == "gelegenheid"
