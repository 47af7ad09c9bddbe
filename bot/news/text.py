"""Text normalisation shared by region tagging, keyword matching and search.

Everything that compares words goes through :func:`fold` and :func:`words`, so
``Oekraïne``, ``OEKRAÏNE`` and ``oekraine`` are the same word everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

# A word is a run of letters and digits; an apostrophe or hyphen inside a word
# ("'s-Hertogenbosch", "Mette-Marit") splits it, so that the parts can be matched
# as a phrase.  The leading apostrophe of "'s" is kept out: "s" is the token.
_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)

_stemmer = Stemmer.Stemmer("dutch")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case and strip diacritics: ``'Oekraïne'`` -> ``'oekraine'``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """The folded words of ``text`` in order."""
    # Split first and fold word by word: news repeats its words, so the per-word cache
    # of `fold` makes this several times faster than folding a whole new text.  NFC
    # first, so that a decomposed "i" + diaeresis stays inside its word.
    tokens = _WORD_RE.findall(unicodedata.normalize("NFC", text))
    return [fold(token) for token in tokens]


def raw_words(text: str) -> list[str]:
    """The words of ``text`` as written (not folded), the same split as :func:`words`."""
    return _WORD_RE.findall(unicodedata.normalize("NFC", text))


def stem_words(folded: list[str]) -> list[str]:
    """Snowball Dutch stems of already folded words."""
    return _stemmer.stemWords(folded)


def stem(word: str) -> str:
    """Snowball Dutch stem of one folded word (``stakingen`` -> ``staking``)."""
    return _stemmer.stemWord(word)


def stems(text: str) -> list[str]:
    """The stems of the words of ``text`` in order."""
    return _stemmer.stemWords(words(text))
