"""Building the python-telegram-bot Application: request backend, limits, handlers, sender.

The store, the gazetteer, the sender and the metrics server start in `post_init` and stop
in `post_stop`/`post_shutdown`, so that the same builder serves `newsbot run` (PTB's
`run_polling`, or bot.webhook in webhook mode) and the tests (which run the application in
their own event loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import Bot, BotCommand, BotCommandScopeChat, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults, TypeHandler
from telegram.request import BaseRequest

import handlers
import storage
from bot.admission import ChatAdmission
from bot.channel import setup_channel
from bot.delivery.ptb_limiter import TelegramLimiter
from bot.delivery.ratelimit import Limits, RateLimiter
from bot.delivery.retry import Timings
from bot.delivery.schedule import OverviewScheduler
from bot.delivery.sender import Sender
from bot.delivery.telegram_http import AiohttpRequest
from bot.duties import Duties
from bot.feeds import FeedPoller
from bot.intake import Intake
from bot.metrics import Metrics, MonitorServer
from bot.news.items import Item
from bot.news.match import item_keys
from bot.news.regions import default_gazetteer
from bot.pauses import PauseTimer
from bot.replycache import ReplyCache
from bot.services import SERVICES_KEY, Services, services
from bot.settings import Settings, parse_listen
from handlers.commands import ADMIN_COMMANDS, READER_COMMANDS
from storage import Store, is_connection_error

log = logging.getLogger(__name__)

# The updates the handlers use (inline_query: @bot <woorden>); polling and the webhook ask
# Telegram for the same ones.
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member", "inline_query"]
MONITOR_KEY = "monitor"
DUTIES_KEY = "duties"
DB_RETRY = 2.0  # seconds between tries to reach the database at start


async def open_store(settings: Settings) -> Store:
    """Open the database, waiting for it if it is not reachable yet (one log line)."""
    logged = False
    while True:
        try:
            return await storage.open_store(settings.db)
        except Exception as exc:
            if not is_connection_error(exc):
                raise
            if not logged:
                log.warning("database %s unreachable (%s); retrying every %.0f s",
                            settings.db_label, type(exc).__name__, DB_RETRY)
                logged = True
        await asyncio.sleep(DB_RETRY)


def _nothing() -> None:
    return None


async def count_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Count every update by kind (a group of its own, before the handlers)."""
    services(context).metrics.update_seen(update)


def build_application(
    settings: Settings,
    *,
    send_alerts: bool = True,
    request: BaseRequest | None = None,
    limits: Limits | None = None,
    poll_updates: bool = False,
    timings: Timings | None = None,
    combine: bool = True,
) -> Application:  # type: ignore[type-arg]
    """The bot's Application, not yet initialised.  Needs `settings.token`.

    ``poll_updates``: call getUpdates only while holding the sender's lease (two
    processes on one PostgreSQL database; :func:`serve_polling`).

    ``request`` replaces the HTTP backend and ``limits`` Telegram's limits (the offline
    console answers in-process and has no reason to wait); ``timings`` the sender's
    backoffs (tests shorten them).  ``combine`` False sends every alert on its own (the
    combining benchmark's comparison).
    """
    if settings.token is None:
        raise ValueError("NEWSBOT_TOKEN is not set")
    if limits is None:
        limits = Limits(paid_per_second=1000 if settings.paid_broadcast else None)
    limiter = RateLimiter(limits)
    metrics = Metrics()

    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        store = await open_store(settings)
        gazetteer = default_gazetteer()
        replies = ReplyCache()
        store.on_items.append(replies.clear)  # another process changed the news
        sender: Sender | None = None
        if send_alerts:
            # Before the sender starts, so the channel's row is in place for the first item.
            await setup_channel(app.bot, store, settings.channel)

            def match_keys(item: Item) -> list[str]:
                # What an item matches now, for an alert whose subscription was given up.
                return item_keys(item, gazetteer.find(item.text), store.followed)

            sender = Sender(
                app.bot, store, limiter, settings,
                match_keys=match_keys, metrics=metrics, timings=timings, combine=combine,
            )
            store.on_outbox.append(sender.wake)  # another process queued alerts
            store.on_item_changed.append(sender.changed_elsewhere)
        intake = Intake(
            store, gazetteer,
            sender=sender,
            on_queued=sender.wake if sender is not None else None,
            on_changed=replies.clear,
            on_new_item=metrics.item_stored,
        )
        # Held alerts released (an overview due, a pause ended): the sender looks now.
        release = sender.wake if sender is not None else _nothing
        svc = Services(
            settings=settings, store=store, intake=intake, metrics=metrics, replies=replies,
            sender=sender,
            overviews=OverviewScheduler(store, settings.tz, on_release=release),
            pauses=PauseTimer(store, on_release=release),
            feeds=(FeedPoller(settings.feeds, intake, settings.feed_interval)
                   if settings.feeds else None),
        )
        lease = store.lease()

        async def begin_duties() -> None:
            if lease.can_be_lost:
                limiter.assume_spent()  # the process before us may have just sent
            if svc.sender is not None:
                svc.sender.start()
                # After the sender: overviews missed while the bot was down go out now.
                svc.overviews.start()
                svc.pauses.start()
            if svc.feeds is not None:
                svc.feeds.start()
            if poll_updates and app.updater is not None:
                await app.updater.start_polling(allowed_updates=ALLOWED_UPDATES)

        async def end_duties() -> None:
            if poll_updates and app.updater is not None and app.updater.running:
                await app.updater.stop()
            if svc.feeds is not None:
                await svc.feeds.stop()
            await svc.overviews.stop()
            await svc.pauses.stop()
            if svc.sender is not None:
                await svc.sender.stop()

        if svc.sender is not None or svc.feeds is not None or poll_updates:
            # Nothing to do, no lease taken: a console must not keep the bot from sending.
            duties = Duties(lease, begin_duties, end_duties)
            app.bot_data[DUTIES_KEY] = duties
            await duties.start()
        app.bot_data[SERVICES_KEY] = svc
        if settings.metrics_listen and send_alerts:
            host, port = parse_listen(settings.metrics_listen)
            monitor = MonitorServer(
                svc, app.bot, host, port, settings.health_window,
                standby=lambda: not duties.held,
            )
            await monitor.start()
            app.bot_data[MONITOR_KEY] = monitor
        # The gazetteer and PTB are a great many long-lived objects; frozen, the garbage
        # collector stops walking them (its pauses, at 1000 sends/s, bunch sends into 429s).
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
        duties = app.bot_data.pop(DUTIES_KEY, None)
        try:
            if isinstance(duties, Duties):
                await duties.stop()
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
        # Replies are answered concurrently, so one slow reader does not hold up the rest;
        # a chat that sends more than it can be answered gets only a few in hand at a time.
        .concurrent_updates(
            ChatAdmission(exempt=settings.admins, on_dropped=metrics.update_dropped)
        )
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


class TokenRefused(Exception):
    """Telegram refused NEWSBOT_TOKEN (401 Unauthorized; 404 for a malformed token)."""


START_BACKOFF = 1.0  # seconds before the second getMe at start-up, doubling ...
START_BACKOFF_CAP = 30.0  # ... up to this


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM (installed at once, so a wait can be cut short)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop


async def wait_for_telegram(
    settings: Settings,
    stop: asyncio.Event,
    *,
    backoff: float = START_BACKOFF,
    cap: float = START_BACKOFF_CAP,
) -> bool:
    """Before serving: call getMe until Telegram answers.  False when `stop` came first.

    Telegram unreachable or answering 5xx: one WARNING line per attempt (no traceback),
    the next after `backoff` seconds, doubling up to `cap`.  A refused token raises
    TokenRefused: waiting would not help.  Everything it opened is closed again, also
    when stopped mid-call (no "Unclosed client session").
    """
    assert settings.token is not None
    requests = (AiohttpRequest(connection_pool_size=1), AiohttpRequest(connection_pool_size=1))
    bot = Bot(
        settings.token.get_secret_value(),
        base_url=settings.bot_base_url,
        base_file_url=settings.file_base_url,
        request=requests[0],
        get_updates_request=requests[1],
    )
    delay, attempt = backoff, 0
    try:
        for request in requests:
            await request.initialize()
        while not stop.is_set():
            attempt += 1
            call = asyncio.ensure_future(bot.get_me())
            stopped = asyncio.ensure_future(stop.wait())
            try:
                await asyncio.wait({call, stopped}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                stopped.cancel()
                if not call.done():
                    call.cancel()
                    with contextlib.suppress(asyncio.CancelledError, TelegramError):
                        await call
            if not call.done() or call.cancelled():
                return False
            error = call.exception()
            if error is None:
                return True
            if isinstance(error, InvalidToken):
                raise TokenRefused() from None  # its message holds the token: not shown
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            log.warning(
                "Telegram is not reachable (attempt %d: %s); trying again in %.0f s",
                attempt, reason, delay,
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(cap, delay * 2)
        return False
    finally:
        for request in requests:
            await request.shutdown()


async def serve_polling(settings: Settings) -> None:
    """`newsbot run` with long polling, until SIGINT/SIGTERM.

    First waits for Telegram (wait_for_telegram).  PTB's run_polling would call getUpdates
    at once; here the holder of the sender's lease polls (on SQLite always this process;
    on PostgreSQL a second process waits to take over, bot/duties.py).
    """
    stop = stop_on_signals()
    if not await wait_for_telegram(settings, stop):
        return
    app = build_application(settings, poll_updates=True)

    async def run() -> None:
        async with running(app):
            await stop.wait()
            log.info("stopping")

    task = asyncio.create_task(run())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    if not task.done() and app.bot_data.get(SERVICES_KEY) is None:
        task.cancel()  # still waiting for the database at start: nothing to wind down
    with contextlib.suppress(asyncio.CancelledError):
        await task
    stopping.cancel()
