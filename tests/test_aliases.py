"""Bodies, government seats and persons by every name copy gives them (``aliases.toml``).

Each case is what a reader who sent `/volg <term>` expects of one sentence, read as the
intake reads a brief (``reaches`` from test_keywords_sense: parse_brief, resolve, the
item's keys).  The negatives are the tempting other readings: a word that is also a name
("is", "modi", "klaver", "de lijn"), another body with a like name (Raad van Europa,
Belgium's Kamer), another bearer of a surname (Daniil Medvedev, Werner Herzog).
"""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime

import pytest

from bot.news.follow import searched
from bot.news.lexicon import ALIASES_PATH, Aliases, default_aliases, default_lexicon
from bot.news.match import resolve, search_keys
from bot.news.parse import parse_brief
from bot.news.regions import default_gazetteer
from tests.conftest import Harness
from tests.test_keywords_sense import reaches


@pytest.mark.parametrize(("term", "text"), [
    # Dutch and Belgian bodies by abbreviation, other name or stand-in.
    ("Raad van State", "De Afdeling bestuursrechtspraak vernietigde het besluit."),
    ("RvS", "De Raad van State adviseert negatief over de wet."),
    ("Algemene Rekenkamer", "De Rekenkamer kraakt de begroting van Defensie."),
    ("Onderzoeksraad voor Veiligheid", "De OVV onderzoekt de aanvaring."),
    ("Rijkswaterstaat", "RWS sluit de Afsluitdijk voor vrachtverkeer."),
    ("Koninklijke Luchtvaart Maatschappij", "KLM schrapt honderd vluchten."),
    ("Belastingdienst", "De fiscus int meer dan verwacht."),
    ("Kamer van volksvertegenwoordigers",
     "BRUSSEL (BELGA) - De Kamer van volksvertegenwoordigers keurde de begroting goed."),
    ("NMBS", "De SNCB schrapt treinen tussen Luik en Namen."),
    ("De Lijn", "De Lijn schrapt bussen in Gent."),
    ("Artsen zonder Grenzen", "AzG trekt zich terug uit Gaza."),
    ("Artsen zonder Grenzen", "MSF trekt zich terug uit Gaza."),
    ("Koningin Máxima", "Máxima bezoekt Kenia."),
    ("Eerste Kamer", "De Senaat stemt in met de pensioenwet."),
    ("Senaat", "De senaat stemt in met de pensioenwet."),
    # International bodies.
    ("Europese Raad", "De EU-top in Brussel eindigde zonder akkoord."),
    ("Raad van Europa", "De Raad van Europa veroordeelt Rusland."),
    ("G7", "De G7-top in Canada eindigde zonder slotverklaring."),
    ("OPEC", "De Opec verhoogt de productie."),
    ("Wereldhandelsorganisatie", "De WTO oordeelt over de heffingen."),
    ("Rode Kruis", "Het ICRC bezocht de gevangenen."),
    ("Unicef", "Het VN-kinderfonds waarschuwt voor honger in Soedan."),
    ("Hezbollah", "Hizbollah vuurt raketten af op Noord-Israël."),
    ("Islamitische Staat", "IS eist de aanslag op."),
    ("IS", "ISIS eist de aanslag op."),
    ("Houthi's", "De Houthi-rebellen vallen een schip aan."),
    ("EU", "Von der Leyen kondigt nieuwe sancties aan."),
    ("NAVO", "Rutte zegt dat Europa meer moet uitgeven aan defensie."),
    ("VN", "Guterres vraagt om een staakt-het-vuren."),
    # Seats and parliaments for their country.
    ("Rusland", "De Doema stemt in met de wet."),
    ("Oekraïne", "De Verchovna Rada stemt in met de wet."),
    ("Verenigd Koninkrijk", "Het Lagerhuis stemt in met de wet."),
    ("Noorwegen", "Het Storting stemt in met de begroting."),
    ("Verenigde Staten", "Het Oval Office was het decor van de ruzie."),
    ("Vaticaanstad", "De paus roept op tot vrede in het Midden-Oosten."),
    # Persons: surnames, transliterations, genitives.
    ("Macron", "Emmanuel Macron zegt nee."),
    ("Emmanuel Macron", "Macrons plan stuit op verzet."),
    ("Merz", "Bondskanselier Friedrich Merz zegt nee."),
    ("Von der Leyen", "Commissievoorzitter von der Leyen zegt nee."),
    ("António Costa", "EU-president Costa zegt nee."),
    ("Rutte", "NAVO-chef Rutte zegt nee."),
    ("Modi", "Premier Modi zegt nee."),
    ("Orbán", "Orban zegt nee."),
    ("De Wever", "Premier De Wever zegt nee."),
    ("Bart De Wever", "Bart de Wever zegt nee."),
    ("Klaver", "Klaver zegt nee."),
    ("Rob Jetten", "Jettens kabinet zegt nee."),
    ("Yesilgoz", "Yeşilgöz-Zegerius zegt nee."),
    ("Lavrov", "Lavrow zegt nee."),
    ("Medvedev", "Medvedjev dreigt met kernwapens."),
    ("Navalny", "Navalni is dood."),
    ("Loekasjenko", "Lukashenko zegt nee."),
    ("Kim Jong-un", "Kim Jong Un zegt nee."),
    ("Khamenei", "Chamenei zegt nee."),
    ("Poetin", "Poetins oorlog duurt voort."),
    ("Trump", "Trumps heffingen gaan in."),
    # Parties and ministries by abbreviation and full name; a name longer than the runs
    # of words an item holds.
    ("Partij voor de Vrijheid", "De PVV wint de verkiezingen."),
    ("GL-PvdA", "GroenLinks-PvdA verliest zetels."),
    ("DENK", "DENK dient een motie in."),
    ("Vlaams Belang", "VB wint in Antwerpen."),
    ("AfD", "De Alternative für Deutschland wint in Saksen."),
    ("VWS", "Het ministerie van Volksgezondheid, Welzijn en Sport zwijgt."),
    ("OVSE", "De Organisatie voor Veiligheid en Samenwerking in Europa stuurt waarnemers."),
    # Sport.
    ("Verstappen", "Verstappen wint in Zandvoort."),
    ("Mathieu van der Poel", "Van der Poel wint Parijs-Roubaix."),
])
def test_alias_reaches(term: str, text: str) -> None:
    assert reaches(term, text)


@pytest.mark.parametrize(("term", "text"), [
    # A word that is also a name.
    ("Islamitische Staat", "Het is een aanslag, zegt de politie."),
    ("Islamitische Staat", "Is dat een aanslag?"),
    ("Narendra Modi", "Er zijn verschillende modi beschikbaar."),
    ("Jesse Klaver", "Een klaver met vier blaadjes."),
    ("De Lijn", "Het kabinet houdt vast aan de lijn van bezuinigen."),
    ("Bart De Wever", "De wever maakt stof op de markt."),
    ("Koningin Máxima", "De maxima liggen hoog."),
    ("Verenigde Staten", "het witte huis van de buren brandde af."),
    # Another body with a like name.
    ("EU", "De Raad van Europa veroordeelt Rusland."),
    ("Europese Raad", "De Raad van Europa veroordeelt Rusland."),
    ("Raad van Europa", "De Europese Raad veroordeelt Rusland."),
    ("Tweede Kamer",
     "BRUSSEL (BELGA) - De Kamer van volksvertegenwoordigers keurde de begroting goed."),
    ("Tweede Kamer", "De Belgische Kamer keurde de begroting goed."),
    ("Algemene Rekenkamer", "De Europese Rekenkamer kraakt de subsidies."),
    ("Eerste Kamer", "De Amerikaanse Senaat stemt in met de begroting."),
    ("Eerste Kamer", "WASHINGTON (ANP/AP) - De Senaat stemt in met de begroting."),
    ("Eerste Kamer", "BRUSSEL (BELGA) - De Senaat keurt het voorstel goed."),
    ("Algemene Rekenkamer", "De Rekenkamer Amsterdam kraakt de subsidies."),
    ("Belastingdienst", "BRUSSEL (BELGA) - De fiscus int meer dan verwacht."),
    ("Verenigd Koninkrijk", "Het Canadese Lagerhuis stemt in met de wet."),
    ("Vaticaanstad", "De koptische paus roept op tot vrede."),
    ("NAVO", "Het kabinet-Rutte viel in 2023."),
    ("NAVO", "Destijds zei premier Rutte nee."),
    # Another bearer of the name.
    ("António Costa", "Hij vloog naar Costa Rica."),
    ("Dmitri Medvedev", "Medvedev wint in drie sets van Alcaraz."),
    ("Mahmoud Abbas", "Abbas Araghchi zegt nee."),
    ("Isaac Herzog", "Een film van Werner Herzog."),
    ("Anthony Albanese", "VN-rapporteur Francesca Albanese zegt nee."),
    ("Willem-Alexander", "De koning opende het parlement."),
    ("Partij DENK", "Ik denk dat het goed gaat."),
    ("OM", "MARSEILLE (ANP/AFP) - OM haalt een spits van Ajax. Olympique Marseille staat tweede."),
    ("OM", "Het is om drie uur begonnen."),
    ("AfD", "Zie afd. 3 van het rapport."),
    ("Max Verstappen", "Jos Verstappen is trots op zijn zoon."),
    ("Boris Pistorius", "Oscar Pistorius komt vrij."),
])
def test_alias_does_not_reach(term: str, text: str) -> None:
    assert not reaches(term, text)


@pytest.mark.parametrize(("typed", "name", "shown"), [
    ("Macron", "Emmanuel Macron", "‘Macron’"),
    ("putin", "Vladimir Poetin", "‘Putin’"),
    ("Yesilgoz", "Dilan Yeşilgöz", "‘Yesilgoz’"),
    ("AzG", "Artsen zonder Grenzen", "‘AzG’"),
    ("Artsen zonder Grenzen", "Artsen zonder Grenzen", "‘MSF’"),
    ("de wever", "Bart De Wever", "‘De Wever’"),
])
def test_volg_names_the_entry_and_its_other_names(typed: str, name: str, shown: str) -> None:
    topic = resolve(typed, default_gazetteer())
    assert topic.name == name and not topic.excluding
    assert shown in topic.note


@pytest.mark.parametrize(("typed", "text"), [
    ("Lukashenko", "MINSK (ANP/RTR) - Loekasjenko laat tien gevangenen vrij."),
    ("Artsen zonder Grenzen", "GAZA (ANP/AFP) - MSF sluit een ziekenhuis in Rafah."),
    ("Macron", "PARIJS (ANP/AFP) - Macrons partij verliest de stemming."),
])
def test_search_finds_by_any_name(typed: str, text: str) -> None:
    gaz = default_gazetteer()
    item = parse_brief(text, now=datetime(2026, 12, 1, 12, tzinfo=UTC), source="test")
    assert searched(typed, gaz).key in search_keys(item, gaz.find(item.text))


async def test_zoek_finds_a_transliteration(bot: Harness) -> None:
    item = parse_brief("MINSK (ANP/RTR) - Loekasjenko laat tien gevangenen vrij.",
                       now=datetime.now(UTC))
    assert (await bot.services.intake.add(item)).item is not None
    assert "MINSK" in await bot.say("/zoek Lukashenko")


def test_cased_names_compare_as_written_and_take_a_genitive() -> None:
    aliases = Aliases([{"name": "Jesse Klaver", "cased": ["Klaver"], "source": "test"}],
                      default_lexicon())
    key = aliases.lookup("klaver").key
    assert key in aliases.keys_in(["Klaver", "zei"], ["klaver", "zei"])
    assert key in aliases.keys_in(["Klavers", "plan"], ["klavers", "plan"])
    assert key not in aliases.keys_in(["een", "klaver"], ["een", "klaver"])


def test_every_name_of_an_entry_follows_that_entry() -> None:
    """No entry's name, abbreviation or other name is taken by another entry."""
    with ALIASES_PATH.open("rb") as fh:
        entries = tomllib.load(fh)["alias"]
    aliases = default_aliases()
    for entry in entries:
        if "key" in entry:
            continue
        cased = [c if isinstance(c, str) else c["words"] for c in entry.get("cased", [])]
        for form in [entry["name"], *entry.get("abbr", []), *entry.get("other", []), *cased]:
            found = aliases.lookup(form)
            assert found is not None and found.key == aliases.lookup(entry["name"]).key, form
