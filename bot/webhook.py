"""Webhook mode: Telegram posts updates to the bot's own HTTP server instead of being polled.

Set `NEWSBOT_WEBHOOK_URL` (the public https URL, behind nginx or Caddy) and the bot listens
on `NEWSBOT_WEBHOOK_LISTEN` at that URL's path.  On start it calls `setWebhook` with the
URL, the secret and the same `allowed_updates` as polling; it does not delete the webhook
on stop, so Telegram keeps the updates that arrive during a restart and posts them after.

The server is aiohttp's, in the bot's own event loop.  PTB's `run_webhook` would bring
tornado, a second HTTP stack beside the aiohttp one every Bot API call already goes
through, and it owns the event loop (which would keep the metrics server and the tests from
sharing it).  A handler of our own is a few lines and says exactly what it checks:

* the `X-Telegram-Bot-Api-Secret-Token` header must equal the secret (compared in constant
  time), else 403 and the body is not even read;
* a body over 1 MiB gets 413 (Telegram's updates are a few KiB), one that is not a JSON
  object, or not an update, 400;
* an accepted update goes into PTB's update queue, exactly where polling puts it, and is
  answered 200 at once: handlers run concurrently and reply through the Bot API (with the
  same rate limiter), never in the webhook's HTTP answer.

The secret is `NEWSBOT_WEBHOOK_SECRET`, or when unset one generated on the first start and
kept in the database (`meta` table), so a restart does not reject Telegram's retries.

The port is open to anyone, so what a client may cost is bounded:

* the body's shape is checked before anything else: JSON nested too deep for the parser,
  an `update_id` that is not a plain integer in 0..2^63-1 (JSON's `true` is no number),
  an update whose kind is not an object: 400, never a 500 and a traceback;
* every update_id is handled once: Telegram posts an update again when it saw no 2xx (a
  timeout, a restart), and the last `SEEN_WINDOW` ids are remembered (a bounded window:
  Telegram's ids only grow, and a repeat comes within minutes, not 10,000 updates later);
* a request must arrive whole (headers and body) within `REQUEST_TIMEOUT` seconds of its
  first byte, else the connection is closed: a client that sends a byte a second holds a
  connection for 10 s, not for ever (aiohttp itself has no header or body read timeout);
* at most `max_connections` are open at once (a quarter of the process's file descriptors,
  at most `MAX_CONNECTIONS`), so the process never runs out of descriptors (accept()
  failing with EMFILE in a loop is what filled the log).  At the cap a new connection does
  not wait and is not refused: the oldest connection that has not yet shown the secret is
  closed for it.  A connection that showed the secret (Telegram's, kept alive for the next
  update) is never closed for another one, so Telegram always gets in.  One log line a
  minute at most says how many connections were cut.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import resource
import secrets
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.app import (
    ALLOWED_UPDATES,
    build_application,
    running,
    stop_on_signals,
    wait_for_telegram,
)
from bot.services import SERVICES_KEY, Services
from bot.settings import Settings, parse_listen

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024  # 1 MiB
BACKLOG = 1024
SECRET_KEY = "webhook_secret"  # its name in the database's meta table
REQUEST_TIMEOUT = 10.0  # seconds from a request's first byte to its whole body
MAX_CONNECTIONS = 1000
SEEN_WINDOW = 10_000  # update_ids remembered to handle each once
MAX_UPDATE_ID = 2**63 - 1
CUT_LOG_EVERY = 60.0  # seconds between two "connections cut" lines
UPDATE_KINDS = frozenset(ALLOWED_UPDATES) | {
    "edited_message", "channel_post", "edited_channel_post", "chosen_inline_result",
    "chat_member", "chat_join_request", "shipping_query", "pre_checkout_query", "poll",
    "poll_answer", "message_reaction", "message_reaction_count", "chat_boost",
    "removed_chat_boost", "business_connection", "business_message",
    "edited_business_message", "deleted_business_messages", "purchased_paid_media",
}


def connection_cap() -> int:
    """How many connections may be open: a quarter of the descriptors, at most
    MAX_CONNECTIONS (the rest: the database, Bot API calls, metrics, logs)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(16, min(MAX_CONNECTIONS, soft // 4))


def shape_problem(data: object) -> str | None:
    """Why `data` (parsed JSON) is not a Telegram update, or None when its shape is one."""
    if not isinstance(data, dict):
        return "not a JSON object"
    update_id = data.get("update_id")
    if type(update_id) is not int or not 0 <= update_id <= MAX_UPDATE_ID:
        return "update_id is not an integer"
    kinds = [key for key in data if key != "update_id"]
    if any(key in UPDATE_KINDS and not isinstance(data[key], dict) for key in kinds):
        return "the update is not an object"
    return None


class _Guard:
    """The open connections of one server: their deadlines and the cap."""

    def __init__(self, cap: int, timeout: float) -> None:
        self.cap = cap
        self.timeout = timeout
        self.open: OrderedDict[asyncio.BaseTransport, _Connection] = OrderedDict()
        self.cut = 0
        self._logged_at = float("-inf")

    def admit(self, conn: _Connection) -> None:
        """Register a new connection; at the cap, close the oldest one not trusted."""
        while len(self.open) >= self.cap:
            victim = next((c for c in self.open.values() if not c.trusted), None)
            if victim is None:  # all trusted: the newcomer is the one that goes
                conn.drop()
                return
            victim.drop()
        assert conn.transport is not None
        self.open[conn.transport] = conn

    def forget(self, conn: _Connection) -> None:
        if conn.transport is not None:
            self.open.pop(conn.transport, None)

    def count_cut(self) -> None:
        self.cut += 1
        now = time.monotonic()
        if now - self._logged_at >= CUT_LOG_EVERY:
            self._logged_at = now
            log.warning(
                "webhook: %d connection(s) cut so far (slow, or past the cap of %d open)",
                self.cut, self.cap,
            )


class _Connection(asyncio.Protocol):
    """aiohttp's protocol for one connection, with a deadline on each request.

    Delegates everything to aiohttp's handler; adds a timer that starts with a request's
    first byte and stops when the handler has read its whole body (`request_read`).
    """

    def __init__(self, inner: asyncio.Protocol, guard: _Guard) -> None:
        self.inner = inner
        self.guard = guard
        self.transport: asyncio.Transport | None = None
        self.trusted = False  # showed the secret once
        self.dropped = False
        self._timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.inner.connection_made(transport)
        self._start_timer()
        self.guard.admit(self)

    def data_received(self, data: bytes) -> None:
        if self._timer is None:
            self._start_timer()  # the first byte of the next request on a kept connection
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received()

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timer()
        self.guard.forget(self)
        self.inner.connection_lost(exc)

    def request_read(self, trusted: bool) -> None:
        """The handler has the whole request: its deadline is met."""
        self._stop_timer()
        self.trusted = self.trusted or trusted

    def drop(self) -> None:
        """Close the connection now (too slow, or room needed)."""
        if self.dropped or self.transport is None:
            return
        self.dropped = True
        self._stop_timer()
        self.guard.forget(self)
        self.guard.count_cut()
        self.transport.abort()

    def _start_timer(self) -> None:
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self.guard.timeout, self.drop)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


async def webhook_secret(settings: Settings, svc: Services) -> str:
    """The configured secret, else the one kept in the database (made on first use)."""
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    return await svc.store.keep(SECRET_KEY, secrets.token_urlsafe(32))


class WebhookServer:
    """Receives Telegram's updates over HTTP and hands them to the Application."""

    def __init__(
        self, app: Application[Any, Any, Any, Any, Any, Any], settings: Settings
    ) -> None:
        if not settings.webhook_url:
            raise ValueError("NEWSBOT_WEBHOOK_URL is not set")
        self.app = app
        self.url = settings.webhook_url
        self.path = settings.webhook_path
        self.host, self.port = parse_listen(settings.webhook_listen)
        self.settings = settings
        self.received = 0
        self._secret = b""
        self._runner: web.AppRunner | None = None
        self._server: asyncio.Server | None = None
        self._guard = _Guard(connection_cap(), REQUEST_TIMEOUT)
        self._seen: OrderedDict[int, None] = OrderedDict()

    async def start(self) -> None:
        """Listen, then tell Telegram where to post (it may post at once)."""
        svc = self.app.bot_data[SERVICES_KEY]
        secret = await webhook_secret(self.settings, svc)
        self._secret = secret.encode()
        web_app = web.Application(client_max_size=MAX_BODY)
        web_app.router.add_post(self.path, self._handle)
        runner = web.AppRunner(web_app, access_log=None, handle_signals=False)
        await runner.setup()
        self._runner = runner
        aiohttp_server = runner.server
        assert aiohttp_server is not None
        guard = self._guard
        # Our own listening socket rather than web.TCPSite, to put a _Connection around
        # each of aiohttp's protocols.  aiohttp's default backlog (128) drops connections
        # past it in a burst; the kernel retries them a second later, which shows as a
        # one-second tail in a burst of posts (bench_webhook, docs/benchmarks.md).  The
        # kernel caps it at net.core.somaxconn.
        self._server = await asyncio.get_running_loop().create_server(
            lambda: _Connection(aiohttp_server(), guard),
            self.host, self.port, backlog=BACKLOG,
        )
        for sock in self._server.sockets:
            self.port = int(sock.getsockname()[1])
            break
        await self.app.bot.set_webhook(
            self.url, secret_token=secret, allowed_updates=ALLOWED_UPDATES
        )
        log.info("webhook mode: listening on %s:%d%s", self.host, self.port, self.path)

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()  # no new connections; the open ones are aiohttp's to finish
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        for conn in list(self._guard.open.values()):
            conn.drop()

    async def _handle(self, request: web.Request) -> web.Response:
        conn = self._guard.open.get(request.transport)  # type: ignore[arg-type]
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, self._secret):
            if conn is not None:
                conn.request_read(trusted=False)  # answered at once; its body is not read
            return web.Response(status=403, text="wrong secret token")
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413, text="body over 1 MiB")
        try:
            body = await request.read()  # aiohttp stops at client_max_size (chunked bodies)
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413, text="body over 1 MiB")
        if conn is not None:
            conn.request_read(trusted=True)
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):  # RecursionError: nested too deep to parse
            return web.Response(status=400, text="body is not JSON")
        problem = shape_problem(data)
        if problem is not None:
            return web.Response(status=400, text=f"not a Telegram update: {problem}")
        try:
            update = Update.de_json(data, self.app.bot)
        except Exception:  # malformed fields: PTB raises whatever its constructors raise
            return web.Response(status=400, text="not a Telegram update")
        if update.update_id in self._seen:
            # Telegram's retry of one we took: 200, and nothing more.
            log.debug("update %d posted again; answered 200, not handled again", update.update_id)
            return web.Response(status=200)
        self._seen[update.update_id] = None
        if len(self._seen) > SEEN_WINDOW:
            self._seen.popitem(last=False)
        self.received += 1
        await self.app.update_queue.put(update)
        return web.Response(status=200)


@contextlib.asynccontextmanager
async def webhook_server(
    app: Application[Any, Any, Any, Any, Any, Any], settings: Settings
) -> AsyncIterator[WebhookServer]:
    """A started WebhookServer for a running Application (tests drive it this way)."""
    server = WebhookServer(app, settings)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def serve(settings: Settings) -> None:
    """`newsbot run` in webhook mode (once Telegram answers): until SIGINT or SIGTERM."""
    stop = stop_on_signals()
    if not await wait_for_telegram(settings, stop):
        return
    async with running(build_application(settings)) as app, webhook_server(app, settings):
        await stop.wait()
        log.info("stopping")
