"""The one error handler: log the exception, apologise in the chat, keep running."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import ContextTypes

log = logging.getLogger(__name__)

SORRY = "Sorry, er ging iets mis. Probeer het over een ogenblik opnieuw."


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error and, where there is a chat, answer politely."""
    error = context.error
    # In PTB 22 BadRequest subclasses NetworkError, but a 400 is our bug (bad HTML, a
    # message too long), never the network: it gets the traceback.
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        # Flaky networks are routine: one line, no traceback.
        log.warning("network error: %s", error)
    else:
        log.error("error while handling an update", exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if isinstance(error, Forbidden):
        return  # the chat blocked us: there is no one to apologise to
    try:
        await context.bot.send_message(update.effective_chat.id, SORRY)
    except TelegramError as exc:  # the apology itself failed: log, do not loop
        log.warning("could not send the apology: %s", exc)
