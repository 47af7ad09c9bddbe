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
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import secrets
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

    async def start(self) -> None:
        """Listen, then tell Telegram where to post (it may post at once)."""
        svc = self.app.bot_data[SERVICES_KEY]
        secret = await webhook_secret(self.settings, svc)
        self._secret = secret.encode()
        web_app = web.Application(client_max_size=MAX_BODY)
        web_app.router.add_post(self.path, self._handle)
        runner = web.AppRunner(web_app, access_log=None, handle_signals=False)
        await runner.setup()
        # aiohttp's default backlog (128) drops connections past it in a burst; the kernel
        # retries them a second later, which shows as a one-second tail in a burst of posts
        # (bench_webhook, docs/benchmarks.md).  The kernel caps it at net.core.somaxconn.
        await web.TCPSite(runner, self.host, self.port, backlog=BACKLOG).start()
        self._runner = runner
        for address in runner.addresses:
            if isinstance(address, tuple) and len(address) >= 2:
                self.port = int(address[1])
                break
        await self.app.bot.set_webhook(
            self.url, secret_token=secret, allowed_updates=ALLOWED_UPDATES
        )
        log.info("webhook mode: listening on %s:%d%s", self.host, self.port, self.path)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, self._secret):
            return web.Response(status=403, text="wrong secret token")
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413, text="body over 1 MiB")
        try:
            body = await request.read()  # aiohttp stops at client_max_size (chunked bodies)
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413, text="body over 1 MiB")
        try:
            data = json.loads(body)
        except ValueError:
            return web.Response(status=400, text="body is not JSON")
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.Response(status=400, text="not a Telegram update")
        try:
            update = Update.de_json(data, self.app.bot)
        except Exception:  # malformed fields: PTB raises whatever its constructors raise
            return web.Response(status=400, text="not a Telegram update")
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
