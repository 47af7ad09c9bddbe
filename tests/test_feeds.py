"""Tests for the feed poller: real feeds served over loopback, stored in a real store."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import feedparser
import pytest
from aiohttp import web

import bot.feeds as feeds
from bot.feeds import (
    FeedPoller,
    backoff_delay,
    entry_to_item,
    html_to_paragraphs,
)
from bot.intake import Intake
from bot.metrics import Metrics
from bot.news.regions import Gazetteer, default_gazetteer
from storage import Store
from tests.waits import eventually

LAST_MODIFIED = "Tue, 10 Jun 2025 08:00:00 GMT"

RSS_ITEMS = [
    """<item>
      <title>Staking legt Franse treinen stil</title>
      <link>https://nieuws.example/artikel/1</link>
      <guid isPermaLink="false">nieuws-1</guid>
      <pubDate>Tue, 10 Jun 2025 09:30:00 +0200</pubDate>
      <category>Buitenland</category>
      <description>PARIJS (AFP) - Door een staking rijden vandaag weinig treinen.</description>
    </item>""",
    """<item>
      <title>Kabinet &amp; Kamer eens over begroting</title>
      <link>https://nieuws.example/artikel/2</link>
      <guid>https://nieuws.example/artikel/2</guid>
      <pubDate>Tue, 10 Jun 2025 08:00:00 +0200</pubDate>
      <description><![CDATA[<p>DEN HAAG (ANP) - Het kabinet en de Kamer zijn het eens
        over de begroting voor <b>Onderwijs</b> &amp; Cultuur.</p>
        <p>Het akkoord kost 2&nbsp;miljard euro.<br>De oppositie stemt tegen.</p>
        <script>track()</script>]]></description>
    </item>""",
    """<item>
      <link>javascript:alert(1)</link>
      <pubDate>Tue, 10 Jun 2025 07:15:00 +0200</pubDate>
      <description>Een korte melding zonder titel over het weer.</description>
    </item>""",
    # Neither a title nor a text: never stored.
    """<item><guid isPermaLink="false">nieuws-leeg</guid></item>""",
]

NEW_RSS_ITEM = """<item>
      <title>Nieuw bericht uit Parijs</title>
      <guid isPermaLink="false">nieuws-4</guid>
      <pubDate>Tue, 10 Jun 2025 10:00:00 +0200</pubDate>
      <description>Het Louvre in Parijs gaat morgen weer open.</description>
    </item>"""


def rss(items: list[str]) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        "<title>Testnieuws</title><link>https://nieuws.example/</link>"
        "<description>Nieuws voor tests</description>" + "".join(items) + "</channel></rss>"
    ).encode()


ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Atomnieuws</title>
  <id>urn:atomnieuws</id>
  <updated>2025-06-10T08:00:00Z</updated>
  <entry>
    <title>Brand in de haven van Antwerpen</title>
    <id>urn:atomnieuws:1</id>
    <link href="/artikel/a1"/>
    <updated>2025-06-10T08:00:00Z</updated>
    <category term="Buitenland"/>
    <content type="html">&lt;p&gt;ANTWERPEN (BELGA/ANP) - In de haven woedt een grote
      brand.&lt;/p&gt;&lt;p&gt;Niemand raakte gewond.&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>Treinverkeer rond Utrecht weer op gang</title>
    <id>urn:atomnieuws:2</id>
    <published>2025-06-10T07:00:00+02:00</published>
    <updated>2025-06-10T07:05:00+02:00</updated>
  </entry>
</feed>
"""


@dataclass
class Page:
    body: bytes = b""
    content_type: str = "application/rss+xml"
    status: int = 200
    hang: bool = False


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    status: int
    at: float = field(default_factory=time.monotonic)


class FeedServer:
    """An aiohttp.web server on 127.0.0.1 that serves pages and records every request."""

    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.seen: list[Seen] = []
        self.release = asyncio.Event()
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/{name}", self.handle)
        self.runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = self.runner.addresses[0][1]

    async def stop(self) -> None:
        self.release.set()
        assert self.runner is not None
        await self.runner.cleanup()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def requests(self, path: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.path == path]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        page = self.pages.get(request.path)
        response = await self.respond(request, page)
        self.seen.append(Seen(request.path, dict(request.headers), response.status))
        return response

    async def respond(self, request: web.Request, page: Page | None) -> web.Response:
        if page is None:
            return web.Response(status=404, text="Niet gevonden")
        if page.hang:
            await self.release.wait()
        if page.status != 200:
            return web.Response(status=page.status, text="Interne fout")
        etag = '"' + hashlib.sha1(page.body).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(
            body=page.body,
            headers={
                "Content-Type": page.content_type,
                "ETag": etag,
                "Last-Modified": LAST_MODIFIED,
            },
        )


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return default_gazetteer()


@pytest.fixture
def intake(store: Store, gazetteer: Gazetteer) -> Intake:
    return Intake(store, gazetteer)


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    served = FeedServer()
    served.pages["/rss.xml"] = Page(rss(RSS_ITEMS))
    served.pages["/atom.xml"] = Page(ATOM, content_type="application/atom+xml")
    served.pages["/500"] = Page(status=500)
    served.pages["/html"] = Page(
        b"<!DOCTYPE html><html><body><p>Welkom<br>op onze site</body></html>",
        content_type="text/html; charset=utf-8",
    )
    served.pages["/garbage"] = Page(b"\x00\x01\xff\xfe nonsens", content_type="text/plain")
    served.pages["/hang"] = Page(hang=True)
    await served.start()
    yield served
    await served.stop()


@pytest.fixture
async def make_poller(intake: Intake) -> AsyncIterator[Callable[..., FeedPoller]]:
    made: list[FeedPoller] = []

    def make(urls: list[str], interval: float = 60.0, **options: float) -> FeedPoller:
        options.setdefault("timeout", 0.3)
        poller = FeedPoller(urls, intake, interval, **options)
        made.append(poller)
        return poller

    yield make
    for poller in made:
        await poller.stop()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- text from entries ----------------------------------------------------------------


def test_html_to_paragraphs_keeps_paragraphs_and_unescapes() -> None:
    html = (
        "<p>Rutte &amp; Schoof   zeggen\n nee.</p><p>Eén<br/>twee &euro;3</p><script>x()</script>"
    )
    assert html_to_paragraphs(html) == ["Rutte & Schoof zeggen nee.", "Eén", "twee €3"]


def test_entry_without_text_gives_no_item() -> None:
    now = datetime(2025, 6, 10, tzinfo=UTC)
    assert entry_to_item({"id": "x", "title": " ", "summary": "<p> </p>"}, "feed:t", now) is None
    assert entry_to_item({"id": "x", "summary": "BERLIJN (DPA) -"}, "feed:t", now) is None


def test_entry_header_only_under_title_keeps_title_as_brief() -> None:
    now = datetime(2025, 6, 10, tzinfo=UTC)
    item = entry_to_item(
        {"title": "Storm in Duitsland", "summary": "BERLIJN (DPA) -", "link": "ftp://x/y"},
        "feed:t",
        now,
    )
    assert item is not None
    assert (item.kind, item.paragraphs, item.dateline, item.agencies) == (
        "brief",
        ("Storm in Duitsland",),
        "BERLIJN",
        ("DPA",),
    )
    assert item.link is None
    assert item.published_at == now
    assert item.guid is not None and item.guid.startswith("sha256:")


def test_backoff_doubles_per_failure_with_jitter_and_cap() -> None:
    for failures, base in [(0, 10), (1, 20), (3, 80), (10, 300), (500, 300)]:
        for _ in range(20):
            assert 0.8 * base <= backoff_delay(10, failures, 300) <= 1.2 * base


# -- polling --------------------------------------------------------------------------


async def test_rss_feed_items_are_stored(
    server: FeedServer, make_poller: Callable[..., FeedPoller], store: Store
) -> None:
    url = server.url("/rss.xml")
    poller = make_poller([url])

    assert await poller.poll(url) == 3

    # Newest first by publication; ids grow with publication time.
    strike, budget, weather = await store.newest(10)
    assert strike.id > budget.id > weather.id  # type: ignore[operator]
    source = f"feed:{url}"

    assert strike.kind == "article"
    assert strike.title == "Staking legt Franse treinen stil"
    assert strike.paragraphs == ("Door een staking rijden vandaag weinig treinen.",)
    assert (strike.dateline, strike.agencies) == ("PARIJS", ("AFP",))
    assert strike.link == "https://nieuws.example/artikel/1"
    assert strike.guid == "nieuws-1"
    assert strike.source == source
    assert strike.section == "Buitenland"
    assert strike.lead is False
    assert strike.published_at == datetime(2025, 6, 10, 7, 30, tzinfo=UTC)
    assert "FR" in strike.regions

    assert budget.kind == "article"
    assert budget.title == "Kabinet & Kamer eens over begroting"
    assert (budget.dateline, budget.agencies) == ("DEN HAAG", ("ANP",))
    assert budget.paragraphs == (
        "Het kabinet en de Kamer zijn het eens over de begroting voor Onderwijs & Cultuur.",
        "Het akkoord kost 2 miljard euro.",
        "De oppositie stemt tegen.",
    )
    assert budget.guid == budget.link == "https://nieuws.example/artikel/2"
    assert budget.section is None
    assert budget.published_at == datetime(2025, 6, 10, 6, 0, tzinfo=UTC)
    assert "NL" in budget.regions

    assert weather.kind == "brief"
    assert weather.title == ""
    assert weather.paragraphs == ("Een korte melding zonder titel over het weer.",)
    assert weather.dateline == ""
    assert weather.link is None  # javascript: is not a link
    assert weather.guid is not None and weather.guid.startswith("sha256:")

    assert await store.count_items() == 3
    requests = server.requests("/rss.xml")
    assert requests[0].headers["User-Agent"].startswith("newsbot/0.1")


async def test_second_poll_is_conditional_and_stores_nothing(
    server: FeedServer, make_poller: Callable[..., FeedPoller], store: Store
) -> None:
    url = server.url("/rss.xml")
    poller = make_poller([url])
    assert await poller.poll(url) == 3

    assert await poller.poll(url) == 0

    first, second = server.requests("/rss.xml")
    assert "If-None-Match" not in first.headers
    assert first.status == 200
    assert second.headers["If-None-Match"].startswith('"')
    assert second.headers["If-Modified-Since"] == LAST_MODIFIED
    assert second.status == 304
    assert await store.count_items() == 3


async def test_new_entry_is_stored_on_the_next_poll(
    server: FeedServer, make_poller: Callable[..., FeedPoller], store: Store
) -> None:
    url = server.url("/rss.xml")
    poller = make_poller([url])
    assert await poller.poll(url) == 3

    server.pages["/rss.xml"] = Page(rss([NEW_RSS_ITEM, *RSS_ITEMS]))
    assert await poller.poll(url) == 1

    assert server.requests("/rss.xml")[-1].status == 200
    newest = (await store.newest(1))[0]
    assert newest.title == "Nieuw bericht uit Parijs"
    assert newest.guid == "nieuws-4"
    assert "FR" in newest.regions
    assert await store.count_items() == 4


async def test_atom_feed_items_are_stored(
    server: FeedServer, make_poller: Callable[..., FeedPoller], store: Store
) -> None:
    url = server.url("/atom.xml")
    poller = make_poller([url])

    assert await poller.poll(url) == 2
    assert await poller.poll(url) == 0
    assert [seen.status for seen in server.requests("/atom.xml")] == [200, 304]

    fire, trains = await store.newest(10)
    assert fire.kind == "article"
    assert fire.title == "Brand in de haven van Antwerpen"
    assert (fire.dateline, fire.agencies) == ("ANTWERPEN", ("BELGA", "ANP"))
    assert fire.paragraphs == ("In de haven woedt een grote brand.", "Niemand raakte gewond.")
    assert fire.link == server.url("/artikel/a1")  # relative link resolved against the feed
    assert fire.guid == "urn:atomnieuws:1"
    assert fire.section == "Buitenland"
    assert fire.published_at == datetime(2025, 6, 10, 8, 0, tzinfo=UTC)
    assert "BE" in fire.regions

    assert trains.kind == "brief"
    assert trains.paragraphs == ("Treinverkeer rond Utrecht weer op gang",)
    assert trains.published_at == datetime(2025, 6, 10, 5, 0, tzinfo=UTC)
    assert "NL" in trains.regions


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/500", "HTTP 500"),
        ("/html", "not an RSS or Atom feed"),
        ("/garbage", "not an RSS or Atom feed"),
        ("/hang", "no answer within 0.3 s"),
    ],
)
async def test_broken_feed_logs_one_warning_and_stores_nothing(
    server: FeedServer,
    make_poller: Callable[..., FeedPoller],
    store: Store,
    caplog: pytest.LogCaptureFixture,
    path: str,
    reason: str,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.feeds")
    url = server.url(path)
    poller = make_poller([url], timeout=0.3)

    assert await poller.poll(url) == 0

    warnings = [r for r in caplog.records if r.name == "bot.feeds"]
    assert len(warnings) == 1
    (warning,) = warnings
    assert warning.levelno == logging.WARNING
    assert reason in warning.getMessage()
    assert "\n" not in warning.getMessage()
    assert warning.exc_info is None
    assert poller.feeds[url].failures == 1
    assert await store.count_items() == 0


async def test_warning_hides_credentials_and_names_refused_connection(
    make_poller: Callable[..., FeedPoller], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.feeds")
    port = closed_port()
    url = f"http://lezer:geheim@127.0.0.1:{port}/feed.xml?token=s3cret"
    poller = make_poller([url])

    assert await poller.poll(url) == 0

    (warning,) = [r for r in caplog.records if r.name == "bot.feeds"]
    message = warning.getMessage()
    assert f"127.0.0.1:{port}/feed.xml" in message
    assert "cannot connect" in message
    assert "geheim" not in message
    assert "s3cret" not in message


async def test_poller_keeps_good_feed_going_and_backs_off_broken_one(
    server: FeedServer,
    make_poller: Callable[..., FeedPoller],
    store: Store,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.feeds")
    broken, good = server.url("/500"), server.url("/rss.xml")
    poller = make_poller([broken, good], interval=0.05, timeout=0.3, max_backoff=5.0)

    poller.start()

    async def settled() -> bool:
        return await store.count_items() == 3 and poller.feeds[broken].failures >= 4

    try:
        await eventually(settled, within=10, what="good feed stored, broken feed failed 4 times")
    finally:
        await poller.stop()

    assert await store.count_items() == 3
    assert len(server.requests("/rss.xml")) >= 2  # the good feed kept being polled
    tries = [seen.at for seen in server.requests("/500")]
    failed = poller.feeds[broken].failures
    assert failed >= 4
    # Stopping may cut off one last try whose failure was not counted yet.
    assert failed <= len(tries) <= failed + 1
    gaps = [later - earlier for earlier, later in itertools.pairwise(tries)]
    # Each wait starts after the failed poll ends, so a gap between two tries is at least the
    # wait before the second: 0.1 s, 0.2 s, 0.4 s less the jitter's 20%.  A loaded machine
    # only lengthens gaps; a poller that did not back off (0.05 s) falls short of the third.
    floors = [0.05 * 2 ** (n + 1) * 0.8 for n in range(3)]
    assert all(gap >= floor for gap, floor in zip(gaps, floors, strict=False)), (gaps, floors)
    assert poller.feeds[good].failures == 0
    failures = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(failures) == failed
    assert all(r.exc_info is None for r in failures)


def _paris_entries(count: int, start: int = 0) -> list[str]:
    return [
        f"""<item><title>Bericht {n} uit Parijs</title><guid>parijs-{n}</guid>
        <pubDate>Tue, 10 Jun 2025 {8 + n // 60:02d}:{n % 60:02d}:00 +0000</pubDate>
        <description>PARIJS (AFP) - Het nieuws van minuut {n} in Frankrijk.</description></item>"""
        for n in reversed(range(start, start + count))
    ]


async def test_a_new_feed_does_not_flood_readers(
    server: FeedServer, make_poller: Callable[..., FeedPoller], store: Store
) -> None:
    """A new feed's first poll stores and alerts only its newest three
    entries; the older ones are skipped, also at later polls and after a restart."""
    await store.touch_chat(1, "private")
    await store.subscribe(1, "r:FR", "Frankrijk")
    url = server.url("/paris.xml")
    server.pages["/paris.xml"] = Page(rss(_paris_entries(40)))
    assert await make_poller([url]).poll(url) == 3
    assert [i.title for i in await store.newest(10)] == [
        "Bericht 39 uit Parijs", "Bericht 38 uit Parijs", "Bericht 37 uit Parijs"
    ]
    assert (await store.delivery_counts()).get("pending") == 3
    server.pages["/paris.xml"] = Page(rss(_paris_entries(41)))  # one new entry
    restarted = make_poller([url])
    assert await restarted.poll(url) == 1
    assert (await store.delivery_counts()).get("pending") == 4
    assert await store.count_items() == 4


async def test_a_feed_read_before_keeps_every_new_entry(
    server: FeedServer, make_poller: Callable[..., FeedPoller], store: Store
) -> None:
    """A feed with entries stored already is not new: after a restart
    every entry it has not stored yet is news (none is taken for backlog)."""
    url = server.url("/paris.xml")
    server.pages["/paris.xml"] = Page(rss(_paris_entries(2)))
    assert await make_poller([url]).poll(url) == 2
    server.pages["/paris.xml"] = Page(rss(_paris_entries(12)))  # ten new while we were away
    assert await make_poller([url]).poll(url) == 10


@pytest.mark.both_backends
async def test_a_feed_configured_with_a_section_gives_its_entries_that_section(
    server: FeedServer, make_poller: Callable[..., FeedPoller], store: Store
) -> None:
    """`NEWSBOT_FEEDS=Sport=https://...`: the operator's section wins over the
    entry's own category; the section is followable (s:sport) and listable."""
    url = server.url("/rss.xml")
    poller = make_poller([f"Sport={url}"])
    assert poller.urls == (url,)
    assert await poller.poll(url) == 3
    assert {item.section for item in await store.newest(10)} == {"Sport"}
    assert await store.sections() == ["Sport"]
    assert len(await store.in_section(["Sport"], 10)) == 3


# -- What a feed may cost, and how it is counted --------------------------------------------


def rss_entry(guid: str, title: str, text: str, minute: int = 0) -> str:
    return (
        f"<item><title>{title}</title><guid isPermaLink=\"false\">{guid}</guid>"
        f"<pubDate>Tue, 10 Jun 2025 09:{minute:02d}:00 +0200</pubDate>"
        f"<description>{text}</description></item>"
    )


async def test_feed_items_are_counted_as_feed_in_metrics(
    server: FeedServer, make_poller: Callable[..., FeedPoller], intake: Intake
) -> None:
    """/metrics counts a feed's items under source="feed", never "other"."""
    metrics = Metrics()
    intake.on_new_item = metrics.item_stored
    url = server.url("/rss.xml")
    assert await make_poller([url]).poll(url) == 3
    assert metrics.registry.get_sample_value(
        "newsbot_items_stored_total", {"source": "feed"}
    ) == 3
    assert metrics.registry.get_sample_value(
        "newsbot_items_stored_total", {"source": "other"}
    ) is None


async def test_a_big_feed_is_parsed_off_the_event_loop(
    server: FeedServer,
    make_poller: Callable[..., FeedPoller],
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While a feed is parsed, the event loop keeps running (readers get replies).

    The parse itself waits until the loop has run a task meanwhile; on the loop's own
    thread that can never happen, and the wait fails loudly instead of hanging.
    """
    parsing, loop_ran = threading.Event(), threading.Event()
    parse = feedparser.parse

    def parse_and_watch(*args: Any, **kwargs: Any) -> Any:
        parsing.set()
        if not loop_ran.wait(timeout=10):
            raise AssertionError("the event loop did not run while the feed was parsed")
        return parse(*args, **kwargs)

    monkeypatch.setattr(feedparser, "parse", parse_and_watch)

    async def heartbeat() -> None:
        while True:
            await asyncio.sleep(0.005)
            if polling.done():
                return
            if parsing.is_set():
                loop_ran.set()  # the loop ran a task while the feed was being parsed

    big = [rss_entry(f"groot-{n}", f"Bericht {n}", "Tekst " * 200, n % 60) for n in range(200)]
    server.pages["/big.xml"] = Page(rss(big))
    url = server.url("/big.xml")
    polling = asyncio.create_task(make_poller([url]).poll(url))
    await asyncio.gather(polling, heartbeat())
    assert polling.result() == feeds.FIRST_POLL_NEWEST  # a new feed: its newest few
    assert await store.count_items() == feeds.FIRST_POLL_NEWEST


async def test_a_feed_that_makes_up_new_entries_every_poll_is_capped(
    server: FeedServer,
    make_poller: Callable[..., FeedPoller],
    store: Store,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """New guids and texts on every poll: at most MAX_NEW_PER_POLL a poll and
    MAX_NEW_PER_HOUR in an hour, with a warning line when the cap holds some back."""
    url = server.url("/churn.xml")
    counter = itertools.count()

    def fresh_page() -> Page:
        entries = []
        for _ in range(25):
            n = next(counter)
            entries.append(rss_entry(f"churn-{n}", f"Nieuw {n}", f"Uniek bericht {n}.", n % 60))
        return Page(rss(entries))

    poller = make_poller([url])
    server.pages["/churn.xml"] = fresh_page()
    first = await poller.poll(url)  # a new feed: its newest few, the rest backlog
    assert first == feeds.FIRST_POLL_NEWEST
    caplog.set_level(logging.WARNING, logger="bot.feeds")
    per_poll = []
    for _ in range(6):
        server.pages["/churn.xml"] = fresh_page()
        per_poll.append(await poller.poll(url))
    assert all(n <= feeds.MAX_NEW_PER_POLL for n in per_poll), per_poll
    assert first + sum(per_poll) == feeds.MAX_NEW_PER_HOUR  # then nothing more this hour
    assert per_poll[-1] == 0
    warnings = [r.getMessage() for r in caplog.records if "over the cap" in r.getMessage()]
    assert len(warnings) == 6


async def test_an_entry_changed_under_its_guid_is_a_correction(
    server: FeedServer, make_poller: Callable[..., FeedPoller], store: Store
) -> None:
    """The feed fixes an entry under the same guid: the stored item reads the
    new text (through Intake.revise, as /corrigeer), no second item."""
    url = server.url("/rss.xml")
    poller = make_poller([url])
    assert await poller.poll(url) == 3
    strike = next(i for i in await store.newest(10) if i.guid == "nieuws-1")
    fixed = RSS_ITEMS[0].replace(
        "Door een staking rijden vandaag weinig treinen.",
        "Door een staking rijden vandaag geen treinen.",
    )
    server.pages["/rss.xml"] = Page(rss([fixed, *RSS_ITEMS[1:]]))
    assert await poller.poll(url) == 0  # nothing new ...
    assert await store.count_items() == 3
    corrected = await store.item(strike.id)  # type: ignore[arg-type]
    assert corrected is not None
    assert corrected.paragraphs == ("Door een staking rijden vandaag geen treinen.",)
    assert corrected.dateline == "PARIJS"
    # Polled again unchanged: no further correction, nothing new.
    server.pages["/rss.xml"] = Page(rss([fixed, *RSS_ITEMS[1:]]) + b" ")
    assert await poller.poll(url) == 0
    assert (await store.item(strike.id)) == corrected  # type: ignore[arg-type]
