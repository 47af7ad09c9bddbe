"""Dutch words for keyword matching: compounds, irregular forms and aliases.

Data: ``bot/news/data/lexicon.json.gz`` (built by ``scripts/build_lexicon.py`` from
OpenTaal's Hunspell dictionary, simplemma's lemma table and ``lexicon.toml``) and
``bot/news/data/aliases.toml`` (curated, read as is).  Nothing here imports those
packages.

How a news word is read (:meth:`Lexicon.extra_stems`), beyond its own Snowball stem:

- **Irregular forms.**  ``schepen`` also gives the stem of ``schip``, ``leden`` of
  ``lid``, ``musea`` of ``museum``: forms whose lemma the stemmer does not reach.
- **Compounds.**  A word is split where every part is a real word: the head (last
  part) must be a noun, the first part a noun, a plural (the linking ``en``:
  ``pilotenstaking``), a noun with the linking ``s`` (``stakingsactie``) or ``e``,
  or another Dutch word of four letters or more.  Prepositions and adverbs in front
  (``overstroming``), suffix-like heads (``leerling``) and a curated list of compounds
  that mean something else (``bankstel``, ``waterstof``) are never split; an inflected
  word is split as its lemma (``gasten`` is ``gast``, not ``gas`` + ``ten``).  Of the
  splits, the one with the fewest parts wins.  Every part gives its stem (and its
  lemma's), so ``/volg staking`` finds ``pilotenstaking`` and ``stakingsactie``; a
  two-part compound also gives the two stems as a phrase (``klimaat akkoord``).

The cost is per word of the item (cached per word), never per subscription.
"""

from __future__ import annotations

import gzip
import json
import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import pairwise
from pathlib import Path

from bot.news.text import fold, stem, stem_words, words

DATA = Path(__file__).resolve().parent / "data"
DEFAULT_PATH = DATA / "lexicon.json.gz"
ALIASES_PATH = DATA / "aliases.toml"
FORMAT_VERSION = 1

MIN_PART = 3  # shortest part ("gas", "pad", "lek")
MIN_OTHER_FIRST = 4  # shortest non-noun first part ("hoge" in "hogeschool")
MAX_PARTS = 4


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
        self._extra = lru_cache(maxsize=65536)(self._extra_stems)
        self._split = lru_cache(maxsize=65536)(self._split_uncached)

    @classmethod
    def load(cls, path: Path | None = None) -> Lexicon:
        with gzip.open(path or DEFAULT_PATH, "rb") as fh:
            return cls(json.loads(fh.read()))

    # -- words ---------------------------------------------------------------------

    def is_word(self, word: str) -> bool:
        """True for a (folded) Dutch dictionary word or one of its plurals."""
        return word in self.nouns or word in self.plurals or word in self.other

    def is_noun(self, word: str) -> bool:
        """True for a (folded) Dutch noun or one of its plurals."""
        return word in self.nouns or word in self.plurals

    def lemma(self, word: str) -> str:
        """The (folded) lemma of ``word`` where the data knows one, else ``word``."""
        return self.lemmas.get(word) or self.plurals.get(word) or word

    def term_stem(self, word: str) -> str:
        """The key stem of a one-word follow: the stem of its lemma (``schepen`` -> schip)."""
        return stem(self.lemma(word))

    # -- compounds -------------------------------------------------------------------

    def split(self, word: str) -> tuple[str, ...]:
        """The parts of a compound (``('piloten', 'staking')``), or ``()`` if it is none."""
        base = self.lemma(word)
        if base in self.exceptions or word in self.exceptions:
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

    def extra_stems(self, word: str) -> tuple[str, ...]:
        """Stems (and two-word phrases) a folded news word matches beyond its own stem."""
        return self._extra(word)

    def _extra_stems(self, word: str) -> tuple[str, ...]:
        own = stem(word)
        out: dict[str, None] = {}
        lemma = self.lemma(word)
        if lemma != word:
            out[stem(lemma)] = None
        parts = self.split(word)
        if parts:
            part_stems = []
            for part in parts:
                part_stem = stem(self.lemma(part))
                part_stems.append(part_stem)
                out[stem(part)] = None
                out[part_stem] = None
                # A part that is a compound itself: pilotenstakingsactie -> stakingsactie
                # -> staking, actie.
                for sub in self.split(part):
                    out[stem(sub)] = None
                    out[stem(self.lemma(sub))] = None
            if len(parts) > 2:  # the compounds inside: pilotenstaking(s)-, -hoofdstad
                out[stem(self.lemma("".join(parts[:-1])))] = None
                out[stem(self.lemma("".join(parts[1:])))] = None
            for a, b in pairwise(part_stems):
                out[f"{a} {b}"] = None
        out.pop(own, None)
        return tuple(out)

    def clear_caches(self) -> None:
        self._extra.cache_clear()
        self._split.cache_clear()


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
    key: str  # the subscription key: "k:" + the stems of the name's words
    forms: tuple[str, ...]  # the other names, as written in aliases.toml


class Aliases:
    """Abbreviations and full names that are one subscription (``aliases.toml``)."""

    def __init__(self, entries: list[dict]) -> None:
        self.by_form: dict[str, Alias] = {}  # folded words of any form -> alias
        self.by_abbr: dict[str, Alias] = {}  # abbreviation exactly as written -> alias
        for entry in entries:
            others = tuple(dict.fromkeys([*entry.get("abbr", []), *entry.get("other", [])]))
            name_words = words(entry["name"])
            alias = Alias(
                entry["name"], " ".join(name_words), "k:" + " ".join(stem_words(name_words)), others
            )
            for form in [entry["name"], *others]:
                self.by_form.setdefault(" ".join(words(form)), alias)
            for abbr in entry.get("abbr", []):
                self.by_abbr[abbr] = alias
            for other in entry.get("other", []):
                if other.isupper():
                    self.by_abbr[other] = alias
            if entry["name"].replace("-", "").isupper():
                self.by_abbr[entry["name"]] = alias
        # Multi-word other names, matched in running text as a phrase.
        self.phrases: dict[str, Alias] = {
            form: alias
            for form, alias in self.by_form.items()
            if " " in form and form != alias.key_words
        }
        self.max_words = max((f.count(" ") + 1 for f in self.phrases), default=1)
        self.phrase_starts = frozenset(form.split(" ", 1)[0] for form in self.phrases)

    @classmethod
    def load(cls, path: Path | None = None) -> Aliases:
        with (path or ALIASES_PATH).open("rb") as fh:
            return cls(tomllib.load(fh).get("alias", []))

    def lookup(self, term: str) -> Alias | None:
        """The alias a reader means by ``term`` (any case), or None."""
        return self.by_form.get(" ".join(words(term)))


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
