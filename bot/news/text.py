"""Text normalisation shared by region tagging, keyword matching and search.

Everything that compares words goes through :func:`fold` and :func:`words`, so
``Oekraïne``, ``OEKRAÏNE`` and ``oekraine`` are the same word everywhere.

Invisible format characters (Unicode category ``Cf``: soft hyphen, zero-width space and
joiners, word joiner, BOM, bidi marks) are removed by :func:`strip_format`, the one place
that does it.  It runs on everything that comes in (pages, admin posts, feed entries,
``/volg`` and ``/zoek`` terms, through :func:`words` every comparison) and on everything
that goes out (the renderer escapes through it), so ``Oekra\u00adïne`` is Oekraïne and
``/volg Oekra\u200bïne`` follows the country.  One exception keeps emoji intact: a
zero-width joiner between two symbols (not letters, digits or spaces), as in 🏳️‍🌈.
The common case is a text that holds none, so the check is one precompiled character
class, built once from this Python's Unicode tables at import (its cost and the check's:
docs/benchmarks.md).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import lru_cache

import Stemmer

# A word is a run of letters and digits; an apostrophe or hyphen inside a word
# ("'s-Hertogenbosch", "Mette-Marit") splits it, so that the parts can be matched
# as a phrase.  The leading apostrophe of "'s" is kept out: "s" is the token.
_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)

_stemmer = Stemmer.Stemmer("dutch")


def _format_class() -> str:
    """A regex character class of every ``Cf`` code point except U+200D, as ranges.

    Built from this Python's Unicode tables (a one-off scan at import), so it follows the
    Unicode version rather than a list copied by hand.
    """
    runs: list[list[int]] = []
    for code in range(sys.maxunicode + 1):
        if code != 0x200D and unicodedata.category(chr(code)) == "Cf":
            if runs and runs[-1][1] == code - 1:
                runs[-1][1] = code
            else:
                runs.append([code, code])
    return "".join(
        re.escape(chr(a)) + (f"-{re.escape(chr(b))}" if b != a else "") for a, b in runs
    )


_FORMAT = re.compile(f"[{_format_class()}]")
# A zero-width joiner survives only between two symbols (an emoji sequence).
_LONE_JOINER = re.compile(r"(?<![^\w\s])\u200d|\u200d(?![^\w\s])")


def strip_format(text: str) -> str:
    """``text`` without invisible format (``Cf``) characters.

    ``'Oekra\u00adïne'`` -> ``'Oekraïne'``.
    """
    text = _FORMAT.sub("", text)
    # The joiner check is a second pass, only when there is one: one character class
    # alone is what keeps the common case fast.
    return _LONE_JOINER.sub("", text) if "\u200d" in text else text


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case and strip diacritics: ``'Oekraïne'`` -> ``'oekraine'``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_ASCII_NUMBER = re.compile(r"[0-9]{1,19}")
MAX_ID = 2**63 - 1  # the largest SQLite INTEGER


def parse_number(text: str, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """``text`` as a whole number from ``low`` to ``high`` in ASCII digits, else None.

    ``str.isdigit`` is not the test: it accepts ``²`` and other digits that ``int``
    refuses, and ``int`` accepts ``-5``, ``+5`` and ``1_000``; none of those is what a
    reader or operator means by a count or an item number.
    """
    text = text.strip()
    if not _ASCII_NUMBER.fullmatch(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def looks_numeric(text: str) -> bool:
    """Digits of any kind and signs only (``5``, ``²``, ``--5``): meant as a number."""
    return bool(text) and all(ch.isnumeric() or ch in "+-#_.," for ch in text)


def words(text: str) -> list[str]:
    """The folded words of ``text`` in order."""
    # Split first and fold word by word: news repeats its words, so the per-word cache
    # of `fold` makes this several times faster than folding a whole new text.  NFC
    # first, so that a decomposed "i" + diaeresis stays inside its word.
    tokens = _WORD_RE.findall(unicodedata.normalize("NFC", strip_format(text)))
    return [folded for token in tokens if (folded := fold(token))]


def raw_words(text: str) -> list[str]:
    """The words of ``text`` as written (not folded), the same split as :func:`words`.

    A token that folds to nothing (U+FF9E and U+FF9F, halfwidth sound marks, become
    combining marks, which folding drops) is no word: a follow of it would never match.
    """
    tokens = _WORD_RE.findall(unicodedata.normalize("NFC", strip_format(text)))
    return [token for token in tokens if fold(token)]


def stem(word: str) -> str:
    """Snowball Dutch stem of one folded word (``stakingen`` -> ``staking``)."""
    return _stemmer.stemWord(word)


def stems(text: str) -> list[str]:
    """The stems of the words of ``text`` in order."""
    return _stemmer.stemWords(words(text))
