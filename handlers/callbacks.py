"""Inline-button presses: unfollow from an alert or from /mijn, and paging /zoek results."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.news.buttons import More, Unfollow, is_more, is_unfollow, parse
from bot.services import services
from handlers.readers import GROUP_ADMINS_ONLY, may_change, search_page, subscriptions_view

STALE = "Deze knop is verlopen."


async def unfollow_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """'Ontvolg X' under an alert (u:) or a line of /mijn (m:)."""
    query, chat = update.callback_query, update.effective_chat
    pressed = parse(query.data) if query is not None else None
    if query is None or chat is None or not isinstance(pressed, Unfollow):
        return
    if not await may_change(update, context):
        await query.answer(GROUP_ADMINS_ONLY, show_alert=True)
        return
    store = services(context).store
    subs = await store.subscriptions(chat.id)
    match = next((s for s in subs if pressed.is_for(s.key)), None)
    if match is None:
        await query.answer("Dat volg je al niet meer.")
    else:
        await store.unsubscribe(chat.id, match.key)
        await query.answer(f"Je volgt {match.label} niet meer.")
    try:
        if pressed.from_list:
            row = await store.chat(chat.id)
            quiet = (row["quiet_from"], row["quiet_until"]) if row else (None, None)
            text, markup = subscriptions_view(await store.subscriptions(chat.id), quiet)
            await query.edit_message_text(text, reply_markup=markup)
        else:
            # Under an alert: the button has done its work, take it away; "Deel" stays.
            await query.edit_message_reply_markup(reply_markup=_without_callbacks(query))
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():  # pressed twice: nothing to change
            raise


def _without_callbacks(query: CallbackQuery) -> InlineKeyboardMarkup | None:
    """The message's keyboard without its callback buttons (None when nothing is left)."""
    message = query.message
    markup = getattr(message, "reply_markup", None)
    if not isinstance(markup, InlineKeyboardMarkup):
        return None
    rows = [
        [button for button in row if button.callback_data is None]
        for row in markup.inline_keyboard
    ]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(rows) if rows else None


async def search_more(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """'Meer' under /zoek results: show the next page in place."""
    query = update.callback_query
    pressed = parse(query.data) if query is not None else None
    if query is None or not isinstance(pressed, More):
        return
    page, markup = await search_page(services(context), pressed.words, pressed.offset)
    await query.answer()
    await query.edit_message_text(page, reply_markup=markup)


async def stale(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any other button (an old bot version's): answer politely so the spinner stops."""
    if update.callback_query is not None:
        await update.callback_query.answer(STALE)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CallbackQueryHandler(unfollow_button, pattern=is_unfollow))
    app.add_handler(CallbackQueryHandler(search_more, pattern=is_more))
    app.add_handler(CallbackQueryHandler(stale))
