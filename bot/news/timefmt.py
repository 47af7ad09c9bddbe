"""Dutch times for readers: "16 minuten geleden", "vandaag 14:05", "12 nov. 2025".

Ages are measured on the absolute timeline (so a DST change does not add or lose an
hour); calendar words ("vandaag", "gisteren") use the reader's local date in ``tz``.
babel's ``format_timedelta`` rounds ("4 uur" for 3.5 hours) and has no "gisteren",
so the few forms we need are written out here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

# Dutch month abbreviations as newspapers write them; "mei" is already short.
_MONTHS = (
    "jan.", "feb.", "mrt.", "apr.", "mei", "jun.",
    "jul.", "aug.", "sep.", "okt.", "nov.", "dec.",
)  # fmt: skip


def _aware(dt: datetime) -> datetime:
    """Treat a naive datetime as UTC, so a stray naive value never raises."""
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def ago(dt: datetime, now: datetime) -> str:
    """How long ago ``dt`` was: "zojuist", "16 minuten geleden", "gisteren", "3 dagen geleden"."""
    delta = _aware(now) - _aware(dt)
    if delta < timedelta(minutes=1):  # also the future: clock skew between sources
        return "zojuist"
    if delta < timedelta(hours=1):
        minutes = delta // timedelta(minutes=1)
        return "1 minuut geleden" if minutes == 1 else f"{minutes} minuten geleden"
    if delta < timedelta(days=1):
        return f"{delta // timedelta(hours=1)} uur geleden"
    days = delta // timedelta(days=1)
    return "gisteren" if days == 1 else f"{days} dagen geleden"


def when(dt: datetime, now: datetime, tz: ZoneInfo = AMSTERDAM) -> str:
    """When a story was published, as a reader in ``tz`` would say it.

    Under an hour: like :func:`ago`; then "vandaag 14:05", "gisteren 09:12",
    "12 nov. 14:05" within the year, else "12 nov. 2025".
    """
    dt, now = _aware(dt), _aware(now)
    if now - dt < timedelta(hours=1):
        return ago(dt, now)
    local = dt.astimezone(tz)
    today = now.astimezone(tz).date()
    clock = f"{local.hour:02d}:{local.minute:02d}"
    if local.date() == today:
        return f"vandaag {clock}"
    if local.date() == today - timedelta(days=1):
        return f"gisteren {clock}"
    day = f"{local.day} {_MONTHS[local.month - 1]}"
    if local.year == today.year:
        return f"{day} {clock}"
    return f"{day} {local.year}"


def corrected(dt: datetime, now: datetime, tz: ZoneInfo = AMSTERDAM) -> str:
    """The line under a corrected item: "Gecorrigeerd om 17:42" (today, in ``tz``), else
    with its day: "Gecorrigeerd op 6 dec. om 17:42"."""
    local = _aware(dt).astimezone(tz)
    clock = f"{local.hour:02d}:{local.minute:02d}"
    if local.date() == _aware(now).astimezone(tz).date():
        return f"Gecorrigeerd om {clock}"
    return f"Gecorrigeerd op {local.day} {_MONTHS[local.month - 1]} om {clock}"
