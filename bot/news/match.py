"""Matching: what a reader follows, and which subscriptions an item matches.

Both sides become the same *keys*, so matching is an index lookup in SQL:

- ``r:UA``            a country (region subscription; items tagged UA)
- ``p:<place key>``   a place, ``g:<place key>`` a region inside a country; an item
  gets the keys of every place it names and of every place those lie in
  (:attr:`bot.news.regions.Place.lineage`), so ``g:NL-NH`` matches an ALKMAAR brief
- ``k:<stems>``       a keyword or phrase: Snowball-Dutch stems joined by spaces
- ``s:<words>``       a section (rubriek), its folded words (:mod:`bot.news.sections`)
- ``*``               everything: only the newsroom's channel follows it (NEWSBOT_CHANNEL)

An item yields every key it could match: its regions, the places it names, every
run of 1..MAX_PHRASE_WORDS word stems (so ``staking`` also finds ``stakingen``), and
per word what :mod:`bot.news.lexicon` reads in it: the stem of an irregular form's
lemma (``schepen`` -> schip), the parts of a compound (``pilotenstaking`` -> piloot,
staking; a two-part compound also as the phrase ``piloot staking``), and for an
abbreviation written in capitals its alias (``OM`` -> Openbaar Ministerie).  The
number of keys grows with the item's length, never with the number of subscriptions;
matching stays one indexed ``key IN (...)`` lookup.

What ``/volg`` follows (:func:`resolve`), in this order:

1. an alias from ``aliases.toml`` (``VN``, ``om``, ``Verenigde Naties``): one key for
   all its names;
2. a country, region or place the gazetteer knows;
3. one word: the stem of its lemma (``schepen`` and ``schip`` are one follow);
4. several words: a phrase.  It matches only when the words stand next to each other
   in this order (``openbaar vervoer``, ``Tweede Kamer``), never the words scattered
   over a text: two ordinary words and a fixed name behave the same, so a reader can
   predict what arrives.  A phrase also matches a compound made of its words
   (``klimaat akkoord`` finds ``klimaatakkoord``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from bot.news.items import Item
from bot.news.lexicon import Aliases, Lexicon, default_aliases, default_lexicon
from bot.news.regions import Gazetteer, Place, coverage_note, default_gazetteer
from bot.news.sections import BREAKING_KEY, section_key
from bot.news.text import fold, raw_words, strip_format, words

MAX_TERM_CHARS = 64
ALL_KEY = "*"  # every item matches it; no reader can type it (resolve never yields it)
MAX_PHRASE_WORDS = 6

_PREFIX_KIND = {"r": "land", "p": "plaats", "g": "regio", "k": "onderwerp", "s": "rubriek"}


# The matching rules stored keys were made by (the store's meta rows ``match_keys`` for
# keyword follows and ``search_keys`` for items): none stored means Snowball stems (before
# lemmas); "2" lemmas with part of speech; "3" the word-sense rules and region data of the
# realistic-copy round (datelines of towns named by a word, same-named places, short
# municipality names); "4" the broadened aliases (a follow of "Macron" is now Emmanuel
# Macron's key, and stored items get the keys of the persons and bodies they name).  A
# new version moves keyword follows and re-indexes stored items for search at the next
# start (storage/shared.py), so search agrees with follows.
KEYS_VERSION = "4"


def rekey(key: str, label: str) -> str:
    """The key a stored follow has under today's rules, from the name in its label.

    Only keyword keys change (``k:verkies`` from "verkiezing (onderwerp)" becomes
    ``k:verkiezing``); region and place keys are the gazetteer's and stay.  Idempotent: a
    key already made by today's rules comes back unchanged.
    """
    if not key.startswith("k:"):
        return key
    name = label.rsplit(" (", 1)[0] if label.endswith(")") else label
    name = split_exclusions(name)[0]  # "Ajax zonder transfer": the follow is Ajax
    tokens = words(name)
    if not tokens:
        return key
    alias = default_aliases().lookup(name)
    if alias is not None:
        return alias.key
    return default_lexicon().phrase_key(tokens)


class TermError(ValueError):
    """A term a reader typed that cannot be followed; the message is the Dutch reply."""


@dataclass(frozen=True)
class Topic:
    """Something a chat can follow."""

    key: str
    name: str  # how the reader sees it: "Oekraïne", "staking", "Ajax zonder transfer"
    note: str = ""  # Dutch: what the follow also covers, for the /volg reply
    # Keys whose items this follow leaves out (/volg Ajax -transfer): never this one's.
    excluding: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        """Dutch word for the kind: land, plaats, regio or onderwerp."""
        return kind_of(self.key)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.kind})"


def kind_of(key: str) -> str:
    """The Dutch word for what a key follows: land, provincie, gemeente, plaats, regio,
    onderwerp (places by the gazetteer's level, so a province says it is one)."""
    prefix = key.split(":", 1)[0]
    if prefix in ("p", "g"):
        place = default_gazetteer().by_key(key)
        if place is not None:
            return place.shown_kind
    return _PREFIX_KIND.get(prefix, "onderwerp")


def covers(key: str, short: bool = False) -> str:
    """What a region follow also covers, in Dutch ("" for anything else): the /volg
    note, or with ``short`` the words after the name in /mijn."""
    if key.split(":", 1)[0] not in ("r", "g", "p"):
        return ""
    gazetteer = default_gazetteer()
    place = gazetteer.by_key(key)
    return coverage_note(place, gazetteer, short=short) if place is not None else ""


_WITHOUT = re.compile(r"\s+(?:zonder|behalve|maar niet)\s+", re.IGNORECASE)
_LIST = re.compile(r"\s*,\s*|\s+(?:en|of)\s+", re.IGNORECASE)
MAX_EXCLUDED = 5


def split_exclusions(term: str) -> tuple[str, list[str]]:
    """``Ajax -transfer`` and ``Ajax zonder transfer`` -> (``Ajax``, [``transfer``]).

    A word written with a ``-`` in front (after a space: ``Noord-Holland`` is one name)
    is left out; so is everything after ``zonder`` (or ``behalve``, ``maar niet``), a
    list split on commas, ``en`` and ``of`` (``zonder transfers en blessures``).
    A name that holds ``zonder`` (``Artsen zonder Grenzen``, an alias) is one name.
    """
    term = " ".join(strip_format(term).split())
    if default_aliases().lookup(term) is not None:
        return term, []
    left_out = [token[1:] for token in term.split(" ") if token.startswith("-") and token[1:]]
    base = " ".join(t for t in term.split(" ") if not (t.startswith("-") and t[1:]))
    parts = _WITHOUT.split(base, maxsplit=1)
    if len(parts) == 2 and parts[0].strip():
        base = parts[0]
        left_out = [p for p in _LIST.split(parts[1]) if p.strip()] + left_out
    return base.strip(), left_out


def resolve(term: str, gazetteer: Gazetteer) -> Topic:
    """What `/volg <term>` follows: a country or place if the gazetteer knows it, else a
    keyword; with what it leaves out (``Ajax -transfer``: see :func:`split_exclusions`).

    Raises TermError with a Dutch explanation for input that cannot be followed.
    """
    base, left_out = split_exclusions(term)
    if not left_out or not words(base):
        return _resolve_one(term, gazetteer)
    if len(left_out) > MAX_EXCLUDED:
        raise TermError(f"Laat hoogstens {MAX_EXCLUDED} woorden weg.")
    topic = _resolve_one(base, gazetteer)
    others = [_resolve_one(word, gazetteer) for word in left_out]
    excluding = tuple(dict.fromkeys(o.key for o in others if o.key != topic.key))
    if not excluding:
        return topic
    names = [o.name for o in others if o.key in excluding]
    shown = ", ".join(names[:-1]) + " en " + names[-1] if len(names) > 1 else names[0]
    quoted = " en ".join(f"‘{n}’" for n in names)
    note = f"Berichten over {quoted} krijg je hierover niet (ook niet in andere vormen)."
    return Topic(topic.key, f"{topic.name} zonder {shown}", note, excluding)


def _resolve_one(term: str, gazetteer: Gazetteer) -> Topic:
    term = " ".join(strip_format(term).split())
    if not term:
        raise TermError("Wat wil je volgen? Bijvoorbeeld: /volg Oekraïne of /volg staking")
    if any(unicodedata.category(ch) == "Cc" for ch in term):
        raise TermError("Er staan onzichtbare tekens in. Typ alleen het woord dat je wilt volgen.")
    if len(term) > MAX_TERM_CHARS:
        raise TermError(f"Dat is te lang: houd het onder de {MAX_TERM_CHARS} tekens.")
    tokens = words(term)
    if not tokens:
        raise TermError("Daar staan geen woorden in. Probeer bijvoorbeeld /volg staking")
    aliases = default_aliases()
    alias = aliases.lookup(term)
    if alias is not None:
        # The label already shows the name: the note names the other forms, the one the
        # reader typed first, and its verb agrees ("Ook ‘VN’ en ‘UN’ tellen mee").
        name_words = " ".join(words(alias.name))
        forms = [form for form in alias.forms if " ".join(words(form)) != name_words]
        forms.sort(key=lambda form: " ".join(words(form)) != " ".join(tokens))
        others = [f"‘{form}’" for form in forms]
        shown = ", ".join(others[:-1]) + " en " + others[-1] if len(others) > 1 else "".join(others)
        note = f"Ook {shown} {'tellen' if len(others) > 1 else 'telt'} mee." if others else ""
        return Topic(key=alias.key, name=alias.name, note=note)
    place = gazetteer.lookup(term)
    if place is not None:
        return Topic(
            key=place.follow_key, name=place.name, note=coverage_note(place, gazetteer)
        )
    if len(tokens) > MAX_PHRASE_WORDS:
        raise TermError(f"Volg een woord of korte zin van hoogstens {MAX_PHRASE_WORDS} woorden.")
    if len(tokens) == 1:
        if term[:1].isupper():  # a name: it has no plural, only compounds
            note = f"Ook samenstellingen met ‘{term}’ tellen mee."
        else:
            note = (
                f"Ook meervouden, andere vormen en samengestelde woorden met ‘{term}’ vooraan "
                "of achteraan tellen mee."
            )
        return Topic(key=default_lexicon().phrase_key(tokens), name=term, note=note)
    note = (
        f"Alleen berichten waarin ‘{term}’ zo staat: deze woorden naast elkaar, "
        "in deze volgorde."
    )
    return Topic(key=default_lexicon().phrase_key(tokens), name=term, note=note)


class FollowedKeys:
    """The keys some chat follows, and the word-prefixes of followed phrases.

    An item's keys are first filtered here, so an item nobody follows costs no lookup.
    A superset is fine (SQL does the real matching), but keys nobody follows any more are
    dropped (the store calls :meth:`discard` when the last chat unfollows), so that
    /volg + /ontvolg pairs cannot grow it without bound.  ``prefixes`` counts how many
    followed phrases start with each prefix, so a prefix leaves with its last phrase;
    lookups stay one hash probe (``in`` on a dict), adding or dropping a key costs one
    update per word of it.
    """

    def __init__(self, keys: Iterable[str] = ()) -> None:
        self.keys: set[str] = set()
        self.prefixes: dict[str, int] = {}
        for key in keys:
            self.add(key)

    def add(self, key: str) -> None:
        if key in self.keys:
            return
        self.keys.add(key)
        for prefix in _prefixes(key):
            self.prefixes[prefix] = self.prefixes.get(prefix, 0) + 1

    def discard(self, key: str) -> None:
        """Forget a key no chat follows any more (no error if it was not there)."""
        if key not in self.keys:
            return
        self.keys.discard(key)
        for prefix in _prefixes(key):
            left = self.prefixes[prefix] - 1
            if left:
                self.prefixes[prefix] = left
            else:
                del self.prefixes[prefix]


def _prefixes(key: str) -> list[str]:
    """The proper word-prefixes of a phrase key: ``k:a b c`` -> ``k:a``, ``k:a b``."""
    if not key.startswith("k:"):
        return []
    stems_ = key[2:].split(" ")
    return ["k:" + " ".join(stems_[:n]) for n in range(1, len(stems_))]


def item_keys(
    item: Item,
    places: list[Place],
    followed: FollowedKeys | None = None,
    lexicon: Lexicon | None = None,
    aliases: Aliases | None = None,
    *,
    phrases: bool = True,
) -> list[str]:
    """Every subscription key the item matches (deduplicated, in a stable order).

    ``places`` are the places and countries the gazetteer found in the item.  With
    ``followed``, only keys someone follows are returned, and a phrase is only grown
    word by word while it is the start of a followed phrase.  ``phrases=False`` leaves
    out the runs of several words (not the phrases a word itself gives: a compound's
    parts, an alias): what :func:`search_keys` stores.
    """
    read = _read(item, places, lexicon or default_lexicon(), aliases or default_aliases())
    if followed is None:
        return read.every(phrases)
    return read.followed(followed)


def store_keys(
    item: Item, places: list[Place], followed: FollowedKeys
) -> tuple[list[str], list[str]]:
    """An item's keys for the store, read once: those some chat follows (the fan-out's,
    as :func:`item_keys` with ``followed``) and those kept for search (as
    :func:`search_keys`).  Storing an item needs both; reading the text twice cost as
    much as the rest of storing it."""
    read = _read(item, places, default_lexicon(), default_aliases())
    search = [key for key in read.every(phrases=False) if key != ALL_KEY]
    return read.followed(followed), search


@dataclass(slots=True)
class _Reading:
    """What :func:`_read` finds in an item, before it becomes one list of keys or the
    other."""

    keys: dict[str, None]  # the item's own keys: everything, section, places, regions
    lemmas: list[str]  # the words' lemmas, in order
    wordless: set[int]  # positions whose word gives no key of its own
    extra: dict[str, None]  # what the words read as besides their lemma

    def every(self, phrases: bool) -> list[str]:
        keys = dict(self.keys)
        lemmas, wordless = self.lemmas, self.wordless
        for i, lemma in enumerate(lemmas):
            if i not in wordless:
                keys["k:" + lemma] = None
        for n in range(2, MAX_PHRASE_WORDS + 1 if phrases else 2):
            for i in range(len(lemmas) - n + 1):
                keys["k:" + " ".join(lemmas[i : i + n])] = None
        keys.update(self.extra)
        return list(keys)

    def followed(self, followed: FollowedKeys) -> list[str]:
        lemmas, wordless = self.lemmas, self.wordless
        found_keys = [key for key in self.keys if key in followed.keys]
        found_keys += [key for key in self.extra if key in followed.keys]
        for i in range(len(lemmas)):
            gram = "k:" + lemmas[i]
            for n in range(2, MAX_PHRASE_WORDS + 2):
                if gram in followed.keys and (n > 2 or i not in wordless):
                    found_keys.append(gram)
                if gram not in followed.prefixes or i + n > len(lemmas):
                    break
                gram += " " + lemmas[i + n - 1]
        return list(dict.fromkeys(found_keys))


def _read(item: Item, places: list[Place], lexicon: Lexicon, aliases: Aliases) -> _Reading:
    """Read an item's text once: its own keys, its words' lemmas and readings."""
    keys: dict[str, None] = {ALL_KEY: None}
    section = section_key(item.section) if item.section else None
    if section is not None:
        keys[section] = None
    if item.breaking:
        keys[BREAKING_KEY] = None
    keys.update({f"r:{code}": None for code in sorted({p.country for p in places})})
    for place in places:
        # The place's own key and those of every place it lies in (town, municipality,
        # province, country): a follow of any of them matches by lookup.
        keys.update(dict.fromkeys(place.lineage or (place.follow_key,)))
    raw = raw_words(item.words_text)
    folded = [fold(word) for word in raw]
    primary = lexicon.primary
    lemmas = [primary(word) for word in folded]
    unsensed = lexicon.unsensed(lemmas)
    # A place's own name is not split ("Schiphol" is no "schip", "Zeeland" no "zee").
    place_words = {word for place in places for word in words(place.name)}
    extra = aliases.keys_in(raw, folded, tuple(fold(agency) for agency in item.agencies))
    extra.update(("k:" + noun, None) for noun in lexicon.separated_senses(item.words_text, lemmas))
    also_verb = lexicon.also_verb
    # Positions whose word gives no key of its own: in a fixed expression, or a plural
    # that is also an infinitive standing as the verb ("De lamp blijft branden",
    # "Leraren staken"): that one gives its verb readings only.
    wordless = set(unsensed)
    for i, word in enumerate(folded):
        if i in unsensed:
            continue
        if word in place_words:
            extra.update(("k:" + lemma, None) for lemma in lexicon.readings(word))
            continue
        if word in also_verb and not _reads_as_noun(raw, folded, i):
            wordless.add(i)
            extra.update(("k:" + lemma, None) for lemma in lexicon.verb_only(word))
            continue
        if raw[i][:1].isupper():
            # A street's or canal's name inside a sentence ("aan de Bloemgracht") counts
            # for its head only, not for what it is named after.
            street = lexicon.street_keys(word)
            if street is not None and _inside_sentence(item.text, raw[i]):
                extra.update(("k:" + more, None) for more in street)
                continue
        extra.update(("k:" + more, None) for more in lexicon.extra_keys(word))
    return _Reading(keys, lemmas, wordless, extra)


def _inside_sentence(text: str, token: str) -> bool:
    """Whether ``token`` stands somewhere in ``text`` after another word of its sentence
    (so its capital marks a name, not a sentence's start)."""
    return re.search(r"[^\s.!?:;]\s+" + re.escape(token) + r"(?!\w)", text) is not None


# Words after which a plural that is also an infinitive is the plural: articles,
# prepositions, numbers and quantifiers ("de branden", "bij branden", "twee werken").
_NOUN_CUES = frozenset((
    "de", "het", "een", "deze", "die", "dit", "dat", "zulke", "welke", "geen", "hun", "zijn",
    "haar", "onze", "jullie", "alle", "enkele", "veel", "meer", "minder", "meerdere",
    "diverse", "talrijke", "twee", "drie", "vier", "vijf", "zes", "tien", "honderd",
    "duizend", "bij", "door", "na", "om", "over", "tegen", "tijdens", "met", "zonder", "in",
    "op", "aan", "tot", "voor", "van", "uit", "en", "of",
))


def _reads_as_noun(raw: list[str], folded: list[str], i: int) -> bool:
    """Whether an ambiguous plural/infinitive at ``i`` reads as the noun: at the start of
    a sentence (capitalised), or after an article, preposition, number or an inflected
    adjective (``grote branden``)."""
    if i == 0 or raw[i][:1].isupper():
        return True
    before = folded[i - 1]
    if len(before) == 1:  # a letter in front: "e-fietsen"
        return True
    return before in _NOUN_CUES or (before.endswith("e") and len(before) > 3)


def search_keys(item: Item, places: list[Place]) -> list[str]:
    """The keys stored with an item for search: every key of one word, place, region or
    alias it matches (``item_keys`` without runs of words and without ``*``).

    A search for a phrase finds the items holding each of its words' keys and checks
    the phrase with :func:`matches`, so the stored set grows with the item's words, not
    with the number of word runs.
    """
    return [key for key in item_keys(item, places, phrases=False) if key != ALL_KEY]


def phrase_parts(key: str) -> list[str]:
    """The one-word keys a phrase key needs (``k:tweede kamer`` -> ``k:tweede``,
    ``k:kamer``); ``[]`` for a key that is no phrase."""
    if not key.startswith("k:") or " " not in key:
        return []
    return ["k:" + part for part in dict.fromkeys(key[2:].split(" "))]


def matches(item: Item, key: str) -> bool:
    """Whether a follow of ``key`` alerts on ``item`` (a keyword key: places do not
    change what a keyword matches, so none are looked up)."""
    return key in item_keys(item, [], FollowedKeys([key]))
