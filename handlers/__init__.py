"""Telegram handlers, registered in one place: readers, admins, callbacks, errors."""

from __future__ import annotations

from telegram.ext import Application, MessageHandler, filters

from handlers import admins, callbacks, errors, freetext, inline, readers


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add every handler to the application, in the order they must be tried."""
    readers.register(app)
    admins.register(app)
    callbacks.register(app)
    inline.register(app)
    # Last in the same group: within a group the first matching handler wins, so this
    # only sees commands that no handler above took.
    app.add_handler(MessageHandler(filters.COMMAND, readers.unknown_command))
    freetext.register(app)
    app.add_error_handler(errors.on_error)
