"""Dutch words for keyword matching: word senses, compounds, fixed expressions, aliases.

Data: ``bot/news/data/lexicon.json.gz`` (built by ``scripts/build_lexicon.py`` from
OpenTaal's Hunspell dictionary, simplemma's lemma table, wordfreq and ``lexicon.toml``) and
``bot/news/data/aliases.toml`` (curated, read as is, a source per entry).  Nothing here
imports those packages.

A keyword key is made of *lemmas* (dictionary forms), not stems: a word is read in its own
part of speech, so forms of one word are one key and a noun and a verb that share a stem
are two (``verkiezingen`` is ``verkiezing``; ``verkiest`` is ``verkiezen``; ``stoort`` is
``storen``, never ``storing``).  How a news word is read:

- **Readings** (:meth:`Lexicon.readings`).  A noun's forms lead to its singular (regular
  plurals from OpenTaal's affix rules, irregular ones from simplemma and
  ``lexicon.toml``: ``schepen`` -> schip, ``leden`` -> lid); verb and adjective forms to
  their infinitive or base (simplemma, adjectives only by their endings).  A word that is
  a noun keeps its noun reading (simplemma also leads ``staking`` to ``staken``); a
  plural that is also an infinitive (``staken``, ``werken``) is read both ways.  A word
  the data does not know is its own lemma.  :meth:`Lexicon.primary` is the one reading
  used for a follow's words and for phrases, on both sides.
- **Compounds.**  A word is split where every part is a real word (rules in
  :meth:`Lexicon.split`).  Its head (last part) counts, unless the compound uses the
  head in another sense (``studiebeurs``: ``opaque_head``); the parts in front count,
  unless the compound's meaning is not built from them (``bloemkool``, ``vuurtoren``:
  ``opaque_first``); some are never split (``bankstel``, wrong splits: ``kasteel``).
  A longer word is read through a judged compound inside it (``kinderziekenhuis``: no
  ``huis``).  Those lists are judged per word (word frequency does not separate them
  from open compounds, see docs/matching.md): ``lexicon.toml`` by hand, ``senses.toml``
  for every candidate compound of 377 news keywords out of hunspell-nl and wordfreq
  (``scripts/compound_candidates.py``).
  A two-part compound also gives its parts as a phrase (``klimaat akkoord``).
- **Fixed expressions** (``lexicon.toml``'s ``[[expression]]`` and ``[idioms]``, in
  lemmas, ``…`` for up to three words, ``a|b`` for a word's listed forms): the bracketed
  word of an expression gives no key where the expression stands (``zat op de [bank]``).
  They are indexed by their first bracketed word, so a text tries only the expressions
  of the news words it holds.

The cost is per word of the item (cached per word), never per subscription.
"""

from __future__ import annotations

import gzip
import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import pairwise
from pathlib import Path

from bot.news.text import fold, raw_words, words

DATA = Path(__file__).resolve().parent / "data"
DEFAULT_PATH = DATA / "lexicon.json.gz"
ALIASES_PATH = DATA / "aliases.toml"
CURATED_PATH = DATA / "lexicon.toml"
# Compound-sense judgments for many news keywords (scripts/compound_candidates.py lists
# the candidates out of OpenTaal's word list): same sections as lexicon.toml's.
SENSES_PATH = DATA / "senses.toml"
FORMAT_VERSION = 2
GAP = "…"  # in an expression: up to MAX_GAP other words
_CLAUSE_RE = re.compile(r"[.,!?;:\n]+")
MAX_GAP = 3

MIN_PART = 3  # shortest part ("gas", "pad", "lek")
MIN_OTHER_FIRST = 4  # shortest non-noun first part ("hoge" in "hogeschool")
MAX_PARTS = 4
_LOGOS = ("loog", "logen")
# Heads of street and canal names: a capitalised compound with one of these, inside a
# sentence, is a name (Kerkstraat, Prinsengracht), not about its first part.
STREET_HEADS = frozenset((
    "straat", "gracht", "laan", "weg", "plein", "kade", "singel", "dreef", "steeg",
))


class Lexicon:
    """Word data; load once with :func:`default_lexicon`."""

    def __init__(self, data: dict) -> None:
        if data.get("version") != FORMAT_VERSION:
            raise ValueError(f"lexicon format {data.get('version')!r}, expected {FORMAT_VERSION}")
        self.nouns = frozenset(data["nouns"])
        self.plurals: dict[str, str] = data["plurals"]
        self.lemmas: dict[str, str] = data["lemmas"]
        self.linking_s = frozenset(data["linking_s"])
        self.other = frozenset(data["words"]) | frozenset(data["begin"])
        self.exceptions = frozenset(data["exceptions"]) | frozenset(data["no_split"])
        self.particles = frozenset(data["particles"])
        self.never_head = frozenset(data["never_head"])
        self.short = frozenset(data["short"])
        self.frequent = frozenset(data["frequent"])
        self.forms: dict[str, str] = data.get("forms", {})
        self.also_verb = frozenset(data.get("also_verb", ()))
        self.opaque_first = frozenset(data.get("opaque_first", ()))
        self.opaque_head = frozenset(data.get("opaque_head", ()))
        self.verb_sense: dict[str, str] = data.get("verb_sense", {})
        # Compounds with a judged sense: a longer word is read through them.
        self.judged = self.opaque_first | self.opaque_head | self.exceptions
        # Derivations after a particle that keep the word's sense (curated):
        # herverkiezing, voorverkiezing -> verkiezing.
        self.derived: dict[str, str] = data.get("derived", {})
        # Separable verbs whose forms carry a noun's sense, by their base verb: "brandde
        # ... af" is afbranden -> brand ({"branden": (("af", "brand"), ("uit", "brand"))}).
        separable: dict[str, list[tuple[str, str]]] = {}
        for verb, noun in self.verb_sense.items():
            for particle in ("af", "uit", "op", "neer", "aan", "in", "om", "over", "door"):
                if verb.startswith(particle) and len(verb) > len(particle) + 3:
                    separable.setdefault(verb[len(particle):], []).append((particle, noun))
        self.separable = {base: tuple(pairs) for base, pairs in separable.items()}
        # Their past participles, which the form data may lack: afbranden -> afgebrand
        # (particle + ge + stem, + t after a voiceless stem ending, + d after others,
        # nothing after t or d).
        for base, pairs in separable.items():
            if not base.endswith("en"):
                continue
            stem = base[:-2]
            if stem[-1:] not in "td":
                stem += "t" if stem[-1:] in "kfsp" or stem.endswith("ch") else "d"
            for particle, _noun in pairs:
                self.forms.setdefault(f"{particle}ge{stem}", particle + base)
        self._extra = lru_cache(maxsize=65536)(self._extra_keys)
        self._split = lru_cache(maxsize=65536)(self._split_uncached)
        self._readings = lru_cache(maxsize=65536)(self._readings_uncached)
        self.primary = lru_cache(maxsize=65536)(self._primary_uncached)
        self.street_keys = lru_cache(maxsize=65536)(self._street_keys)
        # After the caches: expressions are written in any form and read as lemmas.
        shared: dict[frozenset[str], frozenset[str]] = {}  # one object per word set
        self.expressions = [
            Expression.parse(entry["words"], self.primary, shared)
            for entry in data.get("expressions", [])
        ]
        # Indexed by the lemma of the first bracketed word (a news noun, rare in text),
        # not by the first word ("de", "het", "op" start most expressions): a text only
        # tries the expressions of the bracketed words it holds, so hundreds of them cost
        # one dict lookup per word.
        self._expressions_by_anchor: dict[str, list[Expression]] = {}
        for expression in self.expressions:
            for anchor in expression.anchor:
                self._expressions_by_anchor.setdefault(anchor, []).append(expression)

    @classmethod
    def load(cls, path: Path | None = None) -> Lexicon:
        """Read the built lexicon.  The default one takes its curated word lists straight
        from ``lexicon.toml`` (no build step, like ``aliases.toml``): the words never
        split, the opaque compounds and the fixed expressions, which the build only
        copies, so an entry added there counts at the next start."""
        with gzip.open(path or DEFAULT_PATH, "rb") as fh:
            data = json.loads(fh.read())
        if path is None:
            with CURATED_PATH.open("rb") as fh:
                curated = tomllib.load(fh)
            with SENSES_PATH.open("rb") as fh:
                senses = tomllib.load(fh)
            data["expressions"] = curated_expressions(curated)
            data["derived"] = {
                fold(word): fold(base) for word, base in curated.get("derived", {}).items()
            }
            # Verb lemma -> the noun whose news sense its forms carry.
            data["verb_sense"] = {
                fold(verb): fold(noun)
                for noun, verbs in curated.get("verb_sense", {}).items()
                for verb in verbs
                if " " not in verb
            }
            for section in ("exceptions", "opaque_first", "opaque_head", "never_head"):
                # The built file holds the build's copy of these lists; the files' own
                # replace it, so an entry removed there is gone too.  senses.toml groups
                # its judgments by keyword: {"olie": ["oliebol", ...]}.
                judged = senses.get(section, {}).values()
                data[section] = sorted({
                    *(fold(w) for w in curated.get(section, {}).get("words", ())),
                    *(fold(w) for group in judged for w in group),
                })
        return cls(data)

    # -- words ---------------------------------------------------------------------

    def is_word(self, word: str) -> bool:
        """True for a (folded) Dutch dictionary word or one of its plurals."""
        return word in self.nouns or word in self.plurals or word in self.other

    def is_noun(self, word: str) -> bool:
        """True for a (folded) Dutch noun or one of its plurals."""
        return word in self.nouns or word in self.plurals

    def lemma(self, word: str) -> str:
        """The (folded) noun lemma of ``word`` where the data knows one, else ``word``."""
        return self.lemmas.get(word) or self.plurals.get(word) or word

    def readings(self, word: str) -> tuple[str, ...]:
        """Every lemma a (folded) news word may be a form of, the noun's first."""
        return self._readings(word)

    def _readings_uncached(self, word: str) -> tuple[str, ...]:
        noun = self.lemmas.get(word) or self.plurals.get(word) or (
            word if word in self.nouns else None
        )
        other = self.forms.get(word)
        if other and not noun and other in self.nouns and not other.endswith("en"):
            # An inflected adjective whose base is also a noun is not that noun: "beurse
            # peren" are no exchange, "rijke landen" no realm, "een rechte lijn" no law.
            other = None
        out = [lemma for lemma in (noun, other) if lemma]
        if not out or word in self.also_verb:
            out.append(word)
        # A verb whose forms carry a noun's news sense (curated): "stakende" -> staking.
        out += [self.verb_sense[lemma] for lemma in out if lemma in self.verb_sense]
        return tuple(dict.fromkeys(out))

    def verb_only(self, word: str) -> tuple[str, ...]:
        """The readings of a plural that is also an infinitive (``staken``, ``branden``)
        where it stands as a verb: without the plain noun reading."""
        noun = self.lemmas.get(word) or self.plurals.get(word)
        return tuple(lemma for lemma in self._readings(word) if lemma != noun)

    def _primary_uncached(self, word: str) -> str:
        """The one reading of a follow's word and of a phrase's words (same on both sides):
        the first, the noun's where there is one (``/volg schepen`` follows ships)."""
        return self._readings(word)[0]

    def phrase_key(self, folded: list[str]) -> str:
        """The subscription key of a follow of these (folded) words: ``k:`` + their lemmas."""
        return "k:" + " ".join(map(self.primary, folded))

    def unsensed(self, lemmas: list[str]) -> set[int]:
        """Positions of words that stand in a fixed expression and do not mean themselves
        (``lemmas`` are the primary readings of a text's words, in order)."""
        out: set[int] = set()
        by_anchor = self._expressions_by_anchor
        for i, lemma in enumerate(lemmas):
            expressions = by_anchor.get(lemma)
            if not expressions:
                continue
            for expression in expressions:
                # The expression starts between `before` fixed words and `before` plus
                # its gaps' length in front of its anchor.
                low, high = expression.before
                for start in range(max(0, i - high), i - low + 1):
                    if lemmas[start] in expression.first:
                        out.update(expression.match(lemmas, start))
        return out

    def separated_senses(self, text: str, lemmas: list[str]) -> set[str]:
        """The noun senses of separable verbs split over a clause ("De schuur brandde
        volledig af" is afbranden, so brand): a base verb's form, and its particle as the
        clause's last word (not a preposition inside it: "brandde terwijl hij uit het raam
        keek").  ``lemmas`` are the text's primary readings, to skip the clause scan for
        the many texts without such a verb."""
        separable = self.separable
        if not separable or not any(
            self.forms.get(lemma, lemma) in separable for lemma in lemmas
        ):
            return set()
        out: set[str] = set()
        for clause in _CLAUSE_RE.split(text):
            folded = words(clause)
            if len(folded) < 2:
                continue
            for word in folded[:-1]:
                for particle, noun in separable.get(self.forms.get(word, ""), ()):
                    if folded[-1] == particle:
                        out.add(noun)
        return out

    # -- compounds -------------------------------------------------------------------

    def split(self, word: str) -> tuple[str, ...]:
        """The parts of a compound (``('piloten', 'staking')``), or ``()`` if it is none."""
        base = self.lemma(word)
        if base in self.exceptions or word in self.exceptions:
            return ()
        # -loog is the Greek -logos, never lye: bioloog, cardioloog, patholoog, dialoog.
        if base.endswith(_LOGOS) or word.endswith(_LOGOS):
            return ()
        if base != word and len(base) < len(word):
            word = base  # an inflected word is read as its lemma: gasten -> gast
        return self._split(word, 0) or ()

    def _is_head(self, part: str) -> bool:
        if part in self.never_head or not (part in self.nouns or part in self.plurals):
            return False
        if len(part) == MIN_PART and part not in self.short:
            return False
        return self.plurals.get(part, part) not in self.never_head

    def _firsts(self, left: str) -> list[str]:
        """What ``left`` may be as a first part, linking element removed."""
        if left in self.particles or left in self.never_head:
            return []
        if len(left) == MIN_PART and left not in self.short:
            return []
        if left in self.nouns or left in self.plurals:
            return [left]
        if len(left) >= MIN_OTHER_FIRST and left in self.other:
            return [left]
        if len(left) > MIN_PART and left[-1] in "se":  # linking s / e: stakings-, paarde-
            bare = left[:-1]
            if bare not in self.particles and (
                bare in self.linking_s or bare in self.nouns or bare in self.plurals
            ):
                return [bare]
        if left.endswith("er") and left + "en" in self.plurals:  # kinder- -> kinderen
            return [left + "en"]
        return []

    def _split_uncached(self, word: str, depth: int) -> tuple[str, ...] | None:
        if len(word) < 2 * MIN_PART or word in self.exceptions:
            return None
        best: tuple[str, ...] | None = None
        for i in range(MIN_PART, len(word) - MIN_PART + 1):
            head = word[i:]
            if not self._is_head(head):
                continue
            left = word[:i]
            candidates: list[tuple[str, ...]] = [(first, head) for first in self._firsts(left)]
            if not candidates and depth + 2 < MAX_PARTS:
                sub = self._split(left, depth + 1)
                if not sub and left[-1] == "s":  # wereldgezondheids-organisatie
                    sub = self._split(left[:-1], depth + 1)
                if sub:
                    candidates.append((*sub, head))
            for candidate in candidates:
                if best is None or _better(candidate, best, self):
                    best = candidate
        return best

    def grouped(self, parts: tuple[str, ...]) -> tuple[str, ...]:
        """A split of three or more parts, read as two where the parts in front (or
        behind) make a word or a judged compound: luchthaven|belasting, so that
        luchthaven's own senses hold (no haven) inside the longer word."""
        if len(parts) < 3:
            return parts
        judged = self.judged
        left = "".join(parts[:-1])
        for candidate in (left, left[:-1] if left.endswith("s") else ""):
            if candidate and (self.is_noun(candidate) or self.lemma(candidate) in judged):
                return (candidate, parts[-1])
        right = "".join(parts[1:])
        if self.is_noun(right) or self.lemma(right) in judged:
            return (parts[0], right)
        return parts

    def _street_keys(self, word: str) -> tuple[str, ...] | None:
        """The keys of a (folded) word read as a street's or canal's name (Kerkstraat,
        Bloemgracht, Beursplein): its own readings and its head's, never its first parts
        (a name is not about them); None where the word has no such head."""
        parts = self.grouped(self.split(word))
        if len(parts) < 2 or self.primary(parts[-1]) not in STREET_HEADS:
            return None
        return tuple(dict.fromkeys((*self._readings(word), *self._readings(parts[-1]))))

    def extra_keys(self, word: str) -> tuple[str, ...]:
        """Keys (lemmas, and two-word phrases) a folded news word gives beyond its primary
        reading: its other readings and what its compound parts mean."""
        return self._extra(word)

    def _extra_keys(self, word: str) -> tuple[str, ...]:
        readings = self._readings(word)
        out: dict[str, None] = dict.fromkeys(readings)
        parts = self.grouped(self.split(word))
        if parts:
            # The compound's own lemma too, where the data has none for this form: the
            # plural "paniekaanvallen" is judged as "paniekaanval".
            whole = {word, *readings, "".join(parts[:-1]) + self.primary(parts[-1])}
            first_counts = not whole & self.opaque_first
            head_counts = not whole & self.opaque_head
            part_keys = []
            for n, part in enumerate(parts):
                is_head = n == len(parts) - 1
                key = self.primary(part)
                part_keys.append(key)
                if not (head_counts if is_head else first_counts):
                    continue
                out.update(dict.fromkeys(self._readings(part)))
                # A part that is a compound itself: pilotenstakingsactie -> stakingsactie
                # -> staking, actie; by that compound's own senses, so an opaque part
                # stays opaque inside a longer word (oliebollenkraam: no olie;
                # voedselbankmedewerker: no bank).
                if self.split(part):
                    out.update(dict.fromkeys(
                        key for key in self._extra(part) if " " not in key
                    ))
            if len(parts) > 2:  # the compounds inside: pilotenstaking(s)-, -hoofdstad
                if first_counts:
                    out[self.primary(self.lemma("".join(parts[:-1])))] = None
                if head_counts:
                    out[self.primary(self.lemma("".join(parts[1:])))] = None
            for a, b in pairwise(part_keys):
                out[f"{a} {b}"] = None
        for reading in readings:
            if reading in self.derived:  # herverkiezing -> verkiezing
                out[self.derived[reading]] = None
        out.pop(self.primary(word), None)
        return tuple(out)

    def clear_caches(self) -> None:
        self._extra.cache_clear()
        self._split.cache_clear()
        self._readings.cache_clear()
        self.primary.cache_clear()
        self.street_keys.cache_clear()


@dataclass(frozen=True, slots=True)
class Expression:
    """A fixed expression: lemmas in order (``None`` for a gap of up to MAX_GAP words),
    and the positions (in ``words``) whose word does not mean itself there.  A word
    written ``a|b|c`` is any of those forms: the lemma data does not lead every verb
    form to its infinitive (``is``, ``ging``, ``gebarsten`` stay themselves), so an
    expression names the forms it stands in."""

    words: tuple[frozenset[str] | None, ...]
    unsensed: frozenset[int]

    @property
    def first(self) -> frozenset[str]:
        first = self.words[0]
        assert first is not None
        return first

    @property
    def anchor(self) -> frozenset[str]:
        """The lemmas of the first bracketed word: what the expression is indexed by."""
        anchor = self.words[min(self.unsensed)]
        assert anchor is not None
        return anchor

    @property
    def before(self) -> tuple[int, int]:
        """How many text words stand before the anchor when the expression matches:
        at least its words in front, at most those plus MAX_GAP per gap."""
        front = self.words[: min(self.unsensed)]
        gaps = front.count(None)
        return len(front) - gaps, len(front) - gaps + MAX_GAP * gaps

    @classmethod
    def parse(
        cls,
        text: str,
        primary: Callable[[str], str],
        shared: dict[frozenset[str], frozenset[str]] | None = None,
    ) -> Expression:
        tokens: list[frozenset[str] | None] = []
        unsensed = set()
        for token in text.split():
            if token == GAP:
                tokens.append(None)
                continue
            if token.startswith("["):
                unsensed.add(len(tokens))
            forms = frozenset(
                primary(fold(form)) for form in token.strip("[]").split("|") if form
            )
            tokens.append(forms if shared is None else shared.setdefault(forms, forms))
        if not tokens or tokens[0] is None or not unsensed:
            raise ValueError(f"expression {text!r}: starts with a word, marks one with []")
        return cls(tuple(tokens), frozenset(unsensed))

    def match(self, lemmas: list[str], start: int) -> list[int]:
        """The text positions of the unsensed words if the expression stands at ``start``."""
        return self._match(lemmas, start, 0, [])

    def _match(self, lemmas: list[str], at: int, n: int, found: list[int]) -> list[int]:
        if n == len(self.words):
            return found
        word = self.words[n]
        if word is None:  # a gap: try it short to long
            for skip in range(MAX_GAP + 1):
                got = self._match(lemmas, at + skip, n + 1, found)
                if got:
                    return got
            return []
        if at >= len(lemmas) or lemmas[at] not in word:
            return []
        return self._match(lemmas, at + 1, n + 1, [*found, at] if n in self.unsensed else found)


def _better(a: tuple[str, ...], b: tuple[str, ...], lexicon: Lexicon) -> bool:
    """Fewer parts first; then a noun as first part (``gemeente`` + ``huis``, not ``gemeen``
    + ``tehuis``); then a frequent head (``drug`` + ``lab``, not ``drug`` + ``slab``); then
    the longer head (``lid`` + ``maatschap``, not ``lidmaat`` + ``schap``); then the split
    whose shortest part is longest."""

    def score(parts: tuple[str, ...]) -> tuple[int, bool, bool, int, int]:
        return (
            len(parts),
            parts[0] not in lexicon.nouns,
            parts[-1] not in lexicon.frequent,
            -len(parts[-1]),
            -min(map(len, parts)),
        )

    return score(a) < score(b)


@dataclass(frozen=True, slots=True)
class Alias:
    name: str  # the full name: how /volg names it
    key_words: str  # folded words of the name, joined by spaces
    key: str  # the subscription key: "k:" + the lemmas of the name's words
    forms: tuple[str, ...]  # the other names, as written in aliases.toml


# Words in a name from which on an item's runs of words (match.MAX_PHRASE_WORDS = 6) no
# longer hold it: the alias matcher looks for such a name itself.
_LONG_NAME = 6


@dataclass(frozen=True, slots=True)
class StandIn:
    """Words that stand for an entry in running text (``de Kamer``, ``het bondgenootschap``).

    ``words`` are compared as written where they hold a capital (``Kamer`` is the
    parliament, ``kamer`` a room) and folded otherwise; ``prefix`` matches the start of a
    capitalised compound (``Kamervoorzitter``); never right after a word in ``not_after``
    nor right before one in ``not_before`` (``Eerste Kamer``, ``Kamer van Koophandel``).
    """

    words: tuple[str, ...]
    key: str
    prefix: bool = False
    not_after: frozenset[str] = frozenset()
    not_before: frozenset[str] = frozenset()
    unless: tuple[str, ...] = ()  # folded phrases that, anywhere in the text, rule it out


class Aliases:
    """Names that are one subscription, and stand-ins for them (``aliases.toml``).

    Per entry: ``name`` (its words are the key, as if the reader had typed it), ``abbr``
    (matched in text only as written: ``OM``, not ``om``), ``other`` (other names and
    spellings, any case, also after /volg), ``cased`` (other names matched in text only
    as written, with a stand-in's conditions if given: a surname that is also a word,
    ``Modi``, ``Klaver``, ``De Wever``; /volg of them in any case follows the entry),
    ``stand_in`` (text only: what copy writes for it; /volg of a stand-in follows the
    word itself), ``key`` (a region key, for a country's stand-ins: ``het Kremlin`` ->
    ``r:RU``) and ``source`` (required: where the names were checked).
    """

    def __init__(self, entries: list[dict], lexicon: Lexicon | None = None) -> None:
        lexicon = lexicon or default_lexicon()
        self.by_form: dict[str, Alias] = {}  # folded words of any form -> alias
        self.by_abbr: dict[str, Alias] = {}  # abbreviation exactly as written -> alias
        self.by_word: dict[str, Alias] = {}  # one-word other name, folded -> alias
        self.stand_ins: dict[str, list[StandIn]] = {}  # first word (as compared) -> ...
        self.prefixes: list[StandIn] = []
        in_text: dict[str, Alias] = {}  # folded forms matched in any case in text
        for entry in entries:
            if not entry.get("source"):
                raise ValueError(f"alias {entry.get('name')!r} has no source")
            cased = [{"words": c} if isinstance(c, str) else c for c in entry.get("cased", [])]
            others = tuple(dict.fromkeys([
                *entry.get("abbr", []), *entry.get("other", []), *(c["words"] for c in cased)
            ]))
            name_words = words(entry["name"])
            key = entry.get("key") or lexicon.phrase_key(name_words)
            alias = Alias(entry["name"], " ".join(name_words), key, others)
            for raw in entry.get("stand_in", []):
                self._add_stand_in(raw, key)
            for spec in cased:
                self._add_stand_in(spec, key)
                written = spec["words"]
                # A surname's genitive is written without an apostrophe after a consonant
                # ("Macrons plan", "Jettens kabinet"): the same name.
                if " " not in written and written[-1:].lower() not in "aeiouyszx'":
                    self._add_stand_in({**spec, "words": written + "s"}, key)
            if "key" in entry:  # a country's stand-ins: /volg goes to the gazetteer
                continue
            self.by_form.setdefault(alias.key_words, alias)
            in_text.setdefault(alias.key_words, alias)
            text_forms = {*entry.get("abbr", []), *entry.get("other", [])}
            for form in others:
                form_words = words(form)
                joined = " ".join(form_words)
                self.by_form.setdefault(joined, alias)
                if form in text_forms:
                    in_text.setdefault(joined, alias)
                    if form.isupper():
                        self.by_abbr[form] = alias
                    elif len(form_words) == 1 and form not in entry.get("abbr", ()):
                        self.by_word[joined] = alias
            for abbr in entry.get("abbr", []):
                self.by_abbr[abbr] = alias
            if entry["name"].replace("-", "").isupper():
                self.by_abbr[entry["name"]] = alias
        # Multi-word other names, matched in running text as a phrase (cased names are
        # stand-ins: compared as written); the name itself too when it is longer than the
        # runs of words an item's keys hold ("Organisatie voor Veiligheid en Samenwerking
        # in Europa").
        self.phrases: dict[str, Alias] = {
            form: alias
            for form, alias in in_text.items()
            if " " in form and (form != alias.key_words or form.count(" ") >= _LONG_NAME)
        }
        self.max_words = max((f.count(" ") + 1 for f in self.phrases), default=1)
        self.phrase_starts = frozenset(form.split(" ", 1)[0] for form in self.phrases)

    def _add_stand_in(self, raw: dict | str, key: str) -> None:
        spec = {"words": raw} if isinstance(raw, str) else raw
        text: str = spec["words"]
        prefix = text.endswith("-")
        # Split as the text is split (raw_words: hyphens and apostrophes part words), so
        # "Yeşilgöz-Zegerius" and "Quai d'Orsay" compare word by word.
        tokens = tuple(_compared(token) for token in raw_words(text.rstrip("-")))
        stand_in = StandIn(
            tokens, key, prefix,
            frozenset(fold(w) for w in spec.get("not_after", [])),
            frozenset(fold(w) for w in spec.get("not_before", [])),
            tuple(" ".join(words(w)) for w in spec.get("unless", [])),
        )
        if prefix:
            self.prefixes.append(stand_in)
        else:
            self.stand_ins.setdefault(tokens[0], []).append(stand_in)

    @classmethod
    def load(cls, path: Path | None = None) -> Aliases:
        with (path or ALIASES_PATH).open("rb") as fh:
            return cls(tomllib.load(fh).get("alias", []))

    def lookup(self, term: str) -> Alias | None:
        """The alias a reader means by ``term`` (any case), or None."""
        return self.by_form.get(" ".join(words(term)))

    def keys_in(
        self, raw: list[str], folded: list[str], agencies: tuple[str, ...] = ()
    ) -> dict[str, None]:
        """The keys of the entries a text names: by abbreviation, other name or stand-in
        (``raw`` and ``folded`` are the text's words as written and folded).

        ``agencies`` are the dateline's wire agencies, folded.  They are not words of the
        text (nothing matches them), but a stand-in's ``unless`` sees them: "het kabinet"
        in ANP/AFP copy is another country's cabinet."""
        out: dict[str, None] = {}
        context = [*agencies, *folded] if agencies else folded
        by_abbr, by_word, starts = self.by_abbr, self.by_word, self.phrase_starts
        stand_ins, prefixes = self.stand_ins, self.prefixes
        for i, word in enumerate(folded):
            token = raw[i]
            alias = by_abbr.get(token) or by_word.get(word)
            if alias is not None:
                out[alias.key] = None
            if word in starts:
                for n in range(2, self.max_words + 1):
                    found = self.phrases.get(" ".join(folded[i : i + n]))
                    if found is not None:
                        out[found.key] = None
            candidates = stand_ins.get(token, ())
            if word != token and word in stand_ins:  # "De": "de paus" and "De Wever"
                candidates = [*candidates, *stand_ins[word]]
            for stand_in in candidates:
                if _stands(stand_in, raw, folded, i) and not (
                    stand_in.unless and _mentions(context, stand_in.unless)
                ):
                    out[stand_in.key] = None
            if prefixes and token[:1].isupper():
                for stand_in in prefixes:
                    first = stand_in.words[0]
                    if (
                        len(token) > len(first)
                        and token.startswith(first)
                        and (i == 0 or folded[i - 1] not in stand_in.not_after)
                        and not (stand_in.unless and _mentions(context, stand_in.unless))
                    ):
                        out[stand_in.key] = None
        return out


def _mentions(folded: list[str], phrases: tuple[str, ...]) -> bool:
    text = " " + " ".join(folded) + " "
    return any(f" {phrase} " in text for phrase in phrases)


def _compared(token: str) -> str:
    """A stand-in's word as it is compared: as written with a capital, else folded."""
    return token if any(ch.isupper() for ch in token) else fold(token)


@cache
def _cased(word: str) -> bool:
    """Whether a stand-in's word holds a capital (it is then compared as written)."""
    return any(ch.isupper() for ch in word)


def _stands(stand_in: StandIn, raw: list[str], folded: list[str], i: int) -> bool:
    n = len(stand_in.words)
    if i + n > len(raw):
        return False
    for j, want in enumerate(stand_in.words):
        got = raw[i + j] if _cased(want) else folded[i + j]
        if got != want:
            return False
    if i > 0 and folded[i - 1] in stand_in.not_after:
        return False
    return not (i + n < len(folded) and folded[i + n] in stand_in.not_before)


def curated_expressions(curated: dict) -> list[dict]:
    """Every fixed expression of ``lexicon.toml``: the ``[[expression]]`` entries and the
    grouped lists of ``[idioms]`` (one list per news word or theme, each with its
    source in a comment), as ``{"words": ...}`` entries."""
    out = list(curated.get("expression", []))
    for group in curated.get("idioms", {}).values():
        out += [{"words": text} for text in group]
    return out


@cache
def default_lexicon() -> Lexicon:
    return Lexicon.load()


@cache
def default_aliases() -> Aliases:
    return Aliases.load()


def clear_caches() -> None:
    """Forget the per-word caches (for measuring cold speed)."""
    default_lexicon().clear_caches()
    fold.cache_clear()
