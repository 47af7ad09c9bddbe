"""Building the python-telegram-bot Application: request backend, limits, handlers, sender.

The store, the gazetteer, the sender and the metrics server start in `post_init` and stop
in `post_stop`/`post_shutdown`, so that the same builder serves `newsbot run` (PTB's
`run_polling`, or bot.webhook in webhook mode) and the tests (which run the application in
their own event loop).
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import BotCommand, BotCommandScopeChat, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults, TypeHandler
from telegram.request import BaseRequest

import handlers
from bot.delivery.ratelimit import Limits, RateLimiter
from bot.delivery.sender import Sender, TelegramLimiter
from bot.delivery.telegram_http import AiohttpRequest
from bot.feeds import FeedPoller
from bot.intake import Intake
from bot.metrics import Metrics, MonitorServer
from bot.news.regions import default_gazetteer
from bot.services import SERVICES_KEY, Services, services
from bot.settings import Settings, parse_listen
from handlers.commands import ADMIN_COMMANDS, READER_COMMANDS
from storage import Store

log = logging.getLogger(__name__)

# The updates the handlers use; polling and the webhook ask Telegram for the same ones.
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
MONITOR_KEY = "monitor"


async def count_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Count every update by kind (a group of its own, before the handlers)."""
    services(context).metrics.update_seen(update)


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
    metrics = Metrics()

    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        store = await Store.open(settings.db)
        svc = Services(
            settings=settings, store=store, intake=Intake(store, default_gazetteer()),
            metrics=metrics,
        )
        svc.intake.on_stored = svc.replies.clear
        svc.intake.on_new_item = metrics.item_stored
        if send_alerts:
            svc.sender = Sender(app.bot, store, limiter, settings, metrics=metrics)
            svc.intake.on_queued = svc.sender.wake
            svc.sender.start()
        if settings.feeds:
            svc.feeds = FeedPoller(settings.feeds, svc.intake, settings.feed_interval)
            svc.feeds.start()
        app.bot_data[SERVICES_KEY] = svc
        if settings.metrics_listen and send_alerts:
            host, port = parse_listen(settings.metrics_listen)
            monitor = MonitorServer(svc, app.bot, host, port, settings.health_window)
            await monitor.start()
            app.bot_data[MONITOR_KEY] = monitor
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
        log.info("bot @%s ready, database %s", app.bot.username, settings.db_label)

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
        monitor = app.bot_data.pop(MONITOR_KEY, None)
        if isinstance(monitor, MonitorServer):
            await monitor.stop()
        svc = app.bot_data.pop(SERVICES_KEY, None)
        if isinstance(svc, Services):
            await svc.store.close()

    app = (
        ApplicationBuilder()
        .token(settings.token.get_secret_value())
        .base_url(settings.bot_base_url)
        .base_file_url(settings.file_base_url)
        .request(request or AiohttpRequest(observer=metrics.telegram_answer))
        # getUpdates long-polls: its read timeout must outlast the poll timeout.
        .get_updates_request(
            request
            or AiohttpRequest(
                connection_pool_size=1, read_timeout=40.0, observer=metrics.telegram_answer
            )
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
    app.add_handler(TypeHandler(Update, count_update), group=-1)
    handlers.register(app)
    return app


def monitor_of(app: Application) -> MonitorServer | None:  # type: ignore[type-arg]
    """The running metrics/health server, if NEWSBOT_METRICS_LISTEN is set."""
    found = app.bot_data.get(MONITOR_KEY)
    return found if isinstance(found, MonitorServer) else None


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
