"""Matching: what a reader follows, and which subscriptions an item matches.

Both sides become the same *keys*, so matching is an index lookup in SQL:

- ``r:UA``            a country (region subscription; items tagged UA)
- ``p:<place key>``   a place, ``g:<place key>`` a region inside a country
- ``k:<stems>``       a keyword or phrase: Snowball-Dutch stems joined by spaces

An item yields every key it could match: its regions, the places it names, and
every run of 1..MAX_PHRASE_WORDS word stems, so a phrase subscription matches its
words in order and ``staking`` also finds ``stakingen``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from bot.news.items import Item
from bot.news.regions import Gazetteer, Place
from bot.news.text import stems, words

MAX_TERM_CHARS = 64
MAX_PHRASE_WORDS = 6

_KIND_PREFIX = {"land": "r", "plaats": "p", "regio": "g"}
_PREFIX_KIND = {"r": "land", "p": "plaats", "g": "regio", "k": "onderwerp"}


class TermError(ValueError):
    """A term a reader typed that cannot be followed; the message is the Dutch reply."""


@dataclass(frozen=True)
class Topic:
    """Something a chat can follow."""

    key: str
    name: str  # how the reader sees it: "Oekraïne", "staking"

    @property
    def kind(self) -> str:
        """Dutch word for the kind: land, plaats, regio or onderwerp."""
        return kind_of(self.key)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.kind})"


def kind_of(key: str) -> str:
    return _PREFIX_KIND.get(key.split(":", 1)[0], "onderwerp")


def resolve(term: str, gazetteer: Gazetteer) -> Topic:
    """What `/volg <term>` follows: a country or place if the gazetteer knows it, else a keyword.

    Raises TermError with a Dutch explanation for input that cannot be followed.
    """
    term = " ".join(term.split())
    if not term:
        raise TermError("Wat wil je volgen? Bijvoorbeeld: /volg Oekraïne of /volg staking")
    if any(unicodedata.category(ch) == "Cc" for ch in term):
        raise TermError("Er staan onzichtbare tekens in. Typ alleen het woord dat je wilt volgen.")
    if len(term) > MAX_TERM_CHARS:
        raise TermError(f"Dat is te lang: houd het onder de {MAX_TERM_CHARS} tekens.")
    tokens = words(term)
    if not tokens:
        raise TermError("Daar staan geen woorden in. Probeer bijvoorbeeld /volg staking")
    place = gazetteer.lookup(term)
    if place is not None:
        prefix = _KIND_PREFIX.get(place.kind, "p")
        key = place.country if prefix == "r" else place.key
        return Topic(key=f"{prefix}:{key}", name=place.name)
    if len(tokens) > MAX_PHRASE_WORDS:
        raise TermError(f"Volg een woord of korte zin van hoogstens {MAX_PHRASE_WORDS} woorden.")
    return Topic(key="k:" + " ".join(stems(term)), name=term)


class FollowedKeys:
    """The keys some chat follows, and the word-prefixes of followed phrases.

    A superset is fine (SQL does the real matching), so keys are only ever added: an
    item's keys are first filtered here, and an item nobody follows costs no lookup.
    """

    def __init__(self, keys: Iterable[str] = ()) -> None:
        self.keys: set[str] = set()
        self.prefixes: set[str] = set()
        for key in keys:
            self.add(key)

    def add(self, key: str) -> None:
        self.keys.add(key)
        if key.startswith("k:"):
            stems_ = key[2:].split(" ")
            for n in range(1, len(stems_)):
                self.prefixes.add("k:" + " ".join(stems_[:n]))


def item_keys(item: Item, places: list[Place], followed: FollowedKeys | None = None) -> list[str]:
    """Every subscription key the item matches (deduplicated, in a stable order).

    ``places`` are the places and countries the gazetteer found in the item.  With
    ``followed``, only keys someone follows are returned, and a phrase is only grown
    word by word while it is the start of a followed phrase.
    """
    keys: dict[str, None] = {f"r:{code}": None for code in sorted({p.country for p in places})}
    for place in places:
        prefix = _KIND_PREFIX.get(place.kind, "p")
        if prefix != "r":
            keys[f"{prefix}:{place.key}"] = None
    item_stems = stems(item.text)
    if followed is None:
        for n in range(1, MAX_PHRASE_WORDS + 1):
            for i in range(len(item_stems) - n + 1):
                keys["k:" + " ".join(item_stems[i : i + n])] = None
        return list(keys)
    found = [key for key in keys if key in followed.keys]
    for i in range(len(item_stems)):
        gram = "k:" + item_stems[i]
        for n in range(2, MAX_PHRASE_WORDS + 2):
            if gram in followed.keys:
                found.append(gram)
            if gram not in followed.prefixes or i + n > len(item_stems):
                break
            gram += " " + item_stems[i + n - 1]
    return list(dict.fromkeys(found))

