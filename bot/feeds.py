"""Reading RSS and Atom feeds into items: one polling task per feed, all through the intake.

Each feed is fetched with a conditional GET (ETag / Last-Modified), parsed with feedparser,
and its new entries become `Item`s that go through :class:`~bot.intake.Intake` like every
other source.  A feed that fails (HTTP error, not a feed, timeout, no connection) is logged
as one warning line and retried with exponential backoff; it never stops the other feeds.

What a feed may cost is bounded:

* parsing (feedparser, and turning entries into items) runs in a worker thread, never on
  the event loop: a feed of nearly MAX_FEED_BYTES takes seconds to parse, and readers'
  replies must not wait for it;
* a feed brings at most MAX_NEW_PER_POLL new or changed entries a poll and
  MAX_NEW_PER_HOUR in any hour (counted per feed, in this process); past either cap the
  newest are kept, the rest wait for a later poll, and a WARNING line says so.  A feed
  that makes up new guids on every poll then alerts a few times an hour, not on every poll;
* an entry that comes back under a guid already stored, with another title or text, is a
  correction: it goes through :meth:`Intake.revise`, the step /corrigeer ends in (the
  alerts already sent are edited, the pending ones go out with the new text).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
import re
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import feedparser

from bot.intake import Intake
from bot.news.items import Item
from bot.news.parse import parse_wire
from bot.news.sections import feed_section
from bot.news.text import strip_format

log = logging.getLogger(__name__)

USER_AGENT = "newsbot/0.1 (+feeds)"
MAX_FEED_BYTES = 10 * 1024 * 1024
# A feed added to NEWSBOT_FEEDS may hold months of entries: its first poll stores (and
# alerts) only its newest few, so readers are not flooded; the older ones are its
# backlog, skipped now and at every later poll (also after a restart).
FIRST_POLL_NEWEST = 3
MAX_NEW_PER_POLL = 10  # new or changed entries one poll of one feed may bring
MAX_NEW_PER_HOUR = 30  # and in any hour
HOUR = 3600.0

# Tags that end a paragraph (or a line, which in a feed summary means the same).
_BLOCK_TAGS = frozenset(
    {"p", "br", "div", "li", "ul", "ol", "blockquote", "pre", "hr", "table", "tr"}
    | {"h1", "h2", "h3", "h4", "h5", "h6"}
)
_SKIP_TAGS = frozenset({"script", "style"})
_BLANK_LINE = re.compile(r"\n\s*\n")


class FeedError(Exception):
    """A poll that failed in an expected way; the message is the one-line reason."""


@dataclass
class FeedState:
    """What the poller remembers about one feed between polls."""

    etag: str | None = None
    last_modified: str | None = None
    failures: int = 0
    # time.monotonic() of each entry stored or corrected within the last hour (the cap).
    taken: deque[float] = field(default_factory=deque)
    # Guids of the entries a new feed held at its first poll beyond the newest few: never
    # stored, never alerted (None until known; kept in the database's meta table).
    backlog: frozenset[str] | None = None


def backoff_delay(interval: float, failures: int, max_backoff: float) -> float:
    """Seconds until the next poll: the interval doubled per failure, capped, with ±20% jitter."""
    base = min(interval * 2 ** min(failures, 32), max_backoff)
    return base * random.uniform(0.8, 1.2)


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment; block tags become paragraph breaks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def _paragraphs(text: str) -> list[str]:
    """Split on blank lines and collapse whitespace (also non-breaking) inside each part."""
    cleaned = (" ".join(part.split()) for part in _BLANK_LINE.split(strip_format(text)))
    return [part for part in cleaned if part]


def html_to_paragraphs(html: str) -> list[str]:
    """Plain-text paragraphs of an HTML fragment: tags stripped, entities unescaped."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return _paragraphs("".join(extractor.parts))


def _detail_paragraphs(value: str, detail: dict[str, Any] | None) -> list[str]:
    """Paragraphs of a feedparser text construct, stripping tags only when it is HTML."""
    content_type = (detail or {}).get("type") or "text/html"
    if "html" in content_type:
        return html_to_paragraphs(value)
    return _paragraphs(value)


def _entry_text(entry: dict[str, Any]) -> list[str]:
    """The entry's body paragraphs: its full content if it has one, else its summary."""
    for content in entry.get("content") or ():
        paragraphs = _detail_paragraphs(content.get("value") or "", content)
        if paragraphs:
            return paragraphs
    return _detail_paragraphs(entry.get("summary") or "", entry.get("summary_detail"))


def _published(entry: dict[str, Any], now: datetime) -> datetime:
    for key in ("published_parsed", "updated_parsed"):
        parsed = entry.get(key)
        if parsed:
            return datetime(*parsed[:6], tzinfo=UTC)
    return now


def _http_link(entry: dict[str, Any]) -> str | None:
    link = (entry.get("link") or "").strip()
    return link if urlsplit(link).scheme in ("http", "https") else None


def _image(entry: dict[str, Any]) -> str | None:
    """The entry's picture: an image enclosure, else media:content that is an image, else
    media:thumbnail; an http(s) URL (Telegram fetches it), else None."""
    candidates: list[str] = []
    for enclosure in entry.get("enclosures") or []:
        if str(enclosure.get("type") or "").startswith("image/"):
            candidates.append(str(enclosure.get("href") or enclosure.get("url") or ""))
    for media in entry.get("media_content") or []:
        kind = str(media.get("medium") or media.get("type") or "")
        if kind == "image" or kind.startswith("image/"):
            candidates.append(str(media.get("url") or ""))
    candidates += [str(t.get("url") or "") for t in entry.get("media_thumbnail") or []]
    for url in (c.strip() for c in candidates):
        if url and urlsplit(url).scheme in ("http", "https") and not any(
            ch.isspace() for ch in url
        ):
            return url
    return None


def _guid(entry: dict[str, Any], title: str, paragraphs: Sequence[str]) -> str:
    """The entry's id, else its link, else a hash of its text."""
    guid = (entry.get("id") or "").strip() or _http_link(entry)
    if guid:
        return guid
    text = "\n".join((title, *paragraphs))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _section(entry: dict[str, Any]) -> str | None:
    """The term of the entry's first category, if it has one."""
    tags = entry.get("tags") or []
    if not tags:
        return None
    return " ".join((tags[0].get("term") or "").split()) or None


def entry_to_item(entry: dict[str, Any], source: str, now: datetime) -> Item | None:
    """One feed entry as an item; None when it has no text at all.

    A title with a text is an article; a title alone, or a text alone, is a brief of
    one paragraph.  A wire header at the start of the text becomes the dateline and
    agencies.
    """
    title = " ".join(_detail_paragraphs(entry.get("title") or "", entry.get("title_detail")))
    paragraphs = _entry_text(entry)
    if paragraphs == [title]:
        paragraphs = []  # a summary that only repeats the title adds nothing
    guid = _guid(entry, title, paragraphs)
    if not title or not paragraphs:
        paragraphs = [title or " ".join(paragraphs)]
        title = ""
    if not paragraphs[0]:
        return None

    wire = parse_wire(paragraphs[0])
    if wire.dateline or wire.agencies:
        paragraphs = [wire.text, *paragraphs[1:]] if wire.text else paragraphs[1:]
    if not paragraphs:
        if not title:
            return None
        paragraphs, title = [title], ""  # only a header under the title: keep the title
    return Item(
        kind="article" if title else "brief",
        paragraphs=tuple(paragraphs),
        title=title,
        dateline=wire.dateline,
        agencies=wire.agencies,
        section=_section(entry),
        published_at=_published(entry, now),
        lead=False,
        source=source,
        link=_http_link(entry),
        guid=guid,
        photo=_image(entry),
    )


def _safe_url(url: str) -> str:
    """The URL for logs: no user name, password or query string (they may hold secrets)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{host}{parts.path}"


def _read_feed(
    body: bytes, content_type: str, url: str, source: str, now: datetime
) -> list[Item]:
    """The feed's entries with a guid as items, oldest first (runs in a worker thread)."""
    parsed = feedparser.parse(
        body,
        response_headers={
            "content-type": content_type,
            "content-location": url,  # resolves relative links against the feed
        },
    )
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        raise FeedError("response is not an RSS or Atom feed")
    items: list[Item] = []
    # Feeds list the newest entry first; the store should see it last.
    for entry in reversed(parsed.entries):
        try:
            item = entry_to_item(entry, source, now)
        except (ValueError, TypeError, AttributeError) as exc:
            log.warning("feed %s: skipped an unreadable entry (%s)", _safe_url(url), exc)
            continue
        if item is not None and item.guid is not None:
            items.append(item)
    return items


def _reads_differently(stored: Item, entry: Item) -> bool:
    """Whether a feed entry's title or text is not what was stored under its guid."""
    return (stored.title, stored.paragraphs) != (entry.title, entry.paragraphs)


def _safe_guid(guid: str | None) -> str:
    return (guid or "")[:80]


class FeedPoller:
    """Polls each feed every ``interval`` seconds and stores new entries through the intake."""

    def __init__(
        self,
        urls: Sequence[str],
        intake: Intake,
        interval: float,
        *,
        timeout: float = 20.0,
        max_backoff: float = 3600.0,
    ) -> None:
        # "Sport=https://..." gives the feed's entries the section Sport, whatever their
        # own category says (the operator knows the feed; bot.news.sections).
        self.sections: dict[str, str] = {}
        plain = []
        for entry in urls:
            section, url = feed_section(entry)
            if section is not None:
                self.sections[url] = section
            plain.append(url)
        self.urls = tuple(dict.fromkeys(plain))
        self.intake = intake
        self.interval = interval
        self.timeout = timeout
        self.max_backoff = max_backoff
        self.feeds: dict[str, FeedState] = {url: FeedState() for url in self.urls}
        self._session: aiohttp.ClientSession | None = None
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """Start one polling task per feed (call from a running event loop)."""
        if self._tasks:
            return
        for url in self.urls:
            self._tasks.append(asyncio.create_task(self._run(url), name=f"feed {_safe_url(url)}"))

    async def stop(self) -> None:
        """Cancel the polling tasks and close the HTTP session."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    def next_wait(self, url: str) -> float:
        """Seconds to wait before polling ``url`` again, given its failures so far."""
        return backoff_delay(self.interval, self.feeds[url].failures, self.max_backoff)

    async def _run(self, url: str) -> None:
        while True:
            try:
                await self.poll(url)
            except Exception:
                # A bug, not a feed problem: keep the traceback, keep polling the others.
                self.feeds[url].failures += 1
                log.exception("feed %s: poll failed unexpectedly", _safe_url(url))
            await asyncio.sleep(self.next_wait(url))

    async def poll(self, url: str) -> int:
        """Poll one feed once; returns how many new items were stored.

        Expected failures (HTTP errors, not a feed, timeouts, connection errors) are
        logged as one warning line and counted for the backoff; they return 0.
        """
        state = self.feeds.setdefault(url, FeedState())
        try:
            stored = await self._poll(url, state)
        except FeedError as exc:
            state.failures += 1
            log.warning("feed %s: %s (failure %d)", _safe_url(url), exc, state.failures)
            return 0
        if state.failures:
            log.info("feed %s: back after %d failures", _safe_url(url), state.failures)
        state.failures = 0
        return stored

    def _within_caps(
        self,
        url: str,
        state: FeedState,
        items: list[Item],
        changed: list[tuple[Item, Item]],
        now: datetime,
    ) -> tuple[list[Item], list[tuple[Item, Item]], bool]:
        """The newest of `items` and `changed` that fit this poll's and this hour's caps,
        and whether some had to wait."""
        clock = time.monotonic()
        while state.taken and clock - state.taken[0] >= HOUR:
            state.taken.popleft()
        room = max(0, min(MAX_NEW_PER_POLL, MAX_NEW_PER_HOUR - len(state.taken)))
        wanted = len(items) + len(changed)
        if wanted > room:
            log.warning(
                "feed %s: %d new or changed entries, over the cap (%d a poll, %d an hour); "
                "%d taken now, the rest wait", _safe_url(url), wanted, MAX_NEW_PER_POLL,
                MAX_NEW_PER_HOUR, room,
            )
            newest = sorted(
                [*((i.published_at or now, 0, i) for i in items),
                 *((new.published_at or now, 1, (old, new)) for old, new in changed)],
                key=lambda entry: entry[0], reverse=True,
            )[:room]
            kept = {id(entry[2]) for entry in newest}
            items = [i for i in items if id(i) in kept]
            changed = [pair for pair in changed if id(pair) in kept]
        state.taken.extend([clock] * (len(items) + len(changed)))
        return items, changed, wanted > room

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers={"User-Agent": USER_AGENT},
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                trust_env=True,
            )
        return self._session

    async def _fetch(self, url: str, state: FeedState) -> tuple[bytes, Mapping[str, str]] | None:
        """The feed body and response headers, or None when it was not modified."""
        headers = {}
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        try:
            async with self._client().get(url, headers=headers) as response:
                if response.status == 304:
                    return None
                if response.status >= 400:
                    raise FeedError(f"HTTP {response.status}")
                body = bytearray()
                async for chunk in response.content.iter_chunked(65536):
                    body += chunk
                    if len(body) > MAX_FEED_BYTES:
                        raise FeedError(f"larger than {MAX_FEED_BYTES} bytes")
                return bytes(body), response.headers.copy()
        except TimeoutError:
            raise FeedError(f"no answer within {self.timeout:g} s") from None
        except aiohttp.ClientConnectorError as exc:
            raise FeedError(f"cannot connect ({exc.os_error.strerror or 'refused'})") from None
        except aiohttp.ClientError as exc:
            # The exception's text may contain the URL; its type says enough.
            raise FeedError(f"request failed ({type(exc).__name__})") from None

    async def _backlog(
        self, url: str, items: list[Item], known: bool, now: datetime
    ) -> frozenset[str]:
        """The feed's backlog: decided at its first poll, kept in the database.

        A feed is new when none of its entries is stored yet; then all but its newest
        FIRST_POLL_NEWEST entries are backlog.  A feed already read before (an entry is
        stored) has none.  The first process to decide wins (`keep`), so a restart or a
        second process agrees.
        """
        backlog: list[str] = []
        if not known:
            newest_first = sorted(items, key=lambda i: i.published_at or now, reverse=True)
            backlog = sorted(i.guid for i in newest_first[FIRST_POLL_NEWEST:] if i.guid)
        kept = await self.intake.store.keep(f"feed-backlog:{url}", json.dumps(backlog))
        skipped = frozenset(json.loads(kept))
        if skipped:
            log.info("feed %s: new feed, %d older entries skipped (backlog)",
                     _safe_url(url), len(skipped))
        return skipped

    async def _poll(self, url: str, state: FeedState) -> int:
        fetched = await self._fetch(url, state)
        if fetched is None:
            log.debug("feed %s: not modified", _safe_url(url))
            return 0
        body, headers = fetched
        source = f"feed:{url}"
        now = datetime.now(UTC)
        # Off the event loop: parsing megabytes takes seconds of CPU.
        entries = await asyncio.to_thread(
            _read_feed, body, headers.get("Content-Type", "application/xml"), url, source, now
        )
        items: list[Item] = []
        changed: list[tuple[Item, Item]] = []  # (stored, as the feed has it now)
        known = False
        for item in entries:
            assert item.guid is not None
            if url in self.sections:
                item = item.with_(section=self.sections[url])
            old = await self.intake.store.guid_item(source, item.guid)
            if old is not None or await self.intake.store.has_guid(source, item.guid):
                known = True
                if old is not None and _reads_differently(old, item):
                    changed.append((old, item))
                continue
            items.append(item)
        if state.backlog is None and (items or known):
            state.backlog = await self._backlog(url, items, known, now)
        if state.backlog:
            items = [item for item in items if item.guid not in state.backlog]
        items, changed, capped = self._within_caps(url, state, items, changed, now)
        for old, item in changed:
            await self.intake.revise(old, item)
            log.info("feed %s: entry %s changed, item #%s corrected",
                     _safe_url(url), _safe_guid(item.guid), old.id)

        stored = 0
        if items:
            # Oldest first, so item ids grow with publication time (stable for ties).
            items.sort(key=lambda item: item.published_at or now)
            results = await self.intake.add_many(items)
            stored = sum(1 for result in results if not result.duplicate)
            log.info("feed %s: %d new items", _safe_url(url), stored)
        # Remember the validators only once the entries are stored: a 304 must not hide
        # entries that a failed store never kept, or that wait for room under the cap.
        if not capped:
            state.etag = headers.get("ETag")
            state.last_modified = headers.get("Last-Modified")
        return stored
