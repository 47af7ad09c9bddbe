"""Overview times (`/overzicht`): parsing the reader's rhythm and finding the next moment.

A rhythm is either fixed local times (`8:00`, `7:30,18:00`) or every hour on the hour
(`uur`); it is stored as its canonical text (`07:30,18:00`, `uur`), so the database
holds what a reader would recognise and :func:`parse_overview` reads it back.

Times are wall-clock times in ``NEWSBOT_TIMEZONE``.  The next moment is computed on
the absolute timeline, so daylight saving cannot send an overview twice or skip one:

- a time that occurs twice (the autumn night, 02:30 in Amsterdam) is sent once, at its
  first occurrence (``fold=0``);
- a time that does not exist (the spring night, 02:30) is sent at the same distance
  past the jump, 03:30 summer time (what ``zoneinfo`` gives for ``fold=0`` in a gap);
- `uur` is every moment whose local minute is 0, found by stepping quarter hours in
  UTC, so zones with half-hour offsets get their local hour too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

HOURLY = "uur"
MAX_TIMES = 6

USAGE = (
    "Een overzicht op vaste tijden in plaats van elke melding apart.\n"
    "Voorbeelden: /overzicht 8:00, /overzicht 7:30,18:00, /overzicht uur (elk heel uur).\n"
    "Weer alles meteen: /overzicht uit"
)

_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?(?:u(?:ur)?)?$")
_OFF = frozenset({"uit", "off", "geen", "direct"})
_HOURLY = frozenset({"uur", "elk uur", "ieder uur", "elk heel uur", "uurlijks"})


class OverviewError(ValueError):
    """The reader's input is not an overview rhythm; the message is the Dutch reply."""


@dataclass(frozen=True)
class Rhythm:
    """When a chat's overview goes out: local minutes after midnight, or every hour."""

    minutes: tuple[int, ...] = ()
    hourly: bool = False

    @property
    def text(self) -> str:
        """The canonical form, as stored: `07:30,18:00` or `uur`."""
        if self.hourly:
            return HOURLY
        return ",".join(clock(m) for m in self.minutes)

    def describe(self) -> str:
        """`om 07:30 en om 18:00` / `elk heel uur`, for replies and /mijn."""
        if self.hourly:
            return "elk heel uur"
        shown = [clock(m) for m in self.minutes]
        if len(shown) == 1:
            return f"om {shown[0]}"
        return "om " + ", om ".join(shown[:-1]) + " en om " + shown[-1]


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_overview(text: str) -> Rhythm | None:
    """`8:00`, `7:30,18:00`, `uur` -> a Rhythm; `uit` -> None (alerts direct again)."""
    text = " ".join(text.strip().lower().split())
    if text in _OFF:
        return None
    if text in _HOURLY:
        return Rhythm(hourly=True)
    parts = [p for p in re.split(r"[,;\s]+|\s+en\s+", text) if p and p != "en"]
    if not parts:
        raise OverviewError(USAGE)
    found: set[int] = set()
    for part in parts:
        match = _TIME.match(part)
        if not match:
            raise OverviewError(USAGE)
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if hour > 23 or minute > 59:
            raise OverviewError(f"‘{part}’ is geen geldige tijd.\n{USAGE}")
        found.add(hour * 60 + minute)
    if len(found) > MAX_TIMES:
        raise OverviewError(f"Hoogstens {MAX_TIMES} tijden per dag.\n{USAGE}")
    return Rhythm(minutes=tuple(sorted(found)))


def stored_rhythm(text: str | None) -> Rhythm | None:
    """The Rhythm a chat row holds (None: direct); a bad stored value counts as direct."""
    if not text:
        return None
    try:
        return parse_overview(text)
    except OverviewError:
        return None


def _at(day: datetime, minutes: int, tz: ZoneInfo) -> datetime:
    """The instant the local clock in `tz` reads `minutes` on `day`'s date (fold=0)."""
    local = datetime.combine(day.date(), time(minutes // 60, minutes % 60), tzinfo=tz)
    return local.astimezone(UTC)


def next_overview(rhythm: Rhythm, after: datetime, tz: ZoneInfo) -> datetime:
    """The first overview moment strictly after `after` (aware), as an aware UTC datetime."""
    after = after.astimezone(UTC)
    if rhythm.hourly:
        step = timedelta(minutes=15)
        moment = after.replace(second=0, microsecond=0)
        moment -= timedelta(minutes=moment.minute % 15)
        while True:
            moment += step
            if moment > after and moment.astimezone(tz).minute == 0:
                return moment
    if not rhythm.minutes:
        raise ValueError("a rhythm needs times or hourly")
    local_day = after.astimezone(tz)
    for offset in range(3):  # the next time is at most a day and a DST shift away
        day = local_day + timedelta(days=offset)
        for minutes in rhythm.minutes:
            moment = _at(day, minutes, tz)
            if moment > after:
                return moment
    raise AssertionError("unreachable: every day has its times")


def overview_minute(moment: datetime, tz: ZoneInfo) -> int:
    """Local minutes after midnight of an overview moment (for quiet hours)."""
    local = moment.astimezone(tz)
    return local.hour * 60 + local.minute
