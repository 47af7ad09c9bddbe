"""Telegram handlers, registered in one place: readers, admins, callbacks, errors."""

from __future__ import annotations

from telegram.ext import Application, MessageHandler, filters

from handlers import admins, callbacks, errors, readers


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add every handler to the application, in the order they must be tried."""
    readers.register(app)
    admins.register(app)
    callbacks.register(app)
    # Anything that looks like a command and no handler took gets a hint.
    app.add_handler(MessageHandler(filters.COMMAND, readers.unknown_command), group=1)
    app.add_error_handler(errors.on_error)
