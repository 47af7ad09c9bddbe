"""Why an alert came: the chat's follows it matched, most specific first.

An alert names every follow of the chat it matched (``Je volgt: staking, Rotterdam``),
with an unfollow button for each, at most :data:`MAX_BUTTONS`.  "Most specific" is what
tells the reader most about why this item reached them:

1. a keyword phrase, the more words the better (``Tweede Kamer``): the item says it;
2. a single keyword (``staking``);
3. a place (``Rotterdam``), then a region inside a country (``Noord-Brabant``);
4. a country (``Oekraïne``);
5. a section (``Buitenland``): only where it was published;
6. a follow of a stop word made before the guard rails existed (``de``) comes last: it
   says nothing.

Ties keep the order the follows were made in.  Pure: keys and labels in, order out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from bot.news.terms import STOP_WORDS
from bot.news.text import words

MAX_BUTTONS = 4

T = TypeVar("T")

_RANK = {"k": 1, "p": 3, "g": 4, "r": 5, "s": 6}


def specificity(key: str, label: str) -> tuple[int, int]:
    """A sort key: lower is more specific (see the module docstring)."""
    kind = key.split(":", 1)[0]
    if kind == "k":
        folded = words(label)
        if folded and all(word in STOP_WORDS for word in folded):
            return (9, 0)
        return (0 if len(folded) > 1 else 1, -len(folded))
    return (_RANK.get(kind, 8), 0)


def most_specific_first(reasons: Sequence[T], key_label: Callable[[T], tuple[str, str]]) -> list[T]:
    """`reasons` sorted most specific first; `key_label(r)` gives a reason's (key, label)."""
    return sorted(reasons, key=lambda r: specificity(*key_label(r)))
