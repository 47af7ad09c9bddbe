"""Sections (rubrieken): Binnenland, Buitenland, Sport, ... as something a reader follows.

An item's section comes from where it was published: the page's ``Meer uit Buitenland``
line, a feed entry's first category or the section configured for the feed
(``NEWSBOT_FEEDS=Sport=https://...``), or the admin's ``/plaats [Sport] ...``.
A section follow has the key ``s:<folded words>`` (``s:buitenland``); an item yields the
key of its section (:func:`section_key`), so matching is the same index lookup as for
everything else.

Which terms are sections: the newsroom's own (every section a live item has) and the
usual Dutch news sections in :data:`KNOWN` (so ``/volg sport`` is the section even before
the first sport item arrives).  The known list is the rubrieken Dutch news sites share
(NOS, NU.nl, RTL Nieuws, de Volkskrant): the ones whose name is also what a reader
types when they want that whole beat.  ``Klimaat``, ``Oorlog`` and the like are left
out on purpose: readers who type those mean the *topic* in any section, and the keyword
does that better.  A term that is both a section and a word (``sport``) follows the
section, and the reply offers the word (:mod:`handlers.readers`).
"""

from __future__ import annotations

import re

from bot.news.text import words

PREFIX = "s:"

# The editors' breaking news (/breaking): every breaking item is in this section as well
# as its own, so following it is a section follow like any other, and /start offers it.
BREAKING = "Belangrijk nieuws"

KNOWN = (
    BREAKING,
    "Binnenland",
    "Buitenland",
    "Politiek",
    "Economie",
    "Sport",
    "Cultuur",
    "Media",
    "Tech",
    "Wetenschap",
    "Gezondheid",
    "Opmerkelijk",
    "Koningshuis",
    "Regionaal",
)

# "[Sport] ROTTERDAM - ..." at the start of a /plaats or /opening text.
_TAG = re.compile(r"^\s*\[([^\[\]\n]{1,40})\]\s*")


def section_key(name: str) -> str | None:
    """The follow key of a section name, None for a name without words."""
    folded = words(name)
    return PREFIX + " ".join(folded) if folded else None


BREAKING_KEY = PREFIX + " ".join(words(BREAKING))  # what a breaking item yields


class Sections:
    """The sections a reader can follow: the newsroom's (as stored) and :data:`KNOWN`."""

    def __init__(self, newsroom: list[str] | tuple[str, ...] = ()) -> None:
        self.by_key: dict[str, str] = {}
        for name in KNOWN:
            key = section_key(name)
            assert key is not None
            self.by_key[key] = name
        self.newsroom: list[str] = []
        for name in newsroom:
            key = section_key(name)
            if key is None:
                continue
            label = self.by_key.setdefault(key, " ".join(name.split()))
            if label not in self.newsroom:
                self.newsroom.append(label)

    def lookup(self, term: str) -> str | None:
        """The section's name when `term` names one (any case or accents), else None."""
        key = section_key(term)
        return self.by_key.get(key) if key else None


def split_tag(text: str) -> tuple[str | None, str]:
    """``[Sport] ROTTERDAM - ...`` -> (``Sport``, ``ROTTERDAM - ...``); no tag: (None, text)."""
    found = _TAG.match(text)
    if not found or not words(found[1]):
        return None, text
    return " ".join(found[1].split()), text[found.end():]


_FEED_SECTION = re.compile(r"^([^=:/]{1,40})=(\S+)$")


def feed_section(entry: str) -> tuple[str | None, str]:
    """One ``NEWSBOT_FEEDS`` entry: ``Sport=https://...`` -> (``Sport``, the URL); a plain
    URL -> (None, the URL).  A URL starts with its scheme, so its own ``=`` (in a query
    string) never reads as a section: the name part may hold no ``:`` or ``/``."""
    found = _FEED_SECTION.match(entry.strip())
    if found and words(found[1]):
        return " ".join(found[1].split()), found[2]
    return None, entry.strip()
