"""What one term a reader asks to follow becomes: a section, an alias, a place, a keyword.

The one decision behind `/volg`, follow links, follow buttons and free text
(:func:`choose`), so they cannot disagree:

1. a web address is refused (:data:`bot.news.terms.URL_REPLY`);
2. a section's name (:mod:`bot.news.sections`) follows the section; when the same term
   is also a word one could follow (``sport``), that word is offered as the other
   choice (:attr:`Choice.other`), and ``as_word`` picks it (the offer's button);
3. otherwise :func:`bot.news.match.resolve` (aliases, places, keywords) decides, and a
   keyword must pass :func:`bot.news.terms.check_keyword` (no stop words, no terms
   under three letters except known abbreviations, no bare numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.news.lexicon import default_aliases
from bot.news.match import TermError, Topic, resolve
from bot.news.regions import Gazetteer
from bot.news.sections import Sections, section_key
from bot.news.terms import URL_REPLY, TermRefused, check_keyword, is_url
from bot.news.text import strip_format, words


@dataclass(frozen=True)
class Choice:
    """The topic a term follows, and the other reading of it a reader may want."""

    topic: Topic
    other: Topic | None = None


def choose(
    term: str, gazetteer: Gazetteer, sections: Sections, *, as_word: bool = False
) -> Choice:
    """What `term` follows; raises TermError (or TermRefused) with the Dutch reply."""
    term = " ".join(strip_format(term).split())
    if is_url(term):
        raise TermRefused(URL_REPLY)
    name = sections.lookup(term)
    if name is not None:
        note = f"Elk bericht uit de rubriek {name} telt mee."
        section = Topic(key=section_key(name) or "", name=name, note=note)
        word = _keyword(term, gazetteer)
        if as_word and word is not None:
            return Choice(word, section)
        return Choice(section, word)
    return Choice(searched(term, gazetteer))  # an alias (OM, VN) is a name, however short


def searched(term: str, gazetteer: Gazetteer) -> Topic:
    """What `/zoek`, `/laatste <term>` and inline mode look for: what a follow of the same
    words would alert on, so a term `/volg` refuses (``de``, ``2024``) is refused there too
    rather than listing nearly every item.  Raises TermError (or TermRefused)."""
    topic = resolve(term, gazetteer)
    if topic.key.startswith("k:") and default_aliases().lookup(term) is None:
        check_keyword(term)
    return topic


def called(term: str, topic: Topic) -> str:
    """What an answer calls the topic a reader asked about: the name it resolved to, with
    what they typed in front where the two differ (``Kiev (Kyiv)``, ``NATO (NAVO)``), so
    the reader sees both that the bot read their word and which place or body it took it
    for.  Where the name holds every word typed (``oekraine``, ``Poetin`` for Vladimir
    Poetin) it is the name alone."""
    typed = " ".join(strip_format(term).split())
    if not typed or set(words(typed)) <= set(words(topic.name)):
        return topic.name
    return f"{typed} ({topic.name})"


def _keyword(term: str, gazetteer: Gazetteer) -> Topic | None:
    """The keyword reading of a section's name, if it is a followable word."""
    try:
        topic = resolve(term, gazetteer)
        if not topic.key.startswith("k:") or default_aliases().lookup(term) is not None:
            return None
        check_keyword(term)
    except TermError:
        return None
    return topic


def is_name(term: str, gazetteer: Gazetteer, sections: Sections) -> bool:
    """Whether `term` as a whole is one name (an alias, a place, a section): such a term
    is never split into a list (``Bosnië en Herzegovina``)."""
    if sections.lookup(term) is not None:
        return True
    if default_aliases().lookup(term) is not None:
        return True
    try:
        topic = resolve(term, gazetteer)
    except TermError:
        return False
    return not topic.key.startswith("k:")
