"""Plain messages: a private chat never gets silence; a group only when it names the bot.

The meaning is decided in :mod:`bot.news.intent` (pure); here it becomes a reply:
a topic gets the newest items about it (as ``/laatste <term>``) with buttons to follow it
and to see more; a greeting, a question without a topic, gibberish or anything that is
not text (a sticker, a photo) gets the short pointer; a web address gets /volg's reply.
In a group the bot reads only messages that mention it (``@bot Oekraïne``): the rest of
a group's talk is none of its business.
"""

from __future__ import annotations

import html
import re

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.news.intent import Kind, intent
from bot.news.lexicon import default_aliases, default_lexicon
from bot.news.match import TermError
from bot.news.terms import URL_REPLY
from bot.news.text import words
from bot.services import Services, services
from handlers.readers import newsroom_sections, topic_answer

POINTER = (
    "Typ een onderwerp, zoals <b>Oekraïne</b> of <b>staking</b>, en ik laat het nieuwste "
    "erover zien.\n"
    "/laatste — het belangrijkste nieuws van dit moment\n"
    "/volg Oekraïne — een melding bij elk nieuw bericht erover\n"
    "/help — alles wat ik kan"
)
GREETING = "Hoi! Ik ben de nieuwsbot.\n" + POINTER
NOT_UNDERSTOOD = "Dat begrijp ik niet.\n" + POINTER


async def plain_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a plain (non-command) message; see the module docstring."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    text = message.text or message.caption or ""
    if chat.type != ChatType.PRIVATE:
        text = _addressed_text(message, context.bot.username or "")
        if text is None:
            return
    svc = services(context)
    meant = intent(text)
    if meant.kind is Kind.URL:
        await message.reply_text(html.escape(URL_REPLY))
        return
    if meant.kind is Kind.GREETING:
        await message.reply_text(GREETING)
        return
    if meant.kind is not Kind.TOPIC:
        await message.reply_text(POINTER if meant.kind is Kind.QUESTION else NOT_UNDERSTOOD)
        return
    try:
        found = await topic_answer(svc, meant.term)
    except TermError:
        found = None
    if found is None or (not found.found and not await _names_something(svc, meant.term)):
        await message.reply_text(NOT_UNDERSTOOD)  # gibberish: nothing knows these words
        return
    await message.reply_text(found.text, reply_markup=found.markup)


async def _names_something(svc: Services, term: str) -> bool:
    """Whether `term` is a word the lexicon knows, a place, an alias or a section: worth
    offering to follow even when there is no news about it yet."""

    sections = await newsroom_sections(svc)
    if sections.lookup(term) is not None or svc.gazetteer.lookup(term) is not None:
        return True
    if default_aliases().lookup(term) is not None:
        return True
    lexicon = default_lexicon()
    return any(lexicon.is_word(word) or lexicon.split(word) for word in words(term))


def _addressed_text(message: Message, username: str) -> str | None:
    """The text of a group message that mentions the bot, the mention taken out; None
    when it does not mention the bot (``@botje`` is not ``@bot``)."""
    if not username:
        return None
    text = message.text or ""
    found = re.search(rf"@{re.escape(username)}(?!\w)", text, re.IGNORECASE)
    if found is None:
        return None
    return (text[: found.start()] + text[found.end() :]).strip()


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGE & ~filters.COMMAND & ~filters.StatusUpdate.ALL
            & ~filters.VIA_BOT
            & (filters.ChatType.PRIVATE | (filters.ChatType.GROUPS & filters.TEXT)),
            plain_message,
        )
    )
