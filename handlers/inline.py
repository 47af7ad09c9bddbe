"""Inline mode: `@<bot> <woorden>` in any chat shares news from the archive.

Telegram asks with an inline query; the answer is up to ten of the newest matching
items as articles (title: dateline and first words; description: the age), each
sending the item rendered as an alert, without the "Je volgt" line, plus a link to the
bot.  An empty query gives the newest briefs and `#<id>` that item (what the "Deel"
button under an alert types).  The search is /zoek's (`Store.search`: what a follow of
the same words would alert on, looked up by key, so nothing is read as query syntax).
Answers are the same for everyone, so Telegram may cache them (`is_personal` false) for
a short while, and the bot keeps them in its reply cache, which is cleared whenever news
is stored, corrected or retracted.

BotFather: `/setinline` switches inline mode on for the bot (the placeholder text it
asks for is what readers see in the input field, e.g. "zoek in het nieuws").
"""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import Application, ContextTypes, InlineQueryHandler

from bot.news import deeplink
from bot.news.buttons import shared_item
from bot.news.follow import searched
from bot.news.items import Item
from bot.news.match import TermError
from bot.news.render import age, headline, render_alert
from bot.news.text import words
from bot.services import Services, services

MAX_RESULTS = 10
CACHE_SECONDS = 10  # news changes by the minute; a short cache spares bursts of typing
MAX_WORDS = 12  # as /zoek


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer `@bot <woorden>` with the newest matching items."""
    query = update.inline_query
    if query is None:
        return
    svc = services(context)
    results = await inline_results(svc, query.query, context.bot.username or "")
    await query.answer(results, cache_time=CACHE_SECONDS, is_personal=False)


async def inline_results(
    svc: Services, text: str, bot_username: str
) -> list[InlineQueryResultArticle]:
    """The articles for one query, from the reply cache when a burst asks the same."""
    shared = shared_item(text)
    query = words(text)[:MAX_WORDS]
    key = ("inline", shared if shared is not None else tuple(query))
    cached = svc.replies.get(key)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    if shared is not None:
        item = await svc.store.item(shared, live=True)
        items = [item] if item is not None else []
    elif not text.strip():
        items = await svc.store.newest(MAX_RESULTS, kind="brief")
    elif query:
        try:  # what a follow of these words would alert on, as /zoek
            topic = searched(" ".join(text.split()[:MAX_WORDS]), svc.gazetteer)
            items = await svc.store.search(topic.key, MAX_RESULTS, excluding=topic.excluding)
        except TermError:
            items = []
    else:
        items = []  # only signs and symbols: nothing to look for
    results = [_article(item, svc, bot_username) for item in items]
    if len(svc.replies) > 1000:  # many different queries: start afresh
        svc.replies.clear()
    svc.replies.put(key, results)
    return results


def _article(item: Item, svc: Services, bot_username: str) -> InlineQueryResultArticle:
    now, tz = datetime.now(UTC), svc.settings.tz
    footer = f'Meer nieuws: <a href="https://t.me/{bot_username}">@{bot_username}</a>'
    text = render_alert(item, reason=None, now=now, tz=tz, footer=footer)
    # The shared message previews the item; its button opens all of it in the bot.
    markup = None
    if bot_username and item.id is not None:
        url = f"https://t.me/{bot_username}?start={deeplink.item_start(item.id)}"
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Lees het hele bericht", url=url)]])
    return InlineQueryResultArticle(
        id=str(item.id),
        title=headline(item),
        reply_markup=markup,
        description=age(item, now=now, tz=tz) or None,
        input_message_content=InputTextMessageContent(
            text,
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        ),
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(InlineQueryHandler(inline_query))
