"""Quiet hours: a reader's nightly window in which alerts arrive without a sound."""

from __future__ import annotations

import re

_RANGE = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*[-–—]\s*(\d{1,2})(?:[:.](\d{2}))?$")

USAGE = (
    "Stille uren: meldingen komen dan zonder geluid.\n"
    "Voorbeelden: /stil 23-7 of /stil 23:00-07:00. Uitzetten: /stil uit"
)


class QuietError(ValueError):
    """The reader's input is not a quiet-hours range; the message is the Dutch reply."""


def parse_quiet(text: str) -> tuple[int, int] | None:
    """`23-7` or `23:00-07:00` -> (start, end) in minutes after midnight; `uit` -> None."""
    text = text.strip().lower()
    if text in ("uit", "off", "geen"):
        return None
    match = _RANGE.match(text)
    if not match:
        raise QuietError(USAGE)
    h1, m1, h2, m2 = (int(g) if g else 0 for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        # The same phrasing as /overzicht's: the reader's own input, quoted.
        raise QuietError(f"‘{text}’ is geen geldige tijd.\n" + USAGE)
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start == end:
        raise QuietError("Begin en eind zijn gelijk. " + USAGE)
    return start, end


def in_quiet_hours(start: int | None, end: int | None, minute_of_day: int) -> bool:
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= minute_of_day < end
    return minute_of_day >= start or minute_of_day < end  # spans midnight


def describe(start: int | None, end: int | None) -> str:
    if start is None or end is None:
        return "Stille uren staan uit."
    return f"Tussen {start // 60:02d}:{start % 60:02d} en {end // 60:02d}:{end % 60:02d} " \
        "komen meldingen zonder geluid."
