"""Reader commands: /start, /help and the hint for unknown commands."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.services import services

WELCOME = (
    "<b>Welkom bij het nieuws!</b>\n"
    "Ik stuur je het laatste nieuws, en een melding zodra er nieuws is over wat jij volgt."
)

HELP = (
    "<b>Zo werkt het</b>\n"
    "/laatste — het belangrijkste verhaal van dit moment\n"
    "/laatste 5 — de vijf nieuwste berichten\n"
    "/volg Oekraïne — een melding bij elk bericht over Oekraïne\n"
    "/volg staking — of over een onderwerp\n"
    "/mijn — wat je volgt\n"
    "/ontvolg Oekraïne — stop met volgen\n"
    "/zoek Lecornu — zoek in eerder nieuws\n"
    "/stil 23-7 — 's nachts meldingen zonder geluid\n"
    "/stop — stop alles en wis je gegevens"
)

UNKNOWN = "Dat commando ken ik niet. Stuur /help voor wat ik kan."


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet the reader, remember the chat, and show what the bot does."""
    chat = update.effective_chat
    if chat is None or update.effective_message is None:
        return
    returning = await services(context).store.touch_chat(chat.id, chat.type, chat.title)
    greeting = "<b>Welkom terug!</b> Je meldingen staan weer aan." if returning else WELCOME
    await update.effective_message.reply_text(f"{greeting}\n\n{HELP}")


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explain the commands with examples."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(HELP)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a command nobody handles with a short hint."""
    message = update.effective_message
    if message is None or update.effective_chat is None:
        return
    # In groups, commands meant for other bots are none of our business.
    if update.effective_chat.type != "private" and not _addressed_to_us(message.text, context):
        return
    await message.reply_text(UNKNOWN)


def _addressed_to_us(text: str | None, context: ContextTypes.DEFAULT_TYPE) -> bool:
    command = (text or "").split(maxsplit=1)[0] if text else ""
    return command.lower().endswith("@" + (context.bot.username or "").lower())


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("help", help_command))
