"""The news item: what every source (page, admin post, feed) turns its input into."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from typing import Any, Literal

from bot.news.text import words

Kind = Literal["article", "brief"]


@dataclass(frozen=True)
class Item:
    """One article or wire brief.

    ``paragraphs`` holds the body in order; the indexes in ``headings`` mark the
    paragraphs that are subheadings (``Spoorrails`` on the seed page).  A brief has
    exactly one paragraph and no title.
    """

    kind: Kind
    paragraphs: tuple[str, ...]
    title: str = ""
    headings: tuple[int, ...] = ()
    dateline: str = ""
    agencies: tuple[str, ...] = ()
    section: str | None = None
    published_at: datetime | None = None
    lead: bool = False
    source: str = ""
    link: str | None = None
    guid: str | None = None
    regions: tuple[str, ...] = ()
    id: int | None = None
    received_at: datetime | None = field(default=None, compare=False)
    # Telegram's file_id of a photo an admin sent, or the URL of a feed's or page's image.
    photo: str | None = None
    # Chosen by an editor (/breaking): its alerts go before every other and alone.
    breaking: bool = False
    # When /corrigeer last changed it (readers see "Gecorrigeerd om 17:42"); None: never.
    corrected_at: datetime | None = field(default=None, compare=False)

    @property
    def body(self) -> str:
        """The paragraphs as plain text, separated by blank lines."""
        return "\n\n".join(self.paragraphs)

    @property
    def subheadings(self) -> tuple[str, ...]:
        return tuple(self.paragraphs[i] for i in self.headings)

    @property
    def text(self) -> str:
        """Everything a reader reads: title, dateline and body (for tagging and matching).

        The dateline keeps its agencies as the wire wrote them (``BERGEN (BELGA)``): they
        say which country the copy comes from, and so which Bergen it means."""
        dateline = self.dateline
        if dateline and self.agencies:
            dateline = f"{dateline} ({'/'.join(self.agencies)})"
        return "\n".join(part for part in (self.title, dateline, self.body) if part)

    @property
    def words_text(self) -> str:
        """What keyword follows and search read: title, dateline and body, without the
        agencies.  An agency is where the copy came from, not what it is about: a reader
        who sends ``/volg ANP`` wants the briefs that mention the ANP, not every brief
        the ANP sent."""
        return "\n".join(part for part in (self.title, self.dateline, self.body) if part)

    def content_hash(self) -> str:
        """Hash of the normalised words, so re-imports and re-posts are recognised.

        Whitespace, case, diacritics and punctuation do not change it; the
        dateline and title do, as they are part of the story.
        """
        normalised = " ".join(words(f"{self.kind} {self.title} {self.dateline} {self.body}"))
        return hashlib.sha256(normalised.encode()).hexdigest()

    def with_(self, **changes: object) -> Item:
        return replace(self, **changes)  # type: ignore[arg-type]

    def as_json(self, tz: tzinfo) -> dict[str, Any]:
        """The item as `newsbot items --json` prints it (times in the reader's zone)."""

        def iso(value: datetime | None) -> str | None:
            return value.astimezone(tz).isoformat(timespec="seconds") if value else None

        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "body": self.body,
            "subheadings": list(self.subheadings),
            "dateline": self.dateline,
            "agencies": list(self.agencies),
            "regions": list(self.regions),
            "section": self.section,
            "published_at": iso(self.published_at),
            "received_at": iso(self.received_at),
            "lead": self.lead,
            "source": self.source,
            "link": self.link,
            "photo": self.photo,
            "breaking": self.breaking,
            "corrected_at": iso(self.corrected_at),
        }
