"""Region follows cover what lies inside them: a country its provinces, a province its
municipalities, a municipality its districts and villages (the Netherlands with its
Caribbean parts, and Belgium), and same-named places decided by the text.

The pure part reads the committed gazetteer as the bot does; the end-to-end part
follows through the real bot (Bot API emulator, SQLite store, intake, sender) and looks
at what reaches the reader's chat.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.news.items import Item
from bot.news.match import covers, item_keys, kind_of, resolve
from bot.news.parse import parse_brief
from bot.news.regions import Gazetteer, default_gazetteer
from tests.conftest import Harness
from tests.waits import outbox_drained


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return default_gazetteer()


def keys_of(gaz: Gazetteer, text: str) -> set[str]:
    item = Item(kind="brief", paragraphs=(text,))
    return set(item_keys(item, gaz.find(item.text)))


def follow_key(gaz: Gazetteer, term: str) -> str:
    return resolve(term, gaz).key


@pytest.mark.parametrize(
    ("follow", "brief"),
    [
        ("Noord-Holland", "ALKMAAR (ANP) - Bij een brand in een loods is niemand gewond geraakt."),
        ("Noord-Holland", "DEN HELDER (ANP) - De marine oefent deze week voor de kust."),
        ("Flevoland", "LELYSTAD (ANP) - Het vliegveld krijgt er een nieuwe baan bij."),
        ("Zuid-Holland", "Bij Hoek van Holland is een vrachtschip aan de grond gelopen."),
        ("Rotterdam", "HOEK VAN HOLLAND (ANP) - De veerboot naar Harwich vaart weer."),
        ("Amsterdam", "In Amsterdam-Noord is een nieuwe brug geopend."),
        ("Nederland", "ALKMAAR (ANP) - De kaasmarkt trekt weer veel toeristen."),
        ("provincie Utrecht", "AMERSFOORT (ANP) - De binnenstad is afgesloten."),
        ("Haarlemmermeer", "Op Schiphol zijn vanochtend tientallen vluchten geschrapt."),
        ("Gelderland", "APELDOORN (ANP) - Paleis het Loo trekt meer bezoekers."),
        ("Gelderland", "Op de Veluwe is een grote heidebrand uitgebroken."),
        ("Oost-Vlaanderen", "GENT (BELGA) - De Gentse Feesten gaan van start."),
        ("Vlaams-Brabant", "LEUVEN (BELGA) - De universiteit opent een nieuw lab."),
        ("Vlaanderen", "HASSELT (BELGA) - Het stadsbestuur legt een nieuw plein aan."),
        ("Henegouwen", "CHARLEROI (BELGA) - De luchthaven verwacht een drukke zomer."),
        ("België", "Het Atomium krijgt een nieuwe verflaag."),
        ("Brussels Hoofdstedelijk Gewest", "In Anderlecht is een schietpartij geweest."),
        ("Brussel", "In Schaarbeek is een man neergestoken."),
        ("Brussel", "SINT-JANS-MOLENBEEK (BELGA) - De markt verhuist."),
        ("provincie Antwerpen", "MOL (BELGA) - Het kernonderzoekscentrum krijgt geld."),
        ("Nederland", "Kralendijk krijgt een nieuwe haven."),
        ("Caribisch Nederland", "Bonaire krijgt een nieuwe luchthaven."),
        ("Koninkrijk der Nederlanden", "Curaçao kiest een nieuwe premier."),
        ("Beieren", "In München is het Oktoberfest begonnen."),
    ],
)
def test_a_region_follow_covers_what_lies_inside_it(
    gaz: Gazetteer, follow: str, brief: str
) -> None:
    assert follow_key(gaz, follow) in keys_of(gaz, brief)


@pytest.mark.parametrize(
    ("follow", "brief"),
    [
        ("Noord-Holland", "LELYSTAD (ANP) - Het vliegveld krijgt er een nieuwe baan bij."),
        ("Flevoland", "ALKMAAR (ANP) - De kaasmarkt trekt weer veel toeristen."),
        ("Rotterdam", "DELFT (ANP) - De TU krijgt een nieuw gebouw."),
        ("provincie Utrecht", "ZWOLLE (ANP) - De binnenstad is afgesloten."),
        ("Utrecht", "AMERSFOORT (ANP) - De binnenstad is afgesloten."),
        ("Nederland", "Curaçao kiest een nieuwe premier."),
        ("Nederland", "ORANJESTAD (ANP) - Aruba krijgt meer toeristen dan ooit."),
        ("Oost-Vlaanderen", "LEUVEN (BELGA) - De universiteit opent een nieuw lab."),
        ("Wallonië", "GENT (BELGA) - De Gentse Feesten gaan van start."),
        ("Zuid-Holland", "AMSTERDAM (ANP) - De grachten bevriezen."),
    ],
)
def test_a_region_follow_does_not_cover_its_neighbours(
    gaz: Gazetteer, follow: str, brief: str
) -> None:
    assert follow_key(gaz, follow) not in keys_of(gaz, brief)


def test_a_town_gets_the_keys_of_everything_it_lies_in(gaz: Gazetteer) -> None:
    hoek = gaz.lookup("Hoek van Holland")
    assert hoek is not None
    assert hoek.lineage[0] == hoek.follow_key
    assert [gaz.by_key(k).name for k in hoek.lineage[1:]] == [  # type: ignore[union-attr]
        "Rotterdam", "Zuid-Holland", "Nederland", "het Koninkrijk der Nederlanden",
    ]


def test_every_dutch_and_belgian_municipality_lies_in_a_province(gaz: Gazetteer) -> None:
    provinces = {
        key: gaz.by_key(key) for key in (
            follow_key(gaz, f"provincie {name}") for name in (
                "Groningen", "Friesland", "Drenthe", "Overijssel", "Flevoland", "Gelderland",
                "Utrecht", "Noord-Holland", "Zuid-Holland", "Zeeland", "Noord-Brabant",
                "Limburg",
            )
        )
    }
    assert len(provinces) == 12
    counts = {p.name: gaz.coverage(p)[0] for p in provinces.values()}  # type: ignore[index,union-attr]
    # CBS: 342 municipalities on 1 January 2025 (44 in Noord-Holland, 6 in Flevoland).
    assert sum(counts.values()) == 342
    assert counts["Noord-Holland"] == 44 and counts["Flevoland"] == 6
    belgian = [gaz.lookup(f"provincie {n}") for n in (
        "Antwerpen", "Belgisch Limburg", "Oost-Vlaanderen", "West-Vlaanderen", "Vlaams-Brabant",
        "Henegouwen", "Luik", "Luxemburg", "Namen", "Waals-Brabant",
    )]
    assert all(p is not None and p.country == "BE" for p in belgian), belgian
    brussels, brussel = gaz.lookup("Brussels Hoofdstedelijk Gewest"), gaz.lookup("Brussel")
    assert brussels is not None and brussel is not None
    # Statbel: 565 municipalities since 1 January 2025, 19 of them in Brussels; Dutch
    # readers call them all Brussel, so the other 18 lie in the city of Brussel.
    total = sum(gaz.coverage(p)[0] for p in belgian)  # type: ignore[arg-type,index]
    assert gaz.coverage(brussels)[:2] == (1, "gemeente")  # type: ignore[index]
    assert gaz.coverage(brussel)[:2] == (18, "gemeente")  # type: ignore[index]
    assert total + 1 + 18 == 565


def test_volg_says_what_a_region_covers(gaz: Gazetteer) -> None:
    topic = resolve("Noord-Holland", gaz)
    assert topic.label == "Noord-Holland (provincie)"
    assert topic.note.startswith("Ook Amsterdam, ")
    assert topic.note.endswith(" en 41 andere gemeenten tellen mee.")
    assert resolve("Rotterdam", gaz).label == "Rotterdam (gemeente)"
    assert "Hoogvliet" in resolve("Rotterdam", gaz).note
    assert resolve("Vlaanderen", gaz).label == "Vlaanderen (gewest)"
    assert resolve("Bonaire", gaz).label == "Bonaire (bijzondere gemeente)"
    assert covers("g:NL-FL", short=True) == "met Almere en 5 andere gemeenten"
    assert covers("k:staking") == ""
    assert kind_of("g:NL-NH") == "provincie" and kind_of("k:staking") == "onderwerp"


@pytest.mark.parametrize(
    ("follow", "dateline"),
    [
        # bpost names the postal code after the village, Statbel puts the code in the
        # municipality (Sint-Andries 8200, Dudzele 8380, Berchem 2600, Zwijnaarde 9052).
        ("Brugge", "SINT-ANDRIES"), ("Brugge", "ASSEBROEK"), ("Brugge", "DUDZELE"),
        ("Antwerpen", "BERCHEM"), ("Antwerpen", "BORGERHOUT"), ("Antwerpen", "DEURNE"),
        ("Antwerpen", "MERKSEM"), ("Antwerpen", "WILRIJK"), ("Antwerpen", "HOBOKEN"),
        ("Antwerpen", "EKEREN"), ("Gent", "ZWIJNAARDE"), ("Gent", "GENTBRUGGE"),
        ("Gent", "OOSTAKKER"), ("Gent", "DRONGEN"),
        # Merged municipalities hold their parts' names (2025 and 1977 mergers).
        ("Beveren-Kruibeke-Zwijndrecht", "BEVEREN"), ("Beveren-Kruibeke-Zwijndrecht", "KRUIBEKE"),
        ("Heusden-Zolder", "ZOLDER"), ("Tongeren-Borgloon", "BORGLOON"),
        ("Puurs-Sint-Amands", "SINT-AMANDS"),
        # What the data leaves in the province, curated with a source: bpost names
        # 8310 after Assebroek, 8380 after Dudzele.
        ("Brugge", "SINT-KRUIS"), ("Brugge", "LISSEWEGE"), ("Brugge", "ZEEBRUGGE"),
        ("West-Vlaanderen", "ZEEBRUGGE"),
    ],
)
def test_a_belgian_municipality_covers_its_villages(
    gaz: Gazetteer, follow: str, dateline: str
) -> None:
    brief = f"{dateline} (BELGA) - De gemeenteraad vergadert vanavond over de begroting."
    assert follow_key(gaz, follow) in keys_of(gaz, brief)


@pytest.mark.parametrize(
    ("follow", "dateline"),
    [
        ("Brugge", "BLANKENBERGE"), ("Brugge", "KNOKKE"), ("Antwerpen", "MORTSEL"),
        ("Antwerpen", "SCHOTEN"), ("Gent", "MERELBEKE"), ("Heusden-Zolder", "HASSELT"),
    ],
)
def test_a_belgian_municipality_does_not_cover_its_neighbours(
    gaz: Gazetteer, follow: str, dateline: str
) -> None:
    brief = f"{dateline} (BELGA) - De gemeenteraad vergadert vanavond over de begroting."
    assert follow_key(gaz, follow) not in keys_of(gaz, brief)


@pytest.mark.parametrize(
    ("follow", "brief"),
    [
        # Villages under 1,000 inhabitants (GeoNames' cities500), in their municipality.
        ("Súdwest-Fryslân", "HINDELOOPEN (ANP) - Het schaatsmuseum krijgt een nieuwe zaal."),
        ("Friesland", "HINDELOOPEN (ANP) - Het schaatsmuseum krijgt een nieuwe zaal."),
        ("Apeldoorn", "HOENDERLOO (ANP) - Een boswachter heeft een wolf gezien."),
        ("Haarlemmermeer", "In Cruquius is het gemaal weer open voor bezoekers."),
        ("Texel", "DE COCKSDORP (ANP) - De vuurtoren is tijdelijk dicht."),
        # The Caribbean parts: every place GeoNames has there.
        ("Saba", "THE BOTTOM (ANP) - Het eilandsbestuur vergadert over de haven."),
        ("Nederland", "THE BOTTOM (ANP) - Het eilandsbestuur vergadert over de haven."),
        ("Bonaire", "In Rincon op Bonaire is het Simadan-feest begonnen."),
        ("Caribisch Nederland", "RINCON (ANP) - Het Simadan-feest is begonnen."),
    ],
)
def test_a_village_lies_in_its_municipality(gaz: Gazetteer, follow: str, brief: str) -> None:
    assert follow_key(gaz, follow) in keys_of(gaz, brief)


def test_rincon_is_the_village_on_bonaire_not_a_town_in_morocco(gaz: Gazetteer) -> None:
    assert "r:MA" not in keys_of(gaz, "RINCON (ANP) - Het Simadan-feest is begonnen.")


def test_a_village_named_by_a_word_is_the_village_only_where_meant(gaz: Gazetteer) -> None:
    """Lieren (Apeldoorn) is also the plural of lier: a dateline is the village, the
    word at a sentence's start is not, and /volg lieren follows the word."""
    gelderland = follow_key(gaz, "Gelderland")
    assert gelderland in keys_of(gaz, "LIEREN (ANP) - Een boer heeft een wolf gezien.")
    assert gelderland not in keys_of(gaz, "Lieren zijn oude snaarinstrumenten.")
    assert gelderland not in keys_of(gaz, "Hij bespeelt twee lieren tegelijk.")
    assert gaz.lookup("lieren") is None


def test_a_village_next_to_a_name_is_part_of_a_persons_name(gaz: Gazetteer) -> None:
    """Beets (Edam-Volendam) is a village and a surname: with a first name it is the
    poet; in a dateline or after "in" it is the village."""
    noord_holland = follow_key(gaz, "Noord-Holland")
    assert noord_holland not in keys_of(gaz, "Een gedicht van Nicolaas Beets is teruggevonden.")
    assert noord_holland in keys_of(gaz, "BEETS (ANP) - Een gedicht is teruggevonden.")
    assert noord_holland in keys_of(gaz, "In Beets is een oude boerderij afgebrand.")


@pytest.mark.parametrize(
    ("term", "key"),
    [
        # GeoNames has a village of the municipality's name (Hellendoorn, 660; Alveringem,
        # 2,000 inhabitants): the municipality stands for it and keeps its key.
        ("Hellendoorn", "p:NL:GM0163"),
        ("Alveringem", "p:BE:NIS38002"),
    ],
)
def test_a_municipality_keeps_its_key_when_its_villages_are_added(
    gaz: Gazetteer, term: str, key: str
) -> None:
    assert follow_key(gaz, term) == key


def test_volg_says_which_villages_a_municipality_covers(gaz: Gazetteer) -> None:
    brugge = resolve("Brugge", gaz)
    assert brugge.label == "Brugge (gemeente)"
    assert "Sint-Andries" in brugge.note and "andere plaatsen tellen mee." in brugge.note
    assert covers(follow_key(gaz, "Antwerpen"), short=True).startswith("met ")
    assert "Beveren" in resolve("Beveren-Kruibeke-Zwijndrecht", gaz).note


@pytest.mark.parametrize(
    ("term", "key", "kind"),
    [
        ("Utrecht", "p:NL:2745912", "gemeente"),
        ("provincie Utrecht", "g:NL-UT", "provincie"),
        ("Utrecht (provincie)", "g:NL-UT", "provincie"),
        ("Groningen", "p:NL:2755251", "gemeente"),
        ("provincie Groningen", "g:NL-GR", "provincie"),
        ("gemeente Groningen", "p:NL:2755251", "gemeente"),
        ("provincie Antwerpen", "g:BE-VAN", "provincie"),
    ],
)
def test_a_reader_can_pick_the_province_or_the_city(
    gaz: Gazetteer, term: str, key: str, kind: str
) -> None:
    topic = resolve(term, gaz)
    assert (topic.key, topic.kind) == (key, kind)


def test_provincie_before_a_name_in_text_means_the_province(gaz: Gazetteer) -> None:
    assert "g:NL-UT" in keys_of(gaz, "In de provincie Utrecht valt veel regen.")
    assert "p:NL:2745912" not in keys_of(gaz, "In de provincie Utrecht valt veel regen.")
    assert "p:NL:2745912" in keys_of(gaz, "In de stad Utrecht valt veel regen.")


@pytest.mark.parametrize(
    ("text", "province"),
    [
        ("HENGELO (ANP) - In de Achterhoek is een boerderij afgebrand.", "Gelderland"),
        ("HENGELO (ANP) - In het Gelderse dorp is een boerderij afgebrand.", "Gelderland"),
        ("Het Gelderse Hengelo krijgt een nieuwe school.", "Gelderland"),
        ("HENGELO (ANP) - De politie in Twente zoekt een man.", "Overijssel"),
        ("HENGELO (ANP) - Bij een brand is niemand gewond geraakt.", "Overijssel"),
        ("BERGEN (ANP) - Het strand bij Egmond aan Zee is weer open.", "Noord-Holland"),
        ("BERGEN (ANP) - Bij Venlo is een vrachtwagen gekanteld.", "Limburg"),
        ("Het Limburgse Bergen krijgt een nieuw gemeentehuis.", "Limburg"),
        ("BERGEN (BELGA) - Het stadsbestuur wil een nieuw station.", "Henegouwen"),
    ],
)
def test_same_named_places_are_decided_by_the_text(
    gaz: Gazetteer, text: str, province: str
) -> None:
    wanted = resolve(f"provincie {province}", gaz).key
    assert wanted in keys_of(gaz, text)


def test_bergen_with_norway_is_not_dutch(gaz: Gazetteer) -> None:
    keys = keys_of(gaz, "BERGEN (AFP) - De Noorse politie zoekt een man.")
    assert "r:NO" in keys and "r:NL" not in keys


async def add_brief(bot: Harness, text: str) -> None:
    await bot.services.intake.add(parse_brief(text, now=datetime.now(UTC), source="test"))


async def test_following_a_province_brings_its_towns(bot: Harness) -> None:
    reply = await bot.say("/volg Noord-Holland")
    assert "Je volgt nu Noord-Holland (provincie)." in reply
    assert "41 andere gemeenten tellen mee" in reply
    before = len(bot.api.sent(1001))
    await add_brief(bot, "LELYSTAD (ANP) - Het vliegveld krijgt er een nieuwe baan bij.")
    await add_brief(bot, "ALKMAAR (ANP) - Bij een brand in een loods is niemand gewond geraakt.")
    await add_brief(bot, "DEN HELDER (ANP) - De marine oefent deze week voor de kust.")
    await bot.api.wait_sent(before + 1, 1001)
    await outbox_drained(bot.services.store)
    # One message or two (a chat with several pending alerts gets them together).
    received = "\n".join(bot.texts(1001, before))
    assert "loods" in received and "marine" in received
    assert "vliegveld" not in received
    mine = await bot.say("/mijn")
    assert "Noord-Holland (provincie), met Amsterdam en 43 andere gemeenten" in mine


@pytest.mark.parametrize(
    ("text", "tagged", "not_tagged"),
    [
        # A foreign capital as the subject of a government's verb is its government.
        ("Pretoria besluit de grens met Zimbabwe te sluiten.", "Zuid-Afrika", "Pretoria"),
        ("Washington dreigt met nieuwe sancties.", "Verenigde Staten", "Washington"),
        ("In Pretoria is een bus verongelukt.", "Pretoria", None),
        # Den Haag for the cabinet, also next to another capital; Brussel wil = the EU.
        ("Den Haag en Berlijn zijn het oneens over de gasprijs.", "Nederland", "Den Haag"),
        ("Den Haag en Berlijn zijn het oneens over de gasprijs.", "Duitsland", "Berlijn"),
        ("Brussel wil strengere regels voor techbedrijven.", None, "België"),
        ("Brussel wil strengere regels voor techbedrijven.", None, "Brussel"),
        ("Amsterdam wil minder toeristen in de binnenstad.", "Amsterdam", None),
        # Two governments pair in the plural, whose verb is spelled as the infinitive;
        # a capital paired with a town that is no seat is the town.
        ("Den Haag en Brussel liggen overhoop over de stikstofregels.", "Nederland",
         "Den Haag"),
        ("Den Haag en Delft openen samen een nieuwe fietsbrug.", "Den Haag", None),
        ("Delft en Den Haag openen samen een nieuwe fietsbrug.", "Den Haag", None),
        ("Amsterdam en Den Haag willen minder toeristen.", "Den Haag", None),
        ("Berlijn en Den Haag willen minder migratie.", "Nederland", "Den Haag"),
        # Datelined elsewhere, a capital opening a sentence with any finite verb is its
        # government; under its own dateline or after "in" it is the city.
        ("KYIV (ANP/DPA) - Berlijn levert Oekraïne nog dit jaar vier systemen.", "Duitsland",
         "Berlijn"),
        ("DEN HAAG (ANP) - Den Haag en Berlijn gaan samen een stroomkabel aanleggen.",
         "Duitsland", "Berlijn"),
        ("BERLIJN (ANP/DPA) - Berlijn krijgt een nieuw stadion.", "Berlijn", None),
        ("KYIV (ANP/DPA) - In Berlijn is een bus verongelukt.", "Berlijn", None),
        ("De aanval was volgens Moskou een vergissing.", "Rusland", "Moskou"),
        ("Daarop reageerde Moskou woedend.", "Rusland", "Moskou"),
        # A foreign agency's brief from Brussel is EU business unless it names Belgium.
        ("BRUSSEL (ANP) - De lidstaten zijn het eens over een Europees plan.", None, "België"),
        ("BRUSSEL (ANP) - De lidstaten zijn het eens over een Europees plan.", None, "Brussel"),
        ("BRUSSEL (ANP) - In Schaarbeek is een man neergestoken.", "Brussel", None),
        ("BRUSSEL (BELGA) - De ministers zijn het eens over de begroting.", "Brussel", None),
        # "in Brussel" is the city, even in a brief about the federal government.
        ("BRUSSEL (BELGA) - In Brussel rijdt maar een op de vijf metro's door een staking"
         " tegen de federale regering.", "Brussel", None),
        # A ship named after a place; an adjective next to a word no dictionary has.
        ("Het schip vervangt de Zr.Ms. Amsterdam, die uit de vaart gaat.", None, "Amsterdam"),
        ("Nederlandse Europarlementariërs willen minder reizen.", "Nederland", None),
        # Seats named with their institution.
        ("STRAATSBURG (ANP) - Het Europees Parlement stemt in met de regels.", None,
         "Frankrijk"),
        ("STRAATSBURG (ANP) - Het Europees Parlement stemt in met de regels.", None,
         "Straatsburg"),
        ("STRAATSBURG (ANP) - De kerstmarkt trekt weer veel bezoekers.", "Straatsburg", None),
        ("DEN HAAG (ANP) - Het kabinet wil meer geld voor defensie.", "Nederland", "Den Haag"),
        ("DEN HAAG (ANP) - In de Schilderswijk is een woning uitgebrand.", "Den Haag", None),
        ("DEN HAAG (ANP) - Het Internationaal Strafhof vaardigt een arrestatiebevel uit.",
         None, "Nederland"),
        ("BRUSSEL (ANP) - De Europese Commissie wil strengere regels.", None, "België"),
        ("WASHINGTON (ANP) - Het Witte Huis ontkent het bericht.", "Verenigde Staten",
         "Washington"),
        # Products and expressions that hold a place.
        ("Bij de koffie kreeg ik Haagse hopjes.", None, "Den Haag"),
        ("De bakker verkoopt Berlijnse bollen met room.", None, "Berlijn"),
        ("Hij deed zijn huiswerk met de Franse slag.", None, "Frankrijk"),
        ("Ze lazen Turks fruit op school.", None, "Turkije"),
        ("De beste Russische salade van het land komt uit Haarlem.", "Haarlem", "Rusland"),
        # Things named after a town: a treaty, a university, a club, a stock exchange.
        ("Het Akkoord van Parijs moet de opwarming beperken.", None, "Parijs"),
        ("Het Akkoord van Parijs moet de opwarming beperken.", None, "Frankrijk"),
        ("Het Parijse klimaatakkoord staat onder druk.", None, "Parijs"),
        ("Het Verdrag van Maastricht legde de basis voor de euro.", None, "Limburg"),
        ("Onderzoekers van de Universiteit Utrecht ontdekten een nieuw virus.", None,
         "Utrecht"),
        ("Volgens de KU Leuven werkt de test.", None, "Leuven"),
        ("PSV Eindhoven won met 3-0 van FC Utrecht.", None, "Eindhoven"),
        ("PSV Eindhoven won met 3-0 van FC Utrecht.", None, "Utrecht"),
        ("Manchester City verloor in de slotminuut.", None, "Manchester"),
        ("De Amsterdamse beurs sloot donderdag hoger.", None, "Amsterdam"),
        ("Het museum toont werk van de Haagse School.", None, "Den Haag"),
        ("Het water stond 4 meter boven Normaal Amsterdams Peil.", None, "Amsterdam"),
        ("De Conferentie van Berlijn verdeelde Afrika.", None, "Berlijn"),
        # A town named only to say where the news is: the other place carries it.
        ("SPIJKENISSE (ANP) - In Spijkenisse, ten zuidwesten van Rotterdam, opent een"
         " theater.", "Zuid-Holland", "Rotterdam"),
        ("AMSTELVEEN (ANP) - Het museum in Amstelveen, onder de rook van Amsterdam,"
         " sluit.", "Noord-Holland", "Amsterdam"),
        ("Rijswijk, dat tegen Den Haag aan ligt, bouwt een zwembad.", "Zuid-Holland",
         "Den Haag"),
        ("In Potsdam, vlak buiten Berlijn, gaat een museum open.", "Duitsland", "Berlijn"),
        ("Op Amsterdam Airport Schiphol zijn vluchten geschrapt.", "Noord-Holland",
         "Amsterdam"),
        ("CAPELLE AAN DEN IJSSEL (ANP) - De buurgemeente van Rotterdam bouwt.", None,
         "Rotterdam"),
        # A capitalised genitive is the place; a Dutch word in -s opening a sentence not.
        ("Ruslands economie krimpt voor het derde kwartaal.", "Rusland", None),
        ("Oekraïnes leger rukt op bij Charkiv.", "Oekraïne", None),
        ("Leidens stadhuis gaat dicht voor een verbouwing.", "Leiden", None),
        ("Vonnis in de zaak tegen de oud-wethouder blijft staan.", None, "Bonn"),
        ("Servies en bestek zijn duurder geworden.", None, "Servië"),
        ("Hagens boek verscheen in maart.", None, "Hagen"),
        # A Dutch town's namesake abroad, placed there by the text.
        ("In het stadje Rotterdam in de Amerikaanse staat New York sluit een fabriek.",
         "Verenigde Staten", "Rotterdam"),
        ("In het stadje Rotterdam in de Amerikaanse staat New York sluit een fabriek.",
         None, "Nederland"),
        ("In Amsterdam in de staat New York ligt een halve meter sneeuw.", None,
         "Amsterdam"),
        ("Rotterdam in Zuid-Holland krijgt extra geld.", "Rotterdam", None),
        ("Amsterdam in Duitse handen: de haven is verkocht.", "Amsterdam", None),
        # A landmark that is also placed abroad (it once raised KeyError in the tagger).
        ("ALBANY (ANP) - Het dorp ligt ten noorden van Amsterdam in de staat New York.",
         "Verenigde Staten", "Amsterdam"),
        # ... but alone it is the only place there is: kept.
        ("Op de A20 ten westen van Rotterdam is een vrachtwagen gekanteld.", "Rotterdam",
         None),
        # ... but the town itself, also where a battle or a move names it.
        ("UTRECHT (ANP) - FC Utrecht krijgt een nieuw stadion.", "Utrecht", None),
        ("De val van Bachmoet lijkt nabij.", "Oekraïne", None),
        ("Hij verhuisde van Utrecht naar Gent.", "Utrecht", None),
        ("Een man uit Amsterdam is opgepakt.", "Amsterdam", None),
        # A town whose name is an ordinary word is the town in a dateline.
        ("EPE (ANP) - Een bosbrand houdt de brandweer bezig.", "Epe", None),
        ("MOL (BELGA) - Het kernonderzoekscentrum krijgt geld.", "Mol", None),
    ],
)
def test_a_place_that_is_not_the_place_does_not_fire(
    gaz: Gazetteer, text: str, tagged: str | None, not_tagged: str | None
) -> None:
    keys = keys_of(gaz, text)
    if tagged is not None:
        assert follow_key(gaz, tagged) in keys
    if not_tagged is not None:
        assert follow_key(gaz, not_tagged) not in keys


@pytest.mark.parametrize(
    ("brief", "tagged", "not_tagged"),
    [
        # The dateline's agency, as an import reads it, says which country the copy is from.
        ("BERGEN (BELGA) - De universiteit opent een nieuwe campus.", "Henegouwen",
         "Noord-Holland"),
        ("BERGEN (ANP) - De duinen zijn dicht na een natuurbrand.", "Noord-Holland",
         "Henegouwen"),
        # The ANP passing on a foreign agency's copy is foreign news.
        ("BERGEN (ANP/NTB) - In het Noorse Bergen is een cruiseschip tegen de kade gevaren.",
         "Noorwegen", "Nederland"),
    ],
)
def test_the_agency_of_an_imported_brief_decides_the_same_name(
    gaz: Gazetteer, brief: str, tagged: str, not_tagged: str
) -> None:
    item = parse_brief(brief, now=datetime(2026, 3, 2, 9, 30, tzinfo=UTC), source="test")
    keys = set(item_keys(item, gaz.find(item.text)))
    assert follow_key(gaz, tagged) in keys
    assert follow_key(gaz, not_tagged) not in keys



def _brief_keys(gaz: Gazetteer, brief: str) -> set[str]:
    item = parse_brief(brief, now=datetime(2026, 3, 2, 9, 30, tzinfo=UTC), source="test")
    return set(item_keys(item, gaz.find(item.text)))


@pytest.mark.parametrize(
    ("brief", "tagged", "not_tagged"),
    [
        # GeoNames gives the Gouda hamlet more inhabitants than the municipality's seat.
        ("BLOEMENDAAL (ANP) - De gemeente trekt de vergunning van een strandtent in.",
         "provincie Noord-Holland", "provincie Zuid-Holland"),
        ("Bij een strandtent in Bloemendaal is de politie ingegrepen.",
         "provincie Noord-Holland", "provincie Zuid-Holland"),
    ],
)
def test_a_municipality_beats_a_same_named_hamlet(
    gaz: Gazetteer, brief: str, tagged: str, not_tagged: str
) -> None:
    keys = _brief_keys(gaz, brief)
    assert follow_key(gaz, tagged) in keys
    assert follow_key(gaz, not_tagged) not in keys


@pytest.mark.parametrize(
    ("brief", "province"),
    [
        ("GEEL (BELGA) - De stad viert haar traditie van gezinsverpleging.", "Antwerpen"),
        ("BOOM (BELGA) - Het festival was binnen een uur uitverkocht.", "Antwerpen"),
        ("LIER (BELGA) - Het stadsbestuur legt een nieuw fietspad aan.", "Antwerpen"),
        ("MENEN (BELGA) - De grensovergang is weer open.", "West-Vlaanderen"),
        ("HUIZEN (ANP) - De haven krijgt een nieuwe steiger.", "Noord-Holland"),
        ("Het college van Huizen wil meer woningen bouwen.", "Noord-Holland"),
    ],
)
def test_a_municipality_named_by_a_word_is_the_town_where_meant(
    gaz: Gazetteer, brief: str, province: str
) -> None:
    assert follow_key(gaz, f"provincie {province}") in _brief_keys(gaz, brief)


@pytest.mark.parametrize(
    "text",
    [
        "De auto van de verdachte was geel.",
        "Een boom viel op een geparkeerde auto.",
        "Huizen worden weer duurder, zegt de makelaar.",
        "Hij speelde op de lier en zong erbij.",
    ],
)
def test_the_word_of_a_municipality_named_by_a_word_is_no_place(
    gaz: Gazetteer, text: str
) -> None:
    assert not [p for p in gaz.find(text) if p.country in ("NL", "BE")]


def test_volg_of_a_municipality_named_by_a_word_follows_the_word(gaz: Gazetteer) -> None:
    assert gaz.lookup("geel") is None
    assert gaz.lookup("gemeente Geel") is not None


@pytest.mark.parametrize(
    ("brief", "tagged", "not_tagged"),
    [
        ("ORANJESTAD (ANP) - Op Sint Eustatius is de nieuwe haven geopend.",
         "Nederland", "Aruba"),
        ("ORANJESTAD (ANP) - Een hotel aan de boulevard is door brand verwoest.",
         "Aruba", "Nederland"),
        ("ORANJESTAD (ANP) - Aruba en Curaçao gaan samenwerken bij de kustwacht.",
         "Curaçao", "Nederland"),
    ],
)
def test_oranjestad_on_sint_eustatius_only_where_the_text_says_so(
    gaz: Gazetteer, brief: str, tagged: str, not_tagged: str
) -> None:
    keys = _brief_keys(gaz, brief)
    assert follow_key(gaz, tagged) in keys
    assert follow_key(gaz, not_tagged) not in keys


@pytest.mark.parametrize(
    ("brief", "tagged", "not_tagged"),
    [
        # People call Valkenburg aan de Geul Valkenburg; the village in Katwijk is meant
        # where the text says so.
        ("VALKENBURG (ANP) - De grotten trekken dit jaar meer bezoekers dan ooit.",
         "provincie Limburg", "provincie Zuid-Holland"),
        ("VALKENBURG (ANP) - Op het oude vliegveld bij Katwijk komen duizenden woningen.",
         "provincie Zuid-Holland", "provincie Limburg"),
        ("KATWIJK (ANP) - De boulevard is na de storm weer open.",
         "provincie Zuid-Holland", "provincie Limburg"),
    ],
)
def test_a_municipality_goes_by_its_own_and_its_short_name(
    gaz: Gazetteer, brief: str, tagged: str, not_tagged: str
) -> None:
    keys = _brief_keys(gaz, brief)
    assert follow_key(gaz, tagged) in keys
    assert follow_key(gaz, not_tagged) not in keys


@pytest.mark.parametrize(
    ("term", "province"),
    [("Katwijk", "Zuid-Holland"), ("Bloemendaal", "Noord-Holland"),
     ("Valkenburg", "Limburg")],
)
def test_volg_a_municipality_whose_name_is_no_word(
    gaz: Gazetteer, term: str, province: str
) -> None:
    place = gaz.lookup(term)
    assert place is not None
    assert place.level == "gemeente"
    assert resolve(f"provincie {province}", gaz).key in place.lineage


@pytest.mark.parametrize(
    ("brief", "tagged", "not_tagged"),
    [
        # GeoNames calls the Gelderland village "Beek gem Montferland": it is a Beek too.
        ("BEEK (ANP) - In het Gelderse Beek is een fietser ten val gekomen.",
         "provincie Gelderland", "provincie Limburg"),
        ("BEEK (ANP) - De gemeenteraad kiest een nieuwe wethouder.",
         "provincie Limburg", "provincie Gelderland"),
    ],
)
def test_a_village_named_with_its_municipality_goes_by_its_own_name(
    gaz: Gazetteer, brief: str, tagged: str, not_tagged: str
) -> None:
    keys = _brief_keys(gaz, brief)
    assert follow_key(gaz, tagged) in keys
    assert follow_key(gaz, not_tagged) not in keys


# -- city districts, neighbours, compound names ----------------------------------------


@pytest.mark.parametrize(
    ("follow", "brief"),
    [
        # curated.toml's [[district]] lists (stadsdelen, wijken, former municipalities),
        # each in its municipality: GeoNames has no populated place for them.
        ("Amsterdam", "OSDORP (ANP) - Een winkelcentrum in Osdorp is ontruimd."),
        ("Amsterdam", "In Geuzenveld is een auto in brand gestoken."),
        ("Amsterdam", "In Slotervaart is een man neergestoken."),
        ("Amsterdam", "In Nieuw-West is vannacht geschoten."),
        ("Amsterdam", "In Amsterdam-Zuidoost opent een nieuw zwembad."),
        ("Amsterdam", "In de Pijp sluit een bekend café."),
        ("Amsterdam", "In de Bijlmer is een flat ontruimd."),
        ("Noord-Holland", "In Osdorp is een winkel overvallen."),
        ("Rotterdam", "In Kralingen is een student beroofd."),
        ("Rotterdam", "In Charlois is een drugspand gesloten."),
        ("Rotterdam", "In Feijenoord is een woning ontruimd."),
        ("Rotterdam", "In IJsselmonde is een brand geweest."),
        ("Rotterdam", "In Delfshaven wordt een straat opgeknapt."),
        ("Den Haag", "In Loosduinen is een school ontruimd."),
        ("Den Haag", "In Scheveningen is het druk op het strand."),
        ("Den Haag", "In Ypenburg is een brand geweest."),
        ("Den Haag", "In de Schilderswijk is onrust."),
        ("Utrecht", "In Leidsche Rijn komt een nieuw station."),
        ("Utrecht", "In Overvecht is een woning ontruimd."),
        ("Amersfoort", "In Vathorst is een school geopend."),
        ("Groningen", "HAREN (ANP) - Het zwembad gaat dicht."),
        ("'s-Hertogenbosch", "In Rosmalen is een brand geweest."),
        # Brussel-Stad's deelgemeenten (merged in 1921).
        ("Brussel", "HAREN (BELGA) - In de gevangenis van Haren zitten te veel gedetineerden."),
        ("België", "HAREN (BELGA) - In de gevangenis van Haren zitten te veel gedetineerden."),
        ("Brussel", "In Laken is de koninklijke serre open."),
        ("Brussel", "In Neder-Over-Heembeek is een brand geweest."),
        # A square named without its city.
        ("Amsterdam", "Op de Dam wordt de Nationale Dodenherdenking gehouden."),
    ],
)
def test_a_city_follow_covers_its_districts(gaz: Gazetteer, follow: str, brief: str) -> None:
    assert follow_key(gaz, follow) in keys_of(gaz, brief)


@pytest.mark.parametrize(
    ("follow", "brief"),
    [
        # Belgian copy from Haren is Brussel's Haren, not the Groningen one.
        ("Nederland", "HAREN (BELGA) - In de gevangenis van Haren zitten te veel gedetineerden."),
        ("Groningen", "HAREN (BELGA) - In de gevangenis van Haren zitten te veel gedetineerden."),
        ("Brussel", "HAREN (ANP) - Het zwembad gaat dicht."),
        # A district named by a Dutch word counts only where the text means the place.
        ("Amsterdam", "De pijp van de cv-ketel lekt."),
        ("Amsterdam", "De dam in de rivier is doorgebroken."),
        ("Utrecht", "De zuilen van het paleis zijn gerestaureerd."),
        # Neighbouring municipalities are not the city.
        ("Amsterdam", "In Amstelveen is een brand geweest."),
        ("Amsterdam", "DIEMEN (ANP) - Het station gaat dicht."),
        ("Rotterdam", "In Schiedam is een brand geweest."),
        ("Rotterdam", "CAPELLE AAN DEN IJSSEL (ANP) - Een flat is ontruimd."),
        ("Den Haag", "In Rijswijk (Zuid-Holland) is een brand geweest."),
        ("Den Haag", "RIJSWIJK (ANP) - Een flat is ontruimd."),
        # A postal place name '<city>-<place>' is the other municipality's place
        # (GeoNames' postal data: 3165 Rotterdam-Albrandswaard, 1114 Amsterdam-Duivendrecht).
        ("Rotterdam", "Op het bedrijventerrein in Rotterdam-Albrandswaard is brand."),
        ("Amsterdam", "In Amsterdam-Duivendrecht is een kantoor ontruimd."),
    ],
)
def test_a_city_follow_does_not_cover_neighbours_or_words(
    gaz: Gazetteer, follow: str, brief: str
) -> None:
    assert follow_key(gaz, follow) not in keys_of(gaz, brief)


def test_a_postal_compound_names_the_other_municipality(gaz: Gazetteer) -> None:
    keys = keys_of(gaz, "Op het bedrijventerrein in Rotterdam-Albrandswaard is brand.")
    assert follow_key(gaz, "Albrandswaard") in keys
    assert follow_key(gaz, "Ouder-Amstel") in keys_of(
        gaz, "In Amsterdam-Duivendrecht is een kantoor ontruimd."
    )


def test_a_district_is_followed_by_its_own_name(gaz: Gazetteer) -> None:
    osdorp = gaz.lookup("Osdorp")
    assert osdorp is not None and osdorp.name == "Osdorp"
    assert follow_key(gaz, "Amsterdam") in osdorp.lineage
    assert follow_key(gaz, "Osdorp") in keys_of(gaz, "In Osdorp is een winkel overvallen.")
    assert follow_key(gaz, "Osdorp") not in keys_of(gaz, "In Geuzenveld brandt een auto.")


def test_a_district_another_dutch_place_is_named_after_is_chosen_by_the_text(
    gaz: Gazetteer,
) -> None:
    # Strijp is a village in Rijswijk and a district of Eindhoven (Strijp-S).
    assert follow_key(gaz, "Eindhoven") in keys_of(
        gaz, "EINDHOVEN (ANP) - In Strijp opent een nieuw museum."
    )
    assert follow_key(gaz, "Eindhoven") in keys_of(gaz, "Op Strijp-S is Dutch Design Week.")


def test_every_curated_district_list_has_a_source() -> None:
    import tomllib
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "bot" / "news" / "data" / "curated.toml"
    entries = tomllib.loads(path.read_text(encoding="utf-8"))["district"]
    assert len(entries) >= 15
    for entry in entries:
        assert entry["source"] and entry["names"], entry["municipality"]


def test_a_district_takes_no_name_a_dutch_place_lost_to_the_word_filter(
    gaz: Gazetteer,
) -> None:
    # "Sloten" is ditches, and a Frisian town before Amsterdam's Sloten: the word filter
    # keeps the Frisian town out, so the district does not take the name either.
    assert follow_key(gaz, "Amsterdam") not in keys_of(gaz, "SLOTEN (ANP) - Het stadje is vol.")


@pytest.mark.parametrize(
    ("follow", "brief"),
    [
        # A town named only as a reference point for where something else is.
        ("Amsterdam", "AMSTELVEEN (ANP) - Het museum in Amstelveen, onder de rook van "
                      "Amsterdam, moet sluiten."),
        ("Rotterdam", "SCHIEDAM (ANP) - In Schiedam, vlak bij de grens met Rotterdam, is "
                      "geschoten."),
        ("Den Haag", "RIJSWIJK (ANP) - De gemeente, die tegen Den Haag aan ligt, bouwt een bad."),
        ("Amsterdam", "DIEMEN (ANP) - De snelweg richting Amsterdam was urenlang dicht."),
        ("Brussel", "In Vilvoorde, net ten noorden van Brussel, is een brug geopend."),
        ("Rotterdam", "In Capelle aan den IJssel, de buurgemeente van Rotterdam, is brand."),
        ("Rotterdam", "In Spijkenisse, ten zuidwesten van Rotterdam, opent een theater."),
        ("Amsterdam", "ZAANDAM (ANP) - Het terrein ligt aan het Noordzeekanaal, tegenover "
                      "Amsterdam."),
        # Airports lie where they lie, whatever their name says.
        ("Amsterdam", "SCHIPHOL (ANP) - Op Amsterdam Airport Schiphol zijn vluchten geschrapt."),
        ("Brussel", "ZAVENTEM (BELGA) - Brussels Airport verwerkte een record aan reizigers."),
        ("Den Haag", "ROTTERDAM (ANP) - Rotterdam The Hague Airport mag niet groeien."),
        # Compass names glued into another name.
        ("Amsterdam", "In Zuidoost-Azië is een tyfoon aan land gekomen."),
    ],
)
def test_a_city_named_as_a_reference_point_or_in_a_name_is_not_the_news(
    gaz: Gazetteer, follow: str, brief: str
) -> None:
    assert follow_key(gaz, follow) not in keys_of(gaz, brief)


@pytest.mark.parametrize(
    ("follow", "brief"),
    [
        # Named otherwise too, the city counts.
        ("Amsterdam", "In Amsterdam is een brand. De snelweg richting Amsterdam was dicht."),
        ("Haarlemmermeer", "SCHIPHOL (ANP) - Op Amsterdam Airport Schiphol zijn vluchten "
                           "geschrapt."),
        ("Rotterdam", "Rotterdam The Hague Airport mag niet groeien."),
        ("Amsterdam", "ZUIDOOST (ANP) - Bij de Johan Cruijff ArenA in Zuidoost zijn mensen "
                      "onwel geworden."),
        # City-states: what lies in the Land lies in the city.
        ("Berlijn", "KREUZBERG (ANP/DPA) - Een van de oudste clubs van Kreuzberg moet dicht."),
        # Statbel's Dutch name of a Brussels municipality that is also a word.
        ("Brussel", "VORST (BELGA) - De concertzaal Vorst Nationaal in Vorst gaat dicht."),
    ],
)
def test_districts_airports_and_city_states_reach_the_city(
    gaz: Gazetteer, follow: str, brief: str
) -> None:
    assert follow_key(gaz, follow) in keys_of(gaz, brief)


def test_frost_is_not_vorst(gaz: Gazetteer) -> None:
    assert gaz.find("Bij vorst en sneeuw is het glad op de weg.") == []
    assert gaz.find("Vorst en gladheid zorgen voor files.") == []


@pytest.mark.parametrize(
    "text",
    [
        "In de regio Amsterdam stijgen de huizenprijzen.",
        "In Groot-Amsterdam stijgen de huizenprijzen.",
        "In de metropoolregio Amsterdam stijgen de huizenprijzen.",
    ],
)
def test_the_region_named_after_a_city_is_the_citys_news(gaz: Gazetteer, text: str) -> None:
    # Decided (docs/matching.md, Regions): the region holds the city and is named after it.
    assert follow_key(gaz, "Amsterdam") in keys_of(gaz, text)
