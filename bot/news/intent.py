"""What a reader means by a plain message (no command) in a private chat.

Many readers open the bot and type ``hallo``, ``Oekraïne`` or ``wat is het laatste
nieuws?``.  A private chat never gets silence: every plain message is one of

- ``GREETING``  hallo, hoi, goedemorgen, bedankt, ok: a short friendly pointer;
- ``TOPIC``     a word or short phrase that names something (``Oekraïne``,
  ``nieuws over de staking``): the handler answers as ``/laatste <term>`` would, with
  buttons to follow it and see more.  The filler around it (``wat is er over``,
  ``nieuws over``, ``het laatste van``) is taken off first;
- ``QUESTION``  a question with nothing left once the filler is gone (``wat is het
  laatste nieuws?``, ``wat kun je?``): the pointer, with /laatste first;
- ``URL``       a web address: the same reply as ``/volg <url>``;
- ``OTHER``     too long to be a topic, or nothing readable (emoji, punctuation):
  the pointer.

Whether a TOPIC really names something (or is gibberish like ``asdfgh``) needs the
lexicon, the gazetteer and the archive; the handler decides with :attr:`Intent.term`
and answers gibberish with the pointer too.  Pure: no store, no Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from bot.news.terms import STOP_WORDS, is_url
from bot.news.text import raw_words, words

MAX_TOPIC_WORDS = 6
MAX_MESSAGE_WORDS = 12


class Kind(Enum):
    GREETING = "greeting"
    QUESTION = "question"
    TOPIC = "topic"
    URL = "url"
    OTHER = "other"


@dataclass(frozen=True)
class Intent:
    kind: Kind
    term: str = ""  # for TOPIC: the words as the reader wrote them, filler taken off


GREETINGS = frozenset(
    [
        "hallo", "hoi", "hey", "hi", "hee", "hai", "hello", "hallootjes", "yo", "dag", "dag",
        "goedemorgen", "goedemiddag", "goedenavond", "goedenacht", "morgen", "middag", "avond",
        "welkom", "doei", "dag", "tot", "ziens", "bedankt", "dank", "dankje", "dankjewel",
        "bedankt", "thanks", "thx", "merci", "top", "mooi", "fijn", "super", "prima", "ok", "oke",
        "okay", "oké", "ja", "nee", "jawel", "help", "start", "begin", "test",
    ]
)

# Words that ask or fill around a topic; taken off before what is left is the topic.
FILLER = STOP_WORDS | frozenset(
    [
        "wat", "waar", "wanneer", "waarom", "hoe", "wie", "welke", "welk", "weet", "kun", "kunt",
        "kan", "kun", "je", "jij", "jullie", "mag", "zeg", "vertel", "laat", "geef", "toon",
        "stuur", "zoek", "zoeken", "vind", "vinden", "volg", "volgen", "lees", "lezen", "nieuws",
        "nieuwtjes", "berichten", "bericht", "laatste", "nieuwste", "actuele", "actueel", "recente",
        "vandaag", "gisteren", "nu", "nog", "even", "graag", "alsjeblieft", "aub", "please", "er",
        "is", "was", "gebeurd", "gebeurt", "over", "rond", "rondom", "omtrent", "meer", "info",
        "informatie", "update", "updates", "stand", "zaken", "nieuw", "nieuwe", "nieuwsberichten",
        "artikel", "artikelen", "koppen", "ik", "wil", "wilde", "willen", "weten", "horen", "hoor",
        "zien", "iets", "alles", "gaande", "speelt", "gebeuren", "ontwikkelingen", "iemand",
    ]
)
# Particles of Dutch surnames, kept before a capitalised word at a message's start.
PARTICLES = frozenset(["van", "de", "den", "der", "ter", "ten", "te", "von"])
# Fillers of more than one word, in folded words: "wat is er aan de hand in Oekraïne".
FILLER_PHRASES = (("aan", "de", "hand"), ("op", "de", "hoogte"), ("te", "doen"))


def _in_names(raw: list[str]) -> set[int]:
    """Positions of words in a name of several capitalised words (``Den Haag``, ``Nieuwe
    Pekela``, ``Nieuw-Zeeland``): never filler, though ``den`` and ``nieuw`` are."""
    capital = [bool(word) and word[0].isupper() for word in raw]
    names: set[int] = set()
    for i in range(len(raw) - 1):
        if capital[i] and capital[i + 1]:
            names.update((i, i + 1))
    return names


def _phrase_filler(folded: list[str]) -> set[int]:
    """Positions of the words that make up a filler phrase."""
    covered: set[int] = set()
    for phrase in FILLER_PHRASES:
        size = len(phrase)
        for i in range(len(folded) - size + 1):
            if tuple(folded[i : i + size]) == phrase:
                covered.update(range(i, i + size))
    return covered


def intent(text: str) -> Intent:
    """What a plain message means (see the module docstring)."""
    text = " ".join(text.split())
    if is_url(text):
        return Intent(Kind.URL)
    folded = words(text)
    if not folded:
        return Intent(Kind.OTHER)
    if all(word in GREETINGS for word in folded):
        return Intent(Kind.GREETING)
    if len(folded) > MAX_MESSAGE_WORDS:  # a story or a complaint, not a topic
        return Intent(Kind.OTHER)
    question = text.endswith("?") or folded[0] in {
        "wat", "waar", "wanneer", "waarom", "hoe", "wie", "welke", "welk", "is", "zijn",
        "heb", "hebben", "kun", "kunt", "kan", "weet", "mag",
    }
    raw = raw_words(text)
    # Greetings in front ("hoi, wat is er met Oekraïne?") are filler too.
    start = 0
    while start < len(folded) and folded[start] in GREETINGS:
        start += 1
    names = _in_names(raw)
    filler = _phrase_filler(folded) - names
    kept = [
        raw[i]
        for i in range(start, len(folded))
        if i in names or (folded[i] not in FILLER and i not in filler)
    ]
    if not kept:
        return Intent(Kind.QUESTION if question or start else Kind.OTHER)
    if len(kept) > MAX_TOPIC_WORDS:
        return Intent(Kind.OTHER)
    if not question and start == 0 and len(folded) <= MAX_TOPIC_WORDS:
        # A plain phrase: keep it as typed ("Tweede Kamer", "van Gogh" keep their words).
        if len(raw) > 1 and folded[0] in PARTICLES and raw[1][:1].isupper():
            names.add(0)  # a surname typed alone: "van Gogh", "de Jong"
        first, last = 0, len(folded)
        while first < last and first not in names and folded[first] in FILLER:
            first += 1
        while last > first and last - 1 not in names and folded[last - 1] in FILLER:
            last -= 1
        core = raw[first:last]
        return Intent(Kind.TOPIC, " ".join(core)) if core else Intent(Kind.OTHER)
    return Intent(Kind.TOPIC, " ".join(kept))
