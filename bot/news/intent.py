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
        "informatie", "update", "updates", "stand", "zaken",
    ]
)


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
    kept = [raw[i] for i in range(start, len(folded)) if folded[i] not in FILLER]
    if not kept:
        return Intent(Kind.QUESTION if question or start else Kind.OTHER)
    if len(kept) > MAX_TOPIC_WORDS:
        return Intent(Kind.OTHER)
    if not question and start == 0 and len(folded) <= MAX_TOPIC_WORDS:
        # A plain phrase: keep it as typed ("Tweede Kamer", "van Gogh" keep their words).
        core = [raw[i] for i in range(len(folded))]
        while core and words(core[0])[0] in FILLER:
            core.pop(0)
        while core and words(core[-1])[0] in FILLER:
            core.pop()
        return Intent(Kind.TOPIC, " ".join(core)) if core else Intent(Kind.OTHER)
    return Intent(Kind.TOPIC, " ".join(kept))
