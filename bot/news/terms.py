"""Guard rails for what a reader asks to follow: stop words, very short terms, lists, URLs.

:func:`bot.news.match.resolve` says *what* a term follows; this module says whether a
term is worth following at all, and splits a list into its terms.  Both `/volg`, follow
links, follow buttons and free text go through :func:`split_terms` and
:func:`check_term`, so the same mistake gets the same Dutch reply everywhere.

Decisions:

- **Stop words** are the Snowball project's Dutch stop list (101 words: articles,
  pronouns, prepositions, conjunctions, auxiliaries; the list every Dutch search engine
  starts from), plus a few words a reader might type that mean nothing on their own in
  news (``nieuws`` is *not* one: it is refused by nobody and matches little).  A term
  made only of stop words (``de``, ``van de``, ``het is``) is refused; a phrase with one
  real word in it (``Tweede Kamer``, ``Partij van de Arbeid``) is fine.
- **Short terms**: fewer than three letters or digits is refused (``a``, ``x``, ``12``)
  unless it is a known abbreviation: every abbreviation in ``aliases.toml`` (VN, EU, NS,
  OM, UN, ...), a place or country the gazetteer knows (VS), the few two-letter names
  Dutch news uses that are in neither (:data:`SHORT_NAMES`), and road numbers (A2, N7).
  The check runs after aliases and places are tried, so it only ever sees keywords.
- **Only digits** (``1234``) is refused: a number on its own matches prices, dates and
  scores, never a topic.
- **Lists**: ``,`` and ``;`` always separate; `` en `` separates unless the whole part is
  a name something knows (``Bosnië en Herzegovina``, ``Immigratie- en
  Naturalisatiedienst``), decided by the caller's ``is_name``.  Words separated by
  spaces only (``Oekraïne Rusland``) are a list when each word alone is such a name and
  the whole is not: a phrase of two countries never occurs in a text.
- **URLs** get the same reply everywhere: the bot follows topics, not feeds.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.news.match import TermError
from bot.news.text import fold, words

# The Snowball Dutch stop list (snowballstem.org/algorithms/dutch/stop.txt), folded.
SNOWBALL_DUTCH = frozenset(
    [
        "de", "en", "van", "ik", "te", "dat", "die", "in", "een", "hij", "het", "niet", "zijn",
        "is", "was", "op", "aan", "met", "als", "voor", "had", "er", "maar", "om", "hem", "dan",
        "zou", "of", "wat", "mijn", "men", "dit", "zo", "door", "over", "ze", "zich", "bij", "ook",
        "tot", "je", "mij", "uit", "der", "daar", "haar", "naar", "heb", "hoe", "heeft", "hebben",
        "deze", "u", "want", "nog", "zal", "me", "zij", "nu", "ge", "geen", "omdat", "iets",
        "worden", "toch", "al", "waren", "veel", "meer", "doen", "toen", "moet", "ben", "zonder",
        "kan", "hun", "dus", "alles", "onder", "ja", "eens", "hier", "wie", "werd", "altijd",
        "doch", "wordt", "wezen", "kunnen", "ons", "zelf", "tegen", "na", "reeds", "wil", "kon",
        "niets", "uw", "iemand", "geweest", "andere",
    ]
)

# Words a reader types around a topic that are not one on their own.
EXTRA_STOP_WORDS = frozenset(
    [
        "het", "den", "des", "t", "s", "jij", "jou", "jouw", "wij", "we", "jullie", "zijn", "hen",
        "welke", "waar", "wanneer", "waarom", "wel", "niet", "nee", "ook", "graag", "alsjeblieft",
        "aub", "even", "nou", "dus", "pas", "al",
    ]
)

STOP_WORDS = SNOWBALL_DUTCH | EXTRA_STOP_WORDS

# Two-letter names in Dutch news that neither the aliases nor the gazetteer hold.
SHORT_NAMES = frozenset({"ek", "wk", "f1", "ai", "ov", "ic", "uk", "bn", "ep"})

_ROAD = re.compile(r"[an]\d{1,3}")
_URL = re.compile(r"(?i)\b(?:https?://|www\.)\S+|\b[\w-]+\.(?:nl|com|be|org|net|eu|xml|rss)\b")
_LIST_SEP = re.compile(r"\s*[,;]\s*")
_AND = re.compile(r"\s+en\s+", re.IGNORECASE)

MIN_LETTERS = 3

URL_REPLY = (
    "Ik volg onderwerpen, geen websites of feeds. Noem wat je wilt volgen, "
    "bijvoorbeeld: /volg Oekraïne of /volg staking"
)
STOP_REPLY = (
    "‘{term}’ staat in bijna elk bericht. "
    "Kies een naam of onderwerp, bijvoorbeeld: /volg Oekraïne of /volg staking"
)
SHORT_REPLY = (
    "‘{term}’ is te kort: gebruik minstens drie letters, of een bekende "
    "afkorting zoals VN, EU of NS. Bijvoorbeeld: /volg staking"
)
NUMBER_REPLY = (
    "Een getal alleen staat in te veel berichten: in prijzen, datums en uitslagen. "
    "Bijvoorbeeld: /volg A12 of /volg staking"
)


class TermRefused(TermError):
    """A term that is not worth following; the message is the Dutch reply."""


def is_url(text: str) -> bool:
    """Whether the text holds a web address or feed file (``https://…``, ``nos.nl``)."""
    return bool(_URL.search(text))


def short_name(term: str) -> bool:
    """A known abbreviation or road number under three characters (EK, A2)."""
    folded = "".join(words(term))
    return folded in SHORT_NAMES or bool(_ROAD.fullmatch(folded))


def check_keyword(term: str) -> None:
    """Raise TermRefused when `term` (to be followed as a keyword) is not worth it.

    Call it only for keywords: aliases and places have passed already (VN, VS).
    """
    if is_url(term):
        raise TermRefused(URL_REPLY)
    tokens = words(term)
    shown = " ".join(term.split())
    if tokens and all(token in STOP_WORDS for token in tokens):
        raise TermRefused(STOP_REPLY.format(term=shown))
    if tokens and all(token.isdigit() for token in tokens):
        raise TermRefused(NUMBER_REPLY)
    if len("".join(tokens)) < MIN_LETTERS and not short_name(term):
        raise TermRefused(SHORT_REPLY.format(term=shown))


def split_terms(text: str, is_name: Callable[[str], bool]) -> list[str]:
    """The terms of a list (``Oekraïne, Rusland``; ``staking en Rotterdam``), in order,
    without duplicates (by their folded words); one term when there is no list.

    ``is_name(part)`` says whether a part is one name as a whole (an alias, a country or
    place, a section): such a part is not split on `` en `` or spaces.
    """
    text = " ".join(text.split())
    if not text or is_url(text):
        return [text] if text else []
    parts: list[str] = []
    for chunk in _LIST_SEP.split(text):
        chunk = chunk.strip()
        if not chunk:
            continue
        if is_name(chunk):
            parts.append(chunk)
            continue
        for piece in _AND.split(chunk):
            piece = piece.strip()
            if not piece:
                continue
            spaced = piece.split()
            if len(spaced) > 1 and not is_name(piece) and all(is_name(w) for w in spaced):
                parts.extend(spaced)
            else:
                parts.append(piece)
    seen: set[str] = set()
    unique = []
    for part in parts:
        folded = " ".join(words(part)) or fold(part)
        if folded not in seen:
            seen.add(folded)
            unique.append(part)
    return unique
