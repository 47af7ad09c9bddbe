"""Building the python-telegram-bot Application: request backend, defaults, handlers.

The store is opened in `post_init` and closed in `post_shutdown`, so that the same
builder serves `newsbot run` (PTB's `run_polling`) and the tests (which start the
application inside their own event loop).
"""

from __future__ import annotations

import logging

from telegram import BotCommand, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, Defaults

import handlers
from bot.commands import READER_COMMANDS
from bot.services import SERVICES_KEY, Services
from bot.settings import Settings
from bot.telegram_http import AiohttpRequest
from storage import Store

log = logging.getLogger(__name__)


def build_application(settings: Settings) -> Application:  # type: ignore[type-arg]
    """The bot's Application, not yet initialised.  Needs `settings.token`."""
    if settings.token is None:
        raise ValueError("NEWSBOT_TOKEN is not set")

    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        store = await Store.open(settings.db)
        app.bot_data[SERVICES_KEY] = Services(settings=settings, store=store)
        await app.bot.set_my_commands([BotCommand(c, d) for c, d in READER_COMMANDS])
        log.info("bot @%s ready, database %s", app.bot.username, settings.db)

    async def post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
        found = app.bot_data.pop(SERVICES_KEY, None)
        if isinstance(found, Services):
            await found.store.close()

    app = (
        ApplicationBuilder()
        .token(settings.token.get_secret_value())
        .base_url(settings.bot_base_url)
        .base_file_url(settings.file_base_url)
        .request(AiohttpRequest())
        # getUpdates long-polls: its read timeout must outlast the poll timeout.
        .get_updates_request(AiohttpRequest(connection_pool_size=1, read_timeout=40.0))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    handlers.register(app)
    return app
