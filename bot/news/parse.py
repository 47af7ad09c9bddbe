"""Reading news text into `Item`s: wire briefs, admin posts and copied news pages.

Three inputs, one output:

* :func:`parse_brief` reads one wire brief (an admin's ``/plaats`` text);
* :func:`parse_article` reads a titled article (an admin's ``/opening`` text);
* :func:`parse_page` reads a news page copied as plain text (see the seed README):
  the lead story, a ``Meer uit <Rubriek>`` line, then briefs, each followed by its age.

Everything here is pure: text and a clock reading in, items out.  Problems are raised as
:class:`ParseError` with a short Dutch message, because admins read them.

Decisions on the shape of the input:

* A wire header is ``DATELINE (AG/AG) - text``, ``(AG) - text`` or ``DATELINE - text``.
  Agencies are upper-case letters and digits (``ANP``, ``RTR``, ``DPA``); a mixed-case
  agency such as ``(ANP/Reuters)`` is not a header.  The dateline is one to four words in
  capitals (``DEN HAAG``, ``'S-HERTOGENBOSCH``, ``ST. PETERSBURG``, ``SÃO PAULO``,
  ``G20 TOP``: digits may stand in a word that has a letter).  The dash may be any dash
  (hyphen, en/em dash, minus sign U+2212, ...).  In the
  form without agencies the text after the dash must not start with a lower-case letter,
  so ``NAVO - of niet`` stays an ordinary sentence (``NAVO - Het ...`` does not: it reads
  as a dateline).  A paragraph without a header is a valid brief with an empty dateline.
* The briefs list starts at the first short line ``Meer uit <Rubriek>`` (no closing
  punctuation, so a sentence starting "Meer uit" is not it).
* On a page every brief needs its trailing age; a brief without one is refused (also the
  last one, when the final age line is missing) rather than stored without a time.
  Ages are subtracted in UTC (a DST change neither adds nor loses an hour).  ``gisteren``
  is an age: the same clock time on the previous day (see :func:`_published`).
* ``Net``, ``Zojuist`` and ``Gisteren`` are also ordinary sentence starters: where no brief
  waits for its age (the first brief, or the one after an age line), such a line is a
  brief ("Net 2 procent van ..."), and an age is never followed by ``:``/``,``/... .
* In the briefs list, text after an age is a brief even without a wire header, as long as it
  reads like prose (three or more words, ending in closing punctuation); anything else
  (``Toon meer berichten``, ``***``) is refused.
* A subheading is a line of at most 60 characters without closing punctuation that is not
  the first paragraph.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.news.items import Item
from bot.news.text import strip_format

# Characters that end a sentence (or a quotation, or a parenthesis); a line ending in
# none of them is not prose.
_CLOSING = ".!?:;\"”’)…'»"
_HEADING_MAX = 60
_DATELINE_MAX = 40
_DATELINE_MAX_WORDS = 4
_DATELINE_PUNCTUATION = "'’-."

# Every dash a newsroom's keyboard or a copied page may hold: hyphen-minus, hyphen,
# non-breaking hyphen, figure dash, en and em dash, horizontal bar, minus sign (U+2212),
# and the small and full-width forms.
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_AGENCY_FORM = re.compile(
    rf"^(?P<dateline>[^()]*?)\s*\((?P<agencies>[^()]+)\)\s*[{_DASHES}]\s*(?P<text>.*)$"
)
_DATELINE_FORM = re.compile(rf"^(?P<dateline>.+?)\s[{_DASHES}](?:\s+(?P<text>.*))?$")
_AGENCY = re.compile(r"^[A-Z][A-Z0-9]*$")
# A page may name the lead story's photo on a line of its own: "Foto: https://...".
_PHOTO_LINE = re.compile(r"^foto:\s*(https?://\S+)$", re.IGNORECASE)

_UNIT = r"(?P<unit>seconden|seconde|sec|minuten|minuut|min|uren|uur|dagen|dag|weken|week)"
_COUNT = r"(?P<count>\d+|een|één)"
# On a page the word "geleden" is required, and "zojuist"/"net"/"gisteren" must be lower
# case (or capitalised) so that a dateline like NETANYA is not read as "net" + ANYA.
_AGE_PREFIX = re.compile(
    rf"(?i:{_COUNT}\s*{_UNIT}\s*geleden)|(?P<now>[Zz]ojuist|[Nn]et)|(?P<yesterday>[Gg]isteren)"
)
_AGE_FULL = re.compile(
    rf"{_COUNT}\s*{_UNIT}(?:\s*geleden)?|(?P<now>zojuist|net)|(?P<yesterday>gisteren)",
    re.IGNORECASE,
)
# After an age on a page comes the next brief, never sentence punctuation: in
# 'Zojuist: "..."' the word starts a sentence.
_NOT_AFTER_AGE = ":;,.!?…"
_UNIT_SECONDS = {
    "sec": 1,
    "seconde": 1,
    "seconden": 1,
    "min": 60,
    "minuut": 60,
    "minuten": 60,
    "uur": 3600,
    "uren": 3600,
    "dag": 86400,
    "dagen": 86400,
    "week": 604800,
    "weken": 604800,
}

_SECTION_LINE = re.compile(r"^meer uit\s+(?P<section>\S.*)$", re.IGNORECASE)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class ParseError(ValueError):
    """Input that does not have the expected shape; ``str()`` is a short Dutch message."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(f"regel {line}: {message}" if line is not None else message)


@dataclass(frozen=True)
class Wire:
    """A paragraph split into its wire header (dateline, agencies) and its text."""

    dateline: str
    agencies: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Page:
    """A news page: its lead story and its briefs (newest first)."""

    article: Item
    briefs: tuple[Item, ...]
    section: str | None


def _clean(text: str) -> str:
    """NFC, no invisible characters, whitespace (also non-breaking) collapsed to one space."""
    text = unicodedata.normalize("NFC", strip_format(text))
    return " ".join(text.split())


def _lines(text: str) -> list[tuple[int, str]]:
    """The non-empty cleaned lines of ``text`` with their 1-based line numbers."""
    numbered = (
        (number, _clean(line)) for number, line in enumerate(_LINE_BREAK.split(text), start=1)
    )
    return [(number, line) for number, line in numbered if line]


def _check_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")


def _is_dateline(candidate: str) -> bool:
    """One to four words in capitals, only letters, digits and ' ’ - . inside them.

    Every word needs a letter (``G20 TOP`` is a dateline, ``NEW YORK 2`` is not).
    """
    words = candidate.split(" ")
    if not candidate or len(candidate) > _DATELINE_MAX or len(words) > _DATELINE_MAX_WORDS:
        return False
    letters = 0
    for word in words:
        if not any(char.isalpha() for char in word):
            return False
        for char in word:
            if char.isalpha():
                if not char.isupper():
                    return False
                letters += 1
            elif not char.isdigit() and char not in _DATELINE_PUNCTUATION:
                return False
    return letters >= 2


def _agencies(candidate: str) -> tuple[str, ...] | None:
    agencies = tuple(part.strip() for part in candidate.split("/"))
    if all(_AGENCY.match(agency) for agency in agencies):
        return agencies
    return None


def parse_wire(paragraph: str) -> Wire:
    """Split ``MOSKOU (ANP/RTR/AFP) - Rusland is ...`` into dateline, agencies and text.

    Whitespace is collapsed.  A paragraph without a recognisable header comes back whole,
    with an empty dateline and no agencies.  A header without text gives an empty text.
    """
    paragraph = _clean(paragraph)
    match = _AGENCY_FORM.match(paragraph)
    if match:
        dateline = match["dateline"]
        agencies = _agencies(match["agencies"])
        if agencies is not None and (not dateline or _is_dateline(dateline)):
            return Wire(dateline, agencies, match["text"])
    match = _DATELINE_FORM.match(paragraph)
    if match and _is_dateline(match["dateline"]):
        text = match["text"] or ""
        if not text[:1].islower():
            return Wire(match["dateline"], (), text)
    return Wire("", (), paragraph)


def parse_age(s: str) -> timedelta | None:
    """``'16 minuten geleden'`` -> 16 minutes; ``None`` if ``s`` is not an age.

    Accepts seconds, minutes (``min``), hours, days and weeks, with or without
    ``geleden``, a number or ``een``/``één``, ``zojuist``/``net`` for zero and
    ``gisteren`` for one day (on a page: see :func:`_published`).
    """
    match = _AGE_FULL.fullmatch(_clean(s))
    return _age(match) if match else None


def _age(match: re.Match[str]) -> timedelta:
    if match["now"]:
        return timedelta(0)
    if match["yesterday"]:
        return timedelta(days=1)
    count = match["count"].lower()
    number = 1 if count in ("een", "één") else int(count)
    return timedelta(seconds=number * _UNIT_SECONDS[match["unit"].lower()])


def _published(match: re.Match[str], now: datetime) -> datetime:
    """When a brief with this age was published, in ``now``'s time zone.

    Counted on the absolute timeline (in UTC), so "2 uur geleden" is two real hours
    before ``now`` also across a DST change, and no time falls in the spring gap.
    ``gisteren`` (the page gives no hour) is the same clock time on the previous day in
    ``now``'s zone: 24 hours back on most days, 23 or 25 across a DST change, and always
    on yesterday's date, which is what the reader is told ("gisteren 14:05").
    """
    if match["yesterday"]:
        day = datetime.combine(now.date() - timedelta(days=1), now.timetz())
        return day.astimezone(UTC).astimezone(now.tzinfo)
    return (now.astimezone(UTC) - _age(match)).astimezone(now.tzinfo)


def _split_age(line: str) -> tuple[re.Match[str], str] | None:
    """``'16 minuten geledenKYIV ...'`` -> (the age's match, rest); None if no age starts it.

    What follows the age must be empty or start with something other than a lower-case
    letter or sentence punctuation, so that ``2 dagen geleden werd ...``,
    ``Netanyahu ...`` or ``Zojuist: "..."`` stays a sentence.
    """
    match = _AGE_PREFIX.match(line)
    if not match:
        return None
    rest = line[match.end() :].strip()
    if rest[:1].islower() or (rest[:1] in _NOT_AFTER_AGE and rest):
        return None
    return match, rest


def _is_word_age(match: re.Match[str]) -> bool:
    return bool(match["now"] or match["yesterday"])


def _is_heading(paragraph: str) -> bool:
    return len(paragraph) <= _HEADING_MAX and not paragraph.endswith(tuple(_CLOSING))


def _header(wire: Wire) -> str:
    agencies = f"({'/'.join(wire.agencies)})" if wire.agencies else ""
    return " ".join(part for part in (wire.dateline, agencies, "-") if part)


def _check_title(title: str, line: int) -> None:
    """A title never carries agencies; if it does, the title line is missing."""
    wire = parse_wire(title)
    if wire.agencies:
        raise ParseError(
            f"de eerste regel moet de titel zijn, maar begint met '{_header(wire)}'", line
        )


def _body(lines: list[tuple[int, str]]) -> tuple[Wire, tuple[str, ...], tuple[int, ...]]:
    """The article body: the first paragraph's wire header, the paragraphs, the headings."""
    first_line, first = lines[0]
    wire = parse_wire(first)
    if not wire.text:
        raise ParseError(f"geen tekst na '{_header(wire)}'", first_line)
    paragraphs = (wire.text, *(text for _, text in lines[1:]))
    headings = tuple(i for i in range(1, len(paragraphs)) if _is_heading(paragraphs[i]))
    return wire, paragraphs, headings


def parse_brief(text: str, *, now: datetime, source: str = "", section: str | None = None) -> Item:
    """One wire brief, published now: ``PARIJS (ANP/AFP) - De staking ...``."""
    _check_aware(now)
    if not _clean(text):
        raise ParseError("leeg bericht")
    wire = parse_wire(text)
    if not wire.text:
        raise ParseError(f"geen tekst na '{_header(wire)}'")
    return Item(
        kind="brief",
        paragraphs=(wire.text,),
        dateline=wire.dateline,
        agencies=wire.agencies,
        section=section,
        published_at=now,
        source=source,
    )


def parse_article(
    text: str,
    *,
    now: datetime,
    source: str = "",
    section: str | None = None,
    lead: bool = True,
) -> Item:
    """An article published now: a title line, then paragraphs and subheadings."""
    _check_aware(now)
    lines = _lines(text)
    if not lines:
        raise ParseError("leeg bericht")
    title_line, title = lines[0]
    _check_title(title, title_line)
    if len(lines) == 1:
        raise ParseError("alleen een titel, geen artikeltekst eronder", title_line)
    return _article(title, lines[1:], section=section, published_at=now, lead=lead,
                    source=source)


def _article(
    title: str,
    lines: list[tuple[int, str]],
    *,
    section: str | None,
    published_at: datetime | None,
    lead: bool,
    source: str,
) -> Item:
    """An article from its title and body lines (the first may carry a wire header)."""
    wire, paragraphs, headings = _body(lines)
    return Item(
        kind="article",
        paragraphs=paragraphs,
        title=title,
        headings=headings,
        dateline=wire.dateline,
        agencies=wire.agencies,
        section=section,
        published_at=published_at,
        lead=lead,
        source=source,
    )


def _section_of(line: str) -> str | None:
    """``'Meer uit Tech & Media'`` -> ``'Tech & Media'``; None for any other line."""
    match = _SECTION_LINE.match(line)
    if match and _is_heading(line):
        return match["section"]
    return None


def _is_prose(text: str) -> bool:
    return len(text.split()) >= 3 and text.endswith(tuple(_CLOSING))


def _briefs(
    lines: list[tuple[int, str]], now: datetime, source: str, section: str | None
) -> tuple[Item, ...]:
    """Read ``brief, age, brief, age, ...`` where an age may be glued to the next brief."""
    briefs: list[Item] = []
    pending: tuple[int, Wire] | None = None
    for number, line in lines:
        if _section_of(line) is not None:
            raise ParseError(f"tweede regel '{line}' op de pagina", number)
        split = _split_age(line)
        if split is not None and pending is None and split[1] and _is_word_age(split[0]):
            # No brief waits for an age, and "Net", "Zojuist" or "Gisteren" is followed by
            # text: that is a brief starting with the word ("Net 2 procent ...").
            split = None
        if split is not None:
            match, rest = split
            age_text = match.group(0)
            if pending is None:
                raise ParseError(f"geen bericht vóór de leeftijd '{age_text}'", number)
            briefs.append(
                Item(
                    kind="brief",
                    paragraphs=(pending[1].text,),
                    dateline=pending[1].dateline,
                    agencies=pending[1].agencies,
                    section=section,
                    published_at=_published(match, now),
                    source=source,
                )
            )
            pending = None
        else:
            rest = line
        if not rest:
            continue
        if pending is not None:
            raise ParseError(
                f"leeftijd ontbreekt voor het bericht van regel {pending[0]} "
                "(verwacht bijvoorbeeld '5 minuten geleden')",
                number,
            )
        wire = parse_wire(rest)
        if wire.dateline or wire.agencies:
            if not wire.text:
                raise ParseError(f"geen tekst na '{_header(wire)}'", number)
        elif not _is_prose(wire.text):
            raise ParseError(f"geen bericht of leeftijd te lezen in '{rest[:40]}'", number)
        pending = (number, wire)
    if pending is not None:
        raise ParseError(
            "leeftijd ontbreekt voor het laatste bericht "
            "(verwacht een slotregel zoals '1 uur geleden')",
            pending[0],
        )
    return tuple(briefs)


def parse_page(text: str, *, now: datetime, source: str = "", section: str | None = None) -> Page:
    """A copied news page: lead story, ``Meer uit <Rubriek>``, briefs each followed by its age.

    A line ``Foto: https://...`` in the lead story names its photo (the line is no text).

    The page's section goes on every item; ``section`` overrides it when given.  The lead
    story's publication time is not on the page, so its ``published_at`` is None.
    """
    _check_aware(now)
    lines = _lines(text)
    if not lines:
        raise ParseError("lege pagina")
    marker_at = next((i for i, (_, line) in enumerate(lines) if _section_of(line)), None)
    if marker_at is None:
        raise ParseError("geen regel 'Meer uit <rubriek>' gevonden op de pagina", lines[-1][0])
    marker_line, marker = lines[marker_at]
    if marker_at == 0:
        raise ParseError(f"geen titel vóór '{marker}'", marker_line)
    if marker_at == 1:
        raise ParseError(f"geen artikeltekst tussen de titel en '{marker}'", marker_line)
    page_section = _section_of(marker)
    if section is None:
        section = page_section

    title_line, title = lines[0]
    _check_title(title, title_line)
    body = lines[1:marker_at]
    photo = next((m[1] for _, line in body if (m := _PHOTO_LINE.match(line))), None)
    body = [(n, line) for n, line in body if not _PHOTO_LINE.match(line)]
    if not body:
        raise ParseError(f"geen artikeltekst tussen de titel en '{marker}'", marker_line)
    # The page does not say when its lead story was published.
    article = _article(title, body, section=section, published_at=None,
                       lead=True, source=source).with_(photo=photo)
    rest = lines[marker_at + 1 :]
    if not rest:
        raise ParseError(f"geen berichten na '{marker}'", marker_line)
    briefs = _briefs(rest, now, source, section)
    return Page(article=article, briefs=briefs, section=section)
