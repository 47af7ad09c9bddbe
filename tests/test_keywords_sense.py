"""A keyword follow means a word's sense: forms of the word in its part of speech, compounds
built from it, not other senses, fixed expressions or lexicalised compounds; bodies and
persons by every name and stand-in.

Each case is what a reader who sent `/volg <term>` expects of one sentence, decided by the
rules in docs/matching.md, through the same resolve and keys the intake uses.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.news.lexicon import FORMAT_VERSION, Aliases, Lexicon, default_lexicon
from bot.news.match import FollowedKeys, item_keys, resolve
from bot.news.parse import parse_brief
from bot.news.regions import default_gazetteer

# The least a Lexicon needs: no word data, so every word is its own lemma.
_BARE = {
    "version": FORMAT_VERSION, "nouns": [], "plurals": {}, "lemmas": {}, "linking_s": [],
    "words": [], "begin": [], "exceptions": [], "no_split": [], "particles": [],
    "never_head": [], "short": [], "frequent": [],
}


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

# Idioms and fixed expressions (lexicon.toml's [idioms]): a sample across the news words,
# each the word in a sense the follower does not mean.
@pytest.mark.parametrize(("term", "text"), [
    ("storm", "Het bleek een storm in een glas water."),
    ("storm", "Het liep storm bij de opening van de nieuwe winkel."),
    ("storm", "Het plan leidde tot een storm van kritiek in de Kamer."),
    ("olie", "Met die uitspraak gooide de minister olie op het vuur."),
    ("vuur", "De fans stonden in vuur en vlam voor de nieuwe trainer."),
    ("vuur", "Het nieuws verspreidde zich als een lopend vuurtje door het dorp."),
    ("vuur", "Ik steek mijn hand niet in het vuur voor die wethouder."),
    ("brand", "De gemeente hielp de club uit de brand met een lening."),
    ("brand", "Na de fusie zit de directie flink in de brand."),
    ("bank", "Door de bank genomen vielen de cijfers mee."),
    ("water", "Beide partijen moesten water in de wijn doen."),
    ("water", "Het plan is in het water gevallen."),
    ("water", "Nieuwe feiten kwamen pas later boven water."),
    ("water", "Het water staat de boeren tot aan de lippen."),
    ("bom", "Na maanden van ruzie is de bom gebarsten in de coalitie."),
    ("bom", "Het nieuwe stadion kostte een bom geld."),
    ("bom", "De vergrijzing is een tikkende tijdbom onder het pensioenstelsel."),
    ("aanval", "De voorstelling is een aanval op de lachspieren."),
    ("aanval", "Hij kreeg een aanval van paniek in de lift."),
    ("oorlog", "De vakbonden gaan op het oorlogspad tegen het kabinet."),
    ("kogel", "De kogel is door de kerk: het station wordt verbouwd."),
    ("schot", "Er zit eindelijk schot in de onderhandelingen."),
    ("schot", "De nieuwe spits bleek een schot in de roos."),
    ("schot", "De burgemeester wil buiten schot blijven."),
    ("slag", "De nieuwe minister gaat direct aan de slag met de woningnood."),
    ("slag", "Het kabinet houdt een slag om de arm."),
    ("slag", "De bestuurder was op slag dood."),
    ("strijd", "Volgens de rechter is het besluit in strijd met de wet."),
    ("vrede", "De verliezer heeft er vrede mee."),
    ("grens", "De minister trekt de grens bij tien procent."),
    ("muur", "Burgers worden van het kastje naar de muur gestuurd."),
    ("brug", "De werkgevers moeten nu over de brug komen met een beter bod."),
    ("weg", "De minister ging het debat uit de weg."),
    ("spoor", "De politie is het spoor bijster."),
    ("spoor", "De recherche kwam de dader snel op het spoor."),
    ("trein", "De verkoop van de nieuwe telefoon loopt als een trein."),
    ("schip", "De nieuwe directeur wil schoon schip maken."),
    ("haven", "Goud geldt als een veilige haven voor beleggers."),
    ("geld", "Voor hetzelfde geld had het anders afgelopen."),
    ("goud", "Die ervaring is goud waard."),
    ("prijs", "De burgemeester stelt de steun zeer op prijs."),
    ("prijs", "De bewoners vielen in de prijs met een nieuwe speeltuin."),
    ("kosten", "Dat gaat ten koste van de veiligheid."),
    ("schuld", "De coach gaf de scheidsrechter de schuld van het verlies."),
    ("rekening", "De gemeente houdt rekening met meer asielzoekers."),
    ("school", "Het voorbeeld van Utrecht maakt school in andere steden."),
    ("les", "De minister las de burgemeesters de les."),
    ("hart", "De wethouder nam de kritiek ter harte."),
    ("hart", "In het hart van Amsterdam wordt een nieuw museum gebouwd."),
    ("hoofd", "De gemeente moet het hoofd bieden aan de woningnood."),
    ("hoofd", "Zij staat sinds maart aan het hoofd van de NAVO."),
    ("hand", "Wat is er aan de hand bij de NS?"),
    ("hand", "De situatie liep volledig uit de hand."),
    ("voet", "De directeur werd op staande voet ontslagen."),
    ("dood", "Het is erop of eronder: de dood of de gladiolen."),
    ("ongeluk", "Een agent schoot per ongeluk op zijn collega."),
    ("zorg", "De inspectie maakt zich zorgen over de veiligheid op scholen."),
    ("zorg", "De stijgende rente baart beleggers zorgen."),
    ("mes", "Het kabinet zet het mes in de subsidies."),
    ("geweld", "Die uitspraak doet de waarheid geweld aan."),
    ("staat", "De gemeente is niet in staat om de kosten te dragen."),
    ("akkoord", "De gemeenteraad ging akkoord met de plannen."),
    ("grond", "Op grond van de nieuwe wet mag dat niet meer."),
    ("licht", "Het kabinet gaf groen licht voor de uitbreiding van Schiphol."),
    ("stroom", "Het proces kwam in een stroomversnelling."),
    ("koers", "De partij zet koers naar het midden."),
    ("wind", "De minister sloeg alle waarschuwingen in de wind."),
    ("wind", "Het succes gaf de partij de wind in de zeilen."),
    ("regen", "De reizigers kwamen van de regen in de drup."),
    ("ijs", "De spelers kwamen goed beslagen ten ijs."),
    ("mist", "Bij de aanbesteding ging het volledig de mist in."),
    ("wet", "Volgens de wet van Murphy ging alles mis."),
    ("dijk", "De trainer werd na vijf nederlagen aan de dijk gezet."),
    ("steek", "De partij liet haar kiezers in de steek."),
    ("bod", "De kwestie komt volgende week aan bod in de Kamer."),
    ("partij", "De douane onderschepte een partij cocaïne in de haven."),
    ("top", "Ajax staat weer aan de top van de ranglijst."),
    ("klimaat", "Het politieke klimaat is verhard."),
    ("tol", "De hitte eist haar tol onder ouderen."),
    ("vlucht", "De verkoop van elektrische auto's nam een hoge vlucht."),
    ("explosie", "Het festival was een explosie van kleur."),
    ("ramp", "Een dag later vertrekken is geen ramp."),
    ("gas", "De minister wil gas terugnemen bij de bouw."),
    ("gas", "De automobilist gaf gas en reed weg."),
    ("stem", "De voorzitter moest zijn stem verheffen."),
    ("macht", "De spelers probeerden uit alle macht de gelijkmaker te maken."),
    ("storm", "Bij de opening liep het storm."),
    ("beurs", "De clubs ruilden twee verdedigers met gesloten beurs."),
    ("brand", "De Raad van State maakt brandhout van het wetsvoorstel."),
    ("verkiezing", "Zij won de verkiezing van Sportvrouw van het Jaar."),
    ("verkiezing", "Volgend jaar doet ze mee aan de Miss World-verkiezing."),
    ("verkiezing", "De eik werd tweede bij de verkiezing van de mooiste boom."),
    ("staking", "De provincie gelast de boer tot staking van de bouw."),
    ("staking", "De rechter beval de staking van de werkzaamheden."),
    ("oorlog", "Na de feestdagen voert hij oorlog tegen de kilo's."),
    ("oorlog", "Zij verklaarde de oorlog aan de kilootjes."),
    ("storing", "De dader leed aan een psychische storing."),
    ("storing", "Een atmosferische storing brengt regen."),
])
def test_idiom_takes_the_sense_away(term: str, text: str) -> None:
    assert not reaches(term, text)


# The same words in their news sense still fire, also next to an idiom's words: the
# idioms keep a word of context that only the idiom has ("de weg is vrij voor verkeer"
# is the road; "een mes in de buik" the knife).
@pytest.mark.parametrize(("term", "text"), [
    ("storm", "De storm raasde over het land."),
    ("storm", "Door de storm vielen tientallen bomen om."),
    ("olie", "De olieprijs steeg door het conflict."),
    ("vuur", "Het vuur sloeg over naar de naastgelegen woningen."),
    ("brand", "De brand in de loods was snel onder controle."),
    ("bank", "De bank verhoogt de hypotheekrente."),
    ("water", "Het water in de rivier stijgt snel."),
    ("bom", "In Rotterdam is een bom uit de Tweede Wereldoorlog gevonden."),
    ("bom", "Een bom onder een auto ontplofte in de nacht."),
    ("aanval", "Bij een aanval op een dorp vielen tien doden."),
    ("oorlog", "De oorlog in Oekraïne duurt voort."),
    ("kogel", "Een kogel trof de agent in zijn been."),
    ("schot", "Er werd een schot gelost bij een woning in Tilburg."),
    ("slag", "De slag om Arnhem wordt herdacht."),
    ("strijd", "De strijd om de stad duurt voort."),
    ("vrede", "De partijen sloten vrede na jaren van oorlog."),
    ("grens", "Aan de grens met Polen staan lange rijen."),
    ("muur", "Een muur van de kerk stortte in."),
    ("brug", "De brug over de Waal is afgesloten."),
    ("spoor", "Een koe liep op het spoor bij Deventer."),
    ("trein", "Een trein is ontspoord bij Amersfoort."),
    ("schip", "Het schip liep vast in het Suezkanaal."),
    ("haven", "In de haven van Rotterdam is een schip vastgelopen."),
    ("geld", "De gemeente trekt extra geld uit voor de jeugdzorg."),
    ("goud", "De prijs van goud bereikte een record."),
    ("prijs", "De prijs van benzine stijgt opnieuw."),
    ("schuld", "De schuld van Italië loopt verder op."),
    ("rekening", "De energierekening valt volgend jaar hoger uit."),
    ("school", "De school in Zwolle blijft dicht door de storm."),
    ("hart", "Hij overleed aan een falend hart."),
    ("hand", "De man raakte gewond aan zijn hand."),
    ("ongeluk", "Bij een ongeluk op de A2 raakten drie mensen gewond."),
    ("zorg", "De zorg kampt met een groot personeelstekort."),
    ("mes", "De verdachte bedreigde het personeel met een mes."),
    ("geweld", "Het geweld in Gaza laaide opnieuw op."),
    ("staat", "De staat moet de gedupeerden schadeloos stellen."),
    ("akkoord", "Het akkoord over de stikstof is getekend."),
    ("wind", "Harde wind zorgde voor schade in Zeeland."),
    ("regen", "Zware regen zorgde voor overlast in Limburg."),
    ("ijs", "Een schaatser zakte door het ijs in Friesland."),
    ("mist", "Door dichte mist gebeurden meerdere ongelukken op de A1."),
    ("dijk", "De dijk bij Lobith wordt versterkt."),
    ("stroom", "Duizenden huishoudens zitten zonder stroom."),
    ("licht", "Door de storing viel het licht uit in heel Utrecht."),
    ("partij", "De partij wil de belasting verlagen."),
    ("koers", "De koers van het aandeel daalde fors."),
    ("klimaat", "Het klimaat verandert sneller dan gedacht."),
    ("mes", "De man stak het mes in de buik van het slachtoffer."),
    ("water", "Er stroomt minder water door de Rijn dan ooit."),
    ("grens", "Duizenden vluchtelingen trokken over de grens."),
    ("brug", "Verkeer dat over de brug komt, moet omrijden."),
    ("weg", "De weg is weer vrij voor verkeer."),
    ("school", "De oude school wordt gesloopt."),
    ("partij", "Veel jongeren hebben voor die partij gekozen."),
    ("partij", "Hij is geen lid meer van de partij."),
    ("pest", "In Congo is de pest uitgebroken."),
    ("schot", "Er zat een schot in de voordeur."),
    ("muur", "De auto reed tegen een muur aan."),
    ("stof", "Door de droogte waaide veel stof op."),
    ("hand", "De man verloor bij het ongeluk een hand."),
    ("hoofd", "Het slachtoffer raakte aan het hoofd gewond."),
    ("hart", "De patiënt kreeg een nieuw hart."),
    ("voet", "De wandelaar brak zijn voet."),
    ("water", "Het water in de kelder staat een meter hoog."),
    ("zee", "Een vissersboot is op zee vergaan."),
    ("dijk", "De dijk bij Wageningen is doorgebroken."),
    ("vuur", "De brandweer had het vuur snel onder controle."),
    ("rook", "De rook was kilometers ver te zien."),
    ("storm", "De storm liep ten einde."),
    ("wind", "De wind waait uit het westen."),
    ("regen", "De regen viel met bakken uit de lucht."),
    ("ijs", "Het ijs is nog te dun om te schaatsen."),
    ("sneeuw", "De sneeuw zorgde voor gladde wegen."),
    ("bliksem", "De bliksem sloeg in een boerderij in."),
    ("mist", "Dichte mist hindert het verkeer."),
    ("bom", "De bom werd onschadelijk gemaakt."),
    ("kogel", "De kogel ging door de deur."),
    ("slag", "Bij de slag om Bachmut vielen duizenden doden."),
    ("strijd", "De strijd om Gaza-Stad is losgebarsten."),
    ("vrede", "De vrede in het Midden-Oosten is ver weg."),
    ("grens", "De grens met België is weer open."),
    ("brug", "De brug is na een aanvaring dicht."),
    ("weg", "De weg is wegens werkzaamheden afgesloten."),
    ("spoor", "Het spoor tussen Utrecht en Arnhem ligt er weer bij."),
    ("trein", "De trein reed met hoge snelheid door het station."),
    ("schip", "Het schip kwam in de haven aan."),
    ("haven", "De haven van Antwerpen groeit."),
    ("bank", "De bank maakt een recordwinst."),
    ("geld", "Het geld werd teruggestort."),
    ("prijs", "De prijs van gas stijgt."),
    ("schuld", "De schuld van de gemeente loopt op."),
    ("rekening", "De rekening voor de zorg stijgt."),
    ("school", "Leerlingen van de school kregen les in het gemeentehuis."),
    ("les", "De les ging niet door wegens de storm."),
    ("zorg", "De zorg voor ouderen staat onder druk."),
    ("mes", "Een man met een mes werd opgepakt."),
    ("geweld", "Het geweld tegen agenten neemt toe."),
    ("staat", "De staat wordt aansprakelijk gesteld."),
    ("akkoord", "Het akkoord werd ondertekend in Brussel."),
    ("partij", "De partij won de verkiezingen."),
    ("stroom", "Door de storing was de stroom uitgevallen."),
    ("gas", "De prijs van gas is fors gestegen."),
    ("gas", "Rusland geeft geen gas meer aan Europa."),
    ("licht", "Het licht ging uit in de hele wijk."),
    ("wet", "De wet treedt volgend jaar in werking."),
    ("wapen", "De politie vond een wapen in de auto."),
    ("ongeluk", "Het ongeluk gebeurde op de A12."),
    ("vlucht", "De vlucht naar Londen werd geannuleerd."),
    ("tol", "De tol voor de Westerscheldetunnel gaat omhoog."),
    ("koers", "De koers van de euro daalt."),
    ("explosie", "Bij een explosie in een fabriek vielen twee gewonden."),
    ("ramp", "De ramp kostte honderden mensen het leven."),
    ("stem", "Hij bracht zijn stem uit in Utrecht."),
    ("macht", "De junta greep de macht in Niger."),
    ("staking", "De staking van de buschauffeurs gaat door."),
    ("verkiezing", "De verkiezing van de nieuwe burgemeester is uitgesteld."),
    ("oorlog", "Rusland verklaarde de oorlog aan Oekraïne."),
    ("storing", "Door een storing reden er geen treinen tussen Utrecht en Amersfoort."),
])
def test_news_sense_still_fires(term: str, text: str) -> None:
    assert reaches(term, text)


def test_expressions_are_found_by_their_bracketed_word() -> None:
    # Indexed by the bracketed word, not the first: an expression that starts with a
    # common word, has a gap before its bracketed word, or lists a verb's forms.
    lexicon = Lexicon({**_BARE, "expressions": [
        {"words": "de [kogel] … door de kerk"},
        {"words": "zat|zit … in de [brand]"},
    ]})
    text = ["de", "kogel", "is", "nu", "door", "de", "kerk", "en", "de", "club", "zat",
            "flink", "in", "de", "brand"]
    assert lexicon.unsensed(text) == {1, 14}
    # Too long a gap, or another form than listed: the words mean themselves.
    far = ["de", "kogel", "is", "toen", "al", "lang", "door", "de", "kerk"]
    assert lexicon.unsensed(far) == set()
    assert lexicon.unsensed(["zaten", "in", "de", "brand"]) == set()


def test_every_idiom_parses_with_a_bracketed_word() -> None:
    lexicon = default_lexicon()
    assert len(lexicon.expressions) > 600
    for expression in lexicon.expressions:
        assert expression.unsensed and expression.words[0] is not None
