"""One voice in Dutch: the small phrasing rules every reply shares.

- counts agree with their noun (``1 onderwerp``, ``2 onderwerpen``; :func:`count`);
- lists read as Dutch lists (``a, b en c``; :func:`and_list`);
- a moment says ``morgen`` (or the weekday) when it is not today (:func:`at_moment`);
- the zone is ``Nederlandse tijd`` for Europe/Amsterdam, the zone's name only for others
  (:func:`zone_words`);
- a number typed as a word counts (``vijf``; :func:`number_word`).

Pure: no Telegram, no store.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale

from bot.news.text import fold

_WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")

_NUMBERS = {
    name: value
    for value, name in enumerate(
        [
            "nul", "een", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien",
            "elf", "twaalf", "dertien", "veertien", "vijftien", "zestien", "zeventien", "achttien",
            "negentien", "twintig",
        ]
    )
}
_NUMBERS["één"] = 1


def count(n: int, singular: str, plural: str) -> str:
    """``1 onderwerp``, ``3 onderwerpen``."""
    return f"{n} {singular if n == 1 else plural}"


def and_list(parts: Sequence[str]) -> str:
    """``a``, ``a en b``, ``a, b en c``."""
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " en " + parts[-1]


def clock(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{local.hour:02d}:{local.minute:02d}"


def day_words(moment: datetime, now: datetime, tz: ZoneInfo) -> str:
    """``vandaag``, ``morgen``, a weekday within the week, else ``12-3``."""
    day, today = moment.astimezone(tz).date(), now.astimezone(tz).date()
    if day <= today:
        return "vandaag"
    if day == today + timedelta(days=1):
        return "morgen"
    if day < today + timedelta(days=7):
        return _WEEKDAYS[day.weekday()]
    return f"{day.day}-{day.month}"


def at_moment(moment: datetime, now: datetime, tz: ZoneInfo) -> str:
    """``om 08:00`` today, ``morgen om 08:00``, ``maandag om 08:00``."""
    day = day_words(moment, now, tz)
    at = f"om {clock(moment, tz)}"
    return at if day == "vandaag" else f"{day} {at}"


def zone_words(zone: str) -> str:
    """How a reply names the time zone: ``Nederlandse tijd``, else ``tijdzone <naam>``."""
    return "Nederlandse tijd" if zone == "Europe/Amsterdam" else f"tijdzone {zone}"


def number_word(text: str) -> int | None:
    """A count written as a Dutch word (``vijf``, ``Twintig``), else None."""
    return _NUMBERS.get(fold(text.strip())) if text.strip() else None


@lru_cache(maxsize=1)
def _territories() -> dict[str, str]:
    return dict(Locale.parse("nl").territories)


def country_name(code: str) -> str:
    """A country's Dutch name for its ISO code (``NL`` -> ``Nederland``), from CLDR
    (babel); the code itself only for one CLDR does not know."""
    return _territories().get(code.upper(), code)


def until_moment(moment: datetime, now: datetime, tz: ZoneInfo) -> str:
    """``tot 18:00``, ``tot morgen 07:00``, ``tot maandag 07:00``."""
    day = day_words(moment, now, tz)
    at = clock(moment, tz)
    return f"tot {at}" if day == "vandaag" else f"tot {day} {at}"
