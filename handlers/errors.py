"""The one error handler: log the exception, apologise in the chat, keep running.

A button press that fails is answered instead (a short answer stops the spinner on the
reader's screen, for every kind of button, present or future), not apologised for in
the chat.
"""

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
    if isinstance(update, Update) and update.callback_query is not None:
        # A button press: a short answer stops its spinner; the chat gets no message.
        try:
            await update.callback_query.answer(SORRY)
        except TelegramError as exc:  # answered already, or too late: nothing more to do
            log.warning("could not answer the button press: %s", exc)
        return
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if isinstance(error, Forbidden):
        return  # the chat blocked us: there is no one to apologise to
    try:
        await context.bot.send_message(update.effective_chat.id, SORRY)
    except TelegramError as exc:  # the apology itself failed: log, do not loop
        log.warning("could not send the apology: %s", exc)
