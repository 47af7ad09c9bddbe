"""`/pauze`: no alerts for a while; what matched meanwhile comes afterwards, together.

What a reader types, read into the moment the pause ends (an aware UTC datetime):

- a duration: ``2 uur``, ``30 minuten``, ``90 min``, ``een uur``, ``anderhalf uur``,
  ``3 dagen``, ``een week``;
- ``tot <tijd>``: ``tot 18:00`` (today, or tomorrow when that time has passed);
- ``tot morgen`` / ``tot <weekdag>`` / ``vannacht``: that day at :data:`MORNING`
  (07:00 local), the moment a reader who says "until tomorrow" means (typed in the small
  hours, before 05:00, "morgen" is the coming morning);
- ``uit`` / ``stop`` / ``klaar``: the pause ends now (None).

A pause lasts at least a minute and at most :data:`MAX_DAYS` days: longer is what
``/ontvolg alles`` or ``/stop`` are for.  Wall-clock moments are found in the bot's zone
(``NEWSBOT_TIMEZONE``) and returned in UTC, so a DST change inside a pause moves nothing.
Pure: the caller passes `now`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.news.text import fold
from bot.news.voice import number_word

MORNING = time(7, 0)
MAX_DAYS = 30

USAGE = (
    "Even geen meldingen? Bijvoorbeeld: /pauze 2 uur, /pauze tot 18:00, /pauze tot morgen "
    "of /pauze tot maandag. Wat er intussen binnenkomt, krijg je daarna in één bericht. "
    "Weer aan: /pauze uit"
)

_OFF = frozenset({"uit", "stop", "klaar", "einde", "af", "nee", "geen"})
_UNITS = {
    "m": 1, "min": 1, "minuut": 1, "minuten": 1, "minuutje": 1,
    "u": 60, "uur": 60, "uren": 60, "uurtje": 60, "h": 60,
    "d": 1440, "dag": 1440, "dagen": 1440, "dagje": 1440,
    "week": 10080, "weken": 10080,
}  # fmt: skip
_WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
_DURATION = re.compile(r"^(\d{1,4}|[a-z]+)\s*([a-z]+)$")
_CLOCK = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?(?:\s*u(?:ur)?)?$")


class PauseError(ValueError):
    """The reader's input is no pause; the message is the Dutch reply."""


def parse_pause(text: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    """The moment the pause ends (UTC), or None for ``uit``; raises PauseError."""
    said = " ".join(fold(text).replace(",", " ").split())
    if said in _OFF:
        return None
    if said == "anderhalf uur":
        return _checked(now + timedelta(minutes=90), now)
    if said.startswith("tot "):
        return _checked(_until(said[4:].strip(), now, tz, text), now)
    if said in ("vannacht", "morgenochtend"):
        return _checked(_morning(now, tz, days=_tomorrow(now, tz)), now)
    found = _DURATION.match(said)
    if found:
        amount = int(found[1]) if found[1].isdigit() else number_word(found[1])
        unit = _UNITS.get(found[2])
        if amount is not None and unit is not None:
            return _checked(now + timedelta(minutes=amount * unit), now)
    if said in _UNITS:  # "uur", "dag": one of it
        return _checked(now + timedelta(minutes=_UNITS[said]), now)
    raise PauseError(USAGE)


def _until(what: str, now: datetime, tz: ZoneInfo, typed: str) -> datetime:
    if what in ("morgen", "morgenochtend", "morgenvroeg"):
        return _morning(now, tz, days=_tomorrow(now, tz))
    if what == "overmorgen":
        return _morning(now, tz, days=2)
    if what in _WEEKDAYS:
        today = now.astimezone(tz).weekday()
        ahead = (_WEEKDAYS.index(what) - today) % 7 or 7
        return _morning(now, tz, days=ahead)
    clock = _CLOCK.match(what)
    if clock:
        hour, minute = int(clock[1]), int(clock[2] or 0)
        if hour > 23 or minute > 59:
            raise PauseError(f"‘{typed.strip()}’ is geen geldige tijd.\n{USAGE}")
        local = now.astimezone(tz)
        moment = datetime.combine(local.date(), time(hour, minute), tzinfo=tz)
        if moment <= local:
            moment = datetime.combine(local.date() + timedelta(days=1), time(hour, minute),
                                      tzinfo=tz)
        return moment.astimezone(UTC)
    raise PauseError(USAGE)


def _tomorrow(now: datetime, tz: ZoneInfo) -> int:
    """Days ahead "morgen" means: in the small hours (before 05:00) the coming morning."""
    return 0 if now.astimezone(tz).hour < 5 else 1


def _morning(now: datetime, tz: ZoneInfo, *, days: int) -> datetime:
    day = now.astimezone(tz).date() + timedelta(days=days)
    return datetime.combine(day, MORNING, tzinfo=tz).astimezone(UTC)


def _checked(end: datetime, now: datetime) -> datetime:
    if end - now < timedelta(minutes=1):
        raise PauseError(f"Dat is te kort voor een pauze.\n{USAGE}")
    if end - now > timedelta(days=MAX_DAYS):
        raise PauseError(
            f"Hoogstens {MAX_DAYS} dagen pauze, bijvoorbeeld /pauze 7 dagen. "
            "Wil je langer niets? Dan kan /ontvolg alles."
        )
    return end.astimezone(UTC)
