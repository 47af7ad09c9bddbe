"""Inline-button presses: unfollow from an alert or from /mijn, direct or in the overview
from /mijn, paging /zoek results, following from a button, opening a list's item in full,
and the confirmations of /stop and /ontvolg alles."""

from __future__ import annotations

from typing import TypeVar

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.news import voice
from bot.news.buttons import (
    Confirm,
    Direct,
    Follow,
    More,
    Open,
    Unfollow,
    is_confirm,
    is_direct,
    is_follow,
    is_more,
    is_open,
    is_unfollow,
    parse,
)
from bot.services import services
from handlers.readers import (
    DIRECT,
    GROUP_ADMINS_ONLY,
    IN_OVERVIEW,
    follow_text,
    may_change,
    mine_view,
    region_picker,
    search_page,
    send_item,
    stop_confirmed,
    thread_of,
)
from storage import Subscription

STALE = "Deze knop is verlopen."

Pressed = TypeVar("Pressed", Unfollow, Direct)


async def unfollow_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """'Ontvolg X' under an alert (u:) or a line of /mijn (m:)."""
    found = await _pressed_on_subscription(update, context, Unfollow)
    if found is None:
        return
    query, chat_id, pressed, match = found
    store = services(context).store
    thread = thread_of(query.message)
    if match is None:
        await query.answer("Dat volg je al niet meer.")
    else:
        await store.unsubscribe(chat_id, match.key, thread=thread)
        await query.answer(f"Je volgt {match.label} niet meer.")
    try:
        if pressed.from_list:
            text, markup = await mine_view(services(context), chat_id, thread)
            await query.edit_message_text(text, reply_markup=markup)
        else:
            # Under an alert: the button has done its work, take it away; "Deel" and a
            # combined alert's buttons for its other subscriptions stay.
            await query.edit_message_reply_markup(reply_markup=_without(query, query.data))
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():  # pressed twice: nothing to change
            raise


def _without(query: CallbackQuery, data: str) -> InlineKeyboardMarkup | None:
    """The message's buttons less the one pressed; None when none is left."""
    markup = getattr(query.message, "reply_markup", None)
    if not isinstance(markup, InlineKeyboardMarkup):
        return None
    rows = [
        [button for button in row if button.callback_data != data]
        for row in markup.inline_keyboard
    ]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(rows) if rows else None


async def direct_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`direct` or `in overzicht` beside a line of /mijn."""
    found = await _pressed_on_subscription(update, context, Direct)
    if found is None:
        return
    query, chat_id, pressed, match = found
    svc = services(context)
    thread = thread_of(query.message)
    if match is None:
        await query.answer("Dat volg je niet meer.")
    else:
        await svc.store.set_direct(chat_id, match.key, pressed.direct, thread=thread)
        if pressed.direct and svc.sender is not None:
            svc.sender.wake()  # what was held for it goes now
        await query.answer(f"{match.label}: {DIRECT if pressed.direct else IN_OVERVIEW}.")
    text, markup = await mine_view(svc, chat_id, thread)
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


async def _pressed_on_subscription(
    update: Update, context: ContextTypes.DEFAULT_TYPE, kind: type[Pressed]
) -> tuple[CallbackQuery, int, Pressed, Subscription | None] | None:
    """A press on a `kind` button that names a subscription, once the presser may change it.

    (query, chat id, the button, the subscription it names or None when it is gone);
    None when there is nothing to do (not such a button, or answered: not allowed).
    In a forum the subscription is looked for in the topic the button was pressed in.
    """
    query, chat = update.callback_query, update.effective_chat
    pressed = parse(query.data) if query is not None else None
    if query is None or chat is None or not isinstance(pressed, kind):
        return None
    if not await may_change(update, context):
        await query.answer(GROUP_ADMINS_ONLY, show_alert=True)
        return None
    subs = await services(context).store.subscriptions(chat.id, thread=thread_of(query.message))
    return query, chat.id, pressed, next((s for s in subs if pressed.is_for(s.key)), None)


async def search_more(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """'Meer' under /zoek results: show the next page in place."""
    query = update.callback_query
    pressed = parse(query.data) if query is not None else None
    if query is None or not isinstance(pressed, More):
        return
    page, markup = await search_page(
        services(context), pressed.words, pressed.before, pressed.shown
    )
    await query.answer()
    await query.edit_message_text(page, reply_markup=markup)


async def follow_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """'🔔 Volg X': follow it by /volg's rules, with /volg's reply."""
    query = update.callback_query
    pressed = parse(query.data) if query is not None else None
    if query is None or not isinstance(pressed, Follow) or query.message is None:
        return
    await query.answer()
    await follow_text(update, context, pressed.term, as_word=pressed.as_word)


async def open_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An item's number under a list: the whole item, as a new message."""
    query = update.callback_query
    pressed = parse(query.data) if query is not None else None
    if query is None or not isinstance(pressed, Open) or query.message is None:
        return
    await query.answer()
    await send_item(query.message, services(context), pressed.item_id)  # type: ignore[arg-type]


async def confirm_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The answer to /stop's or /ontvolg alles' question, or the region picker."""
    query, chat = update.callback_query, update.effective_chat
    pressed = parse(query.data) if query is not None else None
    if query is None or chat is None or not isinstance(pressed, Confirm):
        return
    svc = services(context)
    if pressed.action == "regio":
        await query.answer()
        text, markup = region_picker(svc)
        if query.message is not None:
            await query.message.reply_text(text, reply_markup=markup)  # type: ignore[attr-defined]
        return
    if not await may_change(update, context):
        await query.answer(GROUP_ADMINS_ONLY, show_alert=True)
        return
    if pressed.action == "stop":
        text = await stop_confirmed(svc, chat.id)
    elif pressed.action == "alles":
        count = await svc.store.unsubscribe_all(chat.id, thread=thread_of(query.message))
        text = (
            f"Je volgt niets meer ({voice.count(count, 'onderwerp', 'onderwerpen')} ontvolgd). "
            "Je stille uren en overzichtstijden blijven staan. Met /volg begin je opnieuw."
            if count else "Je volgde al niets meer; er verandert niets."
        )
    else:
        text = "Oké, er verandert niets."
    await query.answer()
    try:
        await query.edit_message_text(text, reply_markup=None)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():  # pressed twice
            raise


async def stale(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any other button (an old bot version's): answer politely so the spinner stops."""
    if update.callback_query is not None:
        await update.callback_query.answer(STALE)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CallbackQueryHandler(unfollow_button, pattern=is_unfollow))
    app.add_handler(CallbackQueryHandler(direct_button, pattern=is_direct))
    app.add_handler(CallbackQueryHandler(search_more, pattern=is_more))
    app.add_handler(CallbackQueryHandler(follow_button, pattern=is_follow))
    app.add_handler(CallbackQueryHandler(open_button, pattern=is_open))
    app.add_handler(CallbackQueryHandler(confirm_button, pattern=is_confirm))
    app.add_handler(CallbackQueryHandler(stale))
