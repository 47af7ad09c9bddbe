"""Building the python-telegram-bot Application: request backend, limits, handlers, sender.

The store, the gazetteer and the sender start in `post_init` and stop in
`post_stop`/`post_shutdown`, so that the same builder serves `newsbot run` (PTB's
`run_polling`) and the tests (which run the application in their own event loop).
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import BotCommand, BotCommandScopeChat, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, Defaults
from telegram.request import BaseRequest

import handlers
from bot.delivery.ratelimit import Limits, RateLimiter
from bot.delivery.sender import Sender, TelegramLimiter
from bot.delivery.telegram_http import AiohttpRequest
from bot.feeds import FeedPoller
from bot.intake import Intake
from bot.news.regions import default_gazetteer
from bot.services import SERVICES_KEY, Services
from bot.settings import Settings
from handlers.commands import ADMIN_COMMANDS, READER_COMMANDS
from storage import Store

log = logging.getLogger(__name__)


def build_application(
    settings: Settings,
    *,
    send_alerts: bool = True,
    request: BaseRequest | None = None,
    limits: Limits | None = None,
) -> Application:  # type: ignore[type-arg]
    """The bot's Application, not yet initialised.  Needs `settings.token`.

    ``request`` replaces the HTTP backend and ``limits`` Telegram's limits (the offline
    console answers in-process and has no reason to wait).
    """
    if settings.token is None:
        raise ValueError("NEWSBOT_TOKEN is not set")
    if limits is None:
        limits = Limits(paid_per_second=1000 if settings.paid_broadcast else None)
    limiter = RateLimiter(limits)

    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        store = await Store.open(settings.db)
        svc = Services(settings=settings, store=store, intake=Intake(store, default_gazetteer()))
        svc.intake.on_stored = svc.replies.clear
        if send_alerts:
            svc.sender = Sender(app.bot, store, limiter, settings)
            svc.intake.on_queued = svc.sender.wake
            svc.sender.start()
        if settings.feeds:
            svc.feeds = FeedPoller(settings.feeds, svc.intake, settings.feed_interval)
            svc.feeds.start()
        app.bot_data[SERVICES_KEY] = svc
        # The gazetteer and PTB are ~100,000 long-lived objects; frozen, the garbage
        # collector stops walking them (its pauses caused 429s at 1000 sends/s).
        gc.collect()
        gc.freeze()
        await app.bot.set_my_commands([BotCommand(c, d) for c, d in READER_COMMANDS])
        # Admins see their own commands too, in their private chat with the bot.
        for admin in settings.admins:
            try:
                await app.bot.set_my_commands(
                    [BotCommand(c, d) for c, d in READER_COMMANDS + ADMIN_COMMANDS],
                    scope=BotCommandScopeChat(admin),
                )
            except TelegramError as exc:  # e.g. the admin never opened a chat with the bot
                log.warning("no admin command list for %s: %s", admin, exc)
        log.info("bot @%s ready, database %s", app.bot.username, settings.db)

    async def post_stop(app: Application) -> None:  # type: ignore[type-arg]
        svc = app.bot_data.get(SERVICES_KEY)
        if not isinstance(svc, Services):
            return
        # A failure here must not skip shutdown (PTB would then leave the database open).
        try:
            if svc.feeds is not None:
                await svc.feeds.stop()
            if svc.sender is not None:
                await svc.sender.stop()
        except Exception:
            log.exception("stopping the sender or the feeds failed")

    async def post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
        svc = app.bot_data.pop(SERVICES_KEY, None)
        if isinstance(svc, Services):
            await svc.store.close()

    app = (
        ApplicationBuilder()
        .token(settings.token.get_secret_value())
        .base_url(settings.bot_base_url)
        .base_file_url(settings.file_base_url)
        .request(request or AiohttpRequest())
        # getUpdates long-polls: its read timeout must outlast the poll timeout.
        .get_updates_request(
            request or AiohttpRequest(connection_pool_size=1, read_timeout=40.0)
        )
        .rate_limiter(TelegramLimiter(limiter))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        # Replies are answered concurrently, so one slow reader does not hold up the rest.
        .concurrent_updates(True)
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .build()
    )
    handlers.register(app)
    return app


@asynccontextmanager
async def running(app: Application) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """Run the application inside the caller's event loop, hooks included.

    `run_polling` calls post_init/post_stop/post_shutdown itself; the tests and the
    console drive the application in their own loop, and this does the same steps.
    """
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        try:
            yield app
        finally:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)
    finally:
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
