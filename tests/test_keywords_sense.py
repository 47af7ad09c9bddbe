"""A keyword follow means a word's sense: forms of the word in its part of speech, compounds
built from it, not other senses, fixed expressions or lexicalised compounds; bodies and
persons by every name and stand-in.

Each case is what a reader who sent `/volg <term>` expects of one sentence, decided by the
rules in docs/matching.md, through the same resolve and keys the intake uses.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.news.lexicon import Aliases, default_lexicon
from bot.news.match import FollowedKeys, item_keys, resolve
from bot.news.parse import parse_brief
from bot.news.regions import default_gazetteer


def reaches(term: str, text: str) -> bool:
    """Whether a follow of ``term`` fires on ``text`` read as the intake reads a brief
    (``parse_brief``: a wire header becomes the dateline and its agencies)."""
    gaz = default_gazetteer()
    key = resolve(term, gaz).key
    item = parse_brief(text, now=datetime(2026, 3, 2, 12, tzinfo=UTC), source="test")
    return key in item_keys(item, gaz.find(item.text), FollowedKeys([key]))


@pytest.mark.parametrize(("term", "text"), [
    # Forms of the word, and compounds whose meaning is built from it.
    ("verkiezing", "De verkiezingen worden in maart gehouden."),
    ("staking", "Door de pilotenstaking zijn honderden vluchten geschrapt."),
    ("staking", "In Middelburg zijn stakende mijnwerkers slaags geraakt met de politie."),
    ("staking", "Leraren staken volgende week een dag."),
    ("transplantatie", "Het UMC deed voor het eerst een longtransplantatie."),
    ("brand", "Branden in Zuid-Europa verwoesten duizenden hectares."),
    ("brand", "Een bus is zondagnacht uitgebrand in een stelplaats."),
    ("school", "Op middelbare scholen is de telefoon voortaan verboden."),
    ("schepen", "Een schip met graan is vertrokken."),
    ("fiets", "De verkoop van e-fietsen stijgt hard."),
    ("bank", "De spaarbank verhoogt de rente."),
    ("bloem", "Door de koude winter staan de bloembollen er sterk bij."),
    # Stand-ins and other names.
    ("VN", "De Algemene Vergadering stemde voor de resolutie."),
    ("VN", "Secretaris-generaal Guterres vroeg om een verlenging."),
    ("NAVO", "Turkije stemt in met een radarstation van het bondgenootschap."),
    ("Tweede Kamer", "De Kamervoorzitter schorste het debat."),
    ("Tweede Kamer", "De Kamer heeft een motie aangenomen."),
    ("Tweede Kamer", "Op het Binnenhof wordt over de begroting gesproken."),
    ("Poetin", "Putin heeft een nieuwe gouverneur benoemd."),
    ("Putin", "Poetin heeft een nieuwe gouverneur benoemd."),
    ("Zelensky", "President Zelenskyy sprak in Berlijn."),
    ("Zelenski", "President Zelensky sprak in Berlijn."),
    ("EU", "Dat heeft de Europese Commissie woensdag bekendgemaakt."),
    ("OM", "De officier van justitie eist drie jaar cel."),
    ("Rusland", "Het Kremlin geeft geen commentaar."),
    # Brussel for the EU in Dutch copy; "het kabinet" in the ANP's own copy; the
    # parliament's members.
    ("EU", "OSLO (ANP/NTB) - Brussel en Oslo zijn het eens over de makreelquota."),
    ("EU", "Parijs verzet zich tegen het verdrag dat Brussel met Mercosur sloot."),
    ("Nederland", "BRUSSEL (ANP) - Het kabinet zegt alle regels te hebben gevolgd."),
    ("Europees Parlement", "Nederlandse Europarlementariërs willen minder reizen."),
    ("EU", "De eurocommissaris voor Handel reist naar Peking."),
    # Derivations that keep the word's sense; a separable verb split over its clause.
    ("verkiezing", "De voorverkiezingen in Iowa zijn gewonnen door de senator."),
    ("verkiezing", "De president wil zijn herverkiezing veiligstellen."),
    ("brand", "De schuur brandde dinsdagnacht volledig af."),
    ("brand", "Het woonhuis brandde uit, meldt de veiligheidsregio."),
    # Verbs that name the followed noun's event ([verb_sense]).
    ("overstroming", "De rivier overstroomde na dagen van regen."),
    ("moord", "De journalist werd in zijn huis vermoord."),
    ("sneeuw", "Het sneeuwt in het hele land."),
    ("vaccinatie", "De GGD vaccineert vanaf maandag ouderen."),
    ("fraude", "De bestuurder fraudeerde jarenlang met subsidies."),
    # A separable verb's participle the form data lacks; agent nouns of the event.
    ("brand", "Een boerderij met een rieten dak is volledig afgebrand."),
    ("staking", "Stakers hebben de poorten van de fabriek geblokkeerd."),
    ("demonstratie", "De politie voerde demonstranten af."),
])
def test_follow_reaches(term: str, text: str) -> None:
    assert reaches(term, text)


@pytest.mark.parametrize(("term", "text"), [
    # Another part of speech, another sense.
    ("verkiezing", "Zij verkiest de trein boven het vliegtuig."),
    ("storing", "Hij stoort zich eraan."),
    ("woning", "Zij woont al jaren in Delft."),
    ("lening", "Hij leent geld van zijn broer."),
    ("transplantatie", "De gemeente laat veertig oude lindebomen transplanteren."),
    ("staking", "Het leger kondigde een staakt-het-vuren af."),
    ("staking", "Het OM staakt de vervolging van de verdachte."),
    ("brand", "De lamp blijft tijdens de werkzaamheden branden."),
    # Lexicalised compounds.
    ("bloem", "De bloemkool is duur deze week."),
    ("vuur", "De vuurtoren van Texel wordt geschilderd."),
    ("beurs", "Zij kreeg een studiebeurs voor haar studie in Leiden."),
    ("beurs", "Op de vakbeurs werden veel orders geplaatst."),
    ("bank", "De salade gaat honderden keren over de toonbank."),
    # Fixed expressions.
    ("bank", "Zij zat de hele avond op de bank."),
    ("bank", "Door de bank genomen zijn de prijzen gestegen."),
    ("brand", "Hij hielp zijn buurman uit de brand."),
    ("bloem", "Bakkers gebruiken alleen bloem, boter en eieren."),
    # Not the body.
    ("Tweede Kamer", "De Eerste Kamer heeft de wet verworpen."),
    ("Tweede Kamer", "De woning heeft twee kamers en een tuin."),
    ("Tweede Kamer", "De Kamer van Koophandel opent een nieuw kantoor."),
    ("Tweede Kamer", "De Eerste Kamer stemde. De Kamer was verdeeld."),
    # In Belga copy "de Kamer" and "Kamerleden" are Belgium's chamber.
    ("Tweede Kamer", "BRUSSEL (BELGA) - De Kamer heeft de begroting goedgekeurd."),
    ("Tweede Kamer", "BRUSSEL (BELGA) - Kamerleden van de oppositie stemden tegen."),
    # Brussel as a place, or the federal government in Belga copy, is not the EU.
    ("EU", "In Brussel is een man neergestoken."),
    ("EU", "De E40 richting Brussel was urenlang versperd."),
    ("EU", "De treinen tussen Antwerpen en Brussel-Zuid rijden weer."),
    ("EU", "ANTWERPEN (BELGA) - Antwerpen verwijt Brussel dat het de haven vergeet."),
    # Another country's cabinet.
    ("Nederland", "PARIJS (ANP/AFP) - Het kabinet is gevallen na een motie van wantrouwen."),
    # More fixed expressions.
    ("beurs", "Studenten moeten steeds dieper in hun beurs tasten."),
    ("vuur", "De minister ligt onder vuur na het mislukken van de plannen."),
    ("vuur", "Soldaten openden het vuur op de demonstranten."),
    ("vuur", "De president sprak over een staakt-het-vuren in Oekraïne."),
    ("staking", "Bij staking van de stemmen beslist de voorzitter."),
    ("brand", "De lamp brandde terwijl hij uit het raam keek."),
    ("brand", "De lamp brandde. Uit voorzorg bleef hij thuis."),
    ("beurs", "Er is een vakantie voor elke beurs."),
    # Compounds that use the word in another sense (lexicon.toml, read at start).
    ("vuur", "Bij een vuurgevecht kwamen drie agenten om."),
    ("vuur", "Het leger bestookte de stad met artillerievuur."),
    ("bank", "De getuige nam plaats in de getuigenbank."),
    ("beurs", "De Vakantiebeurs in de Jaarbeurs trok veel bezoekers."),
    ("bloem", "Meng 200 gram tarwebloem met de melk."),
    ("brand", "De burgemeesters sturen een brandbrief naar het kabinet."),
])
def test_follow_does_not_reach(term: str, text: str) -> None:
    assert not reaches(term, text)


def test_every_alias_names_its_source() -> None:
    with pytest.raises(ValueError, match="no source"):
        Aliases([{"name": "Wereldbank", "abbr": ["WB"]}], default_lexicon())


def test_a_follow_of_a_stand_in_is_not_a_follow_of_the_body() -> None:
    # Stand-ins only widen what a text names: "/volg Binnenhof" is the place, not the
    # Tweede Kamer (whose follow does get briefs about the Binnenhof).
    gaz = default_gazetteer()
    assert resolve("Binnenhof", gaz).key != resolve("Tweede Kamer", gaz).key


# A sample of the compound judgments in bot/news/data/senses.toml (candidates out of
# hunspell-nl and wordfreq, scripts/compound_candidates.py), across many keywords: open
# compounds reach the follow of their part, lexicalised ones and wrong splits do not.
@pytest.mark.parametrize(("term", "text"), [
    ("storm", "De stormschade in Zeeland loopt in de miljoenen."),
    ("water", "Door de wateroverlast staan honderden kelders blank."),
    ("olie", "De olieprijs is opnieuw gestegen."),
    ("gas", "De gaswinning in Groningen stopt volgend jaar."),
    ("goud", "De goudprijs bereikte een record."),
    ("school", "De schoolleiding heeft de ouders ingelicht."),
    ("oorlog", "De burgeroorlog duurt al tien jaar."),
    ("vaccin", "Het griepvaccin is dit jaar aangepast."),
    ("aanslag", "Bij de bomaanslag vielen vijf doden."),
    ("bom", "Bij de bomaanslag vielen vijf doden."),
    ("zorg", "De jeugdzorg kampt met lange wachtlijsten."),
    ("woning", "De woningnood in de Randstad neemt toe."),
    ("brug", "De spoorbrug over de Maas gaat een maand dicht."),
    ("trein", "De treinverbinding met Brussel is hersteld."),
    ("vis", "De visvangst op de Noordzee is ingestort."),
    ("melk", "De melkprijs daalt voor de derde maand op rij."),
    ("lucht", "De luchtkwaliteit in de stad is slecht."),
    ("vuur", "Een vuurzee verwoestte het pand."),
    ("wapen", "De illegale wapenhandel bloeit."),
    ("politie", "De politieauto raakte van de weg."),
    ("leger", "Het regeringsleger rukt op naar de hoofdstad."),
    ("vlucht", "Honderden nachtvluchten zijn geschrapt."),
    ("haven", "Het havenbedrijf meldt een recordjaar."),
    ("prijs", "De huizenprijzen stijgen verder."),
    ("belasting", "De inkomstenbelasting gaat omlaag."),
    ("pensioen", "Het pensioenfonds verhoogt de uitkeringen."),
    ("klimaat", "Het klimaatakkoord is getekend."),
    ("energie", "De energierekening valt hoger uit."),
    ("stroom", "Door een stroomstoring lag het treinverkeer stil."),
    ("kerk", "De kerkdienst werd afgelast."),
    ("ziekenhuis", "Het kinderziekenhuis opent een nieuwe afdeling."),
    ("huur", "De huurverhoging valt hoger uit dan verwacht."),
    ("auto", "De autoverkoop daalde vorig jaar."),
    ("kanker", "Longkanker komt vaker voor bij rokers."),
    ("hart", "Hij kreeg tijdens de wedstrijd een hartaanval."),
    ("bank", "De bankoverval mislukte."),
    ("grens", "De grenscontroles worden verscherpt."),
    ("straf", "Hij kreeg een gevangenisstraf van drie jaar."),
    ("markt", "De arbeidsmarkt blijft krap."),
    ("zee", "De zeespiegelstijging bedreigt de kust."),
    ("spoor", "De spoorwegen investeren in nieuwe treinen."),
    ("werk", "De werkgelegenheid in de regio groeit."),
    ("rechter", "De kantonrechter gaf de huurder gelijk."),
    ("partij", "De partijleider stapt op na de nederlaag."),
    ("stem", "Het stembureau sluit om negen uur."),
    ("station", "Het treinstation wordt verbouwd."),
    ("aanval", "Bij de luchtaanval op de haven vielen doden."),
    ("proces", "Het strafproces tegen de verdachten begint in maart."),
    ("brandweer", "De brandweerkazerne wordt verbouwd."),
])
def test_open_compound_reaches(term: str, text: str) -> None:
    assert reaches(term, text)


@pytest.mark.parametrize(("term", "text"), [
    ("olie", "Op oudejaarsavond eten we oliebollen."),
    ("olie", "De oliebollenkraam staat weer op het plein."),
    ("goud", "De goudvis zwemt in een kom."),
    ("storm", "Er was een stormloop op de kaartjes."),
    ("brug", "Hij zit in de brugklas."),
    ("melk", "De melkweg is vannacht goed te zien."),
    ("lucht", "Dat plan is een luchtkasteel."),
    ("kool", "Frisdrank bevat koolzuur."),
    ("haven", "Op de luchthaven was het erg druk."),
    ("haven", "De luchthavenbelasting gaat omhoog."),
    ("huis", "Zij ligt sinds maandag in het ziekenhuis."),
    ("huis", "De burgemeester sprak op het stadhuis."),
    ("bouw", "De landbouw stoot veel stikstof uit."),
    ("baan", "De kinderen gingen in de achtbaan."),
    ("weer", "De brandweer rukte met groot materieel uit."),
    ("weer", "Er kwam veel weerstand tegen het plan."),
    ("weg", "Het is simpelweg te duur."),
    ("wolf", "Het boek gaat over een weerwolf."),
    ("ijs", "De ijsvogel broedt langs de beek."),
    ("euro", "Het Europees Parlement stemde in met het voorstel."),
    ("vis", "Een walvis spoelde aan op het strand."),
    ("vogel", "Die pechvogel viel opnieuw van zijn fiets."),
    ("prijs", "Zij won de publieksprijs van het festival."),
    ("ruimte", "De vergaderruimte was te klein."),
    ("post", "De minister verloor zijn ministerpost."),
    ("net", "Het sociale vangnet schiet tekort."),
    ("dienst", "De godsdienst speelt een grote rol in het land."),
    ("water", "Op de markt liggen watermeloenen."),
    ("wet", "De wethouder trad af na kritiek."),
    ("hoofd", "De hoofdverdachte is opgepakt."),
    ("kunst", "Hij kreeg een kunstheup."),
    ("straf", "Ajax kreeg in de slotminuut een strafschop."),
    ("schip", "Het vlaggenschip van het merk is vernieuwd."),
    ("kas", "De koning woont in een kasteel."),
    ("auto", "Hij pinde bij de geldautomaat."),
    ("rijk", "Dat is een belangrijk besluit."),
    ("steen", "De schoorsteen werd geveegd."),
    ("bus", "Hij stak de brief in de brievenbus."),
    ("verkeer", "Het betalingsverkeer lag urenlang plat."),
    ("zon", "Op zondag is de winkel dicht."),
    ("kind", "Het project is een zorgenkind van de gemeente."),
    ("zee", "Een vuurzee verwoestte het pand."),
    ("bank", "Hij werkte jaren als bankwerker."),
    ("beurs", "De slijmbeursontsteking in zijn knie geneest langzaam."),
    ("oog", "De bioloog en de patholoog zijn het oneens."),
    ("werk", "Het netwerk van de provider lag plat."),
    ("werk", "Het kunstwerk werd geveild."),
    ("rechter", "Hij brak zijn rechterhand."),
    ("rechter", "De scheidsrechter floot af."),
    ("partij", "Bij een schietpartij vielen twee gewonden."),
    ("stem", "De zangeres heeft last van haar stembanden."),
    ("station", "Het tankstation werd overvallen."),
    ("nier", "De kruidenier op de hoek sluit."),
    ("maan", "Op maandag vergadert de raad."),
    ("meer", "Het merendeel van de leden stemde voor."),
    ("aanval", "De oud-minister overleed aan een hartaanval."),
    ("proces", "Het vredesproces in het Midden-Oosten ligt stil."),
    ("prins", "Het pand aan de Prinsengracht is verkocht."),
    # A plural the data does not know is judged by its compound's lemma.
    ("aanval", "Zij heeft last van paniekaanvallen."),
    ("station", "De tankstations langs de snelweg verhogen hun prijzen."),
    ("bij", "De kinderbijslag gaat omhoog."),
])
def test_opaque_compound_does_not_reach(term: str, text: str) -> None:
    assert not reaches(term, text)


def test_every_sense_judgment_is_a_compound_of_its_keyword() -> None:
    # An entry of senses.toml must be a word the splitter splits with its group's keyword
    # among the parts, and may not repeat a part's judgment (which would hide the part's
    # own key): scripts/compound_candidates.py --check.
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "compound_candidates.py"
    spec = importlib.util.spec_from_file_location("compound_candidates", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.check() == 0
