"""Newsroom commands, in a private chat, for the user ids in NEWSBOT_ADMINS only.

/plaats and /opening post news; /corrigeer and /intrekken fix what went out;
/stats shows how delivery is doing.  The sender is checked on every command.
"""

from __future__ import annotations

import html
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import wraps

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.intake import Stored
from bot.news import deeplink, voice
from bot.news.follow import choose
from bot.news.items import Item
from bot.news.match import TermError
from bot.news.parse import ParseError, parse_article, parse_brief
from bot.news.sections import split_tag
from bot.news.text import parse_number
from bot.services import Services, services
from handlers.readers import newsroom_sections

NOT_ADMIN = "Dit commando is alleen voor de redactie."
PRIVATE_ONLY = "Nieuws plaatsen en corrigeren kan alleen in een privégesprek met mij."

PLAATS_USAGE = (
    "Gebruik: /plaats gevolgd door het bericht, bijvoorbeeld:\n"
    "/plaats DEN HAAG (ANP) - Het kabinet heeft vandaag besloten dat ...\n"
    "In een rubriek: /plaats [Sport] ROTTERDAM (ANP) - ..."
)
OPENING_USAGE = (
    "Gebruik: /opening, dan op de regels eronder de kop en de alinea's, bijvoorbeeld:\n"
    "/opening Kabinet valt over stikstof\n"
    "DEN HAAG (ANP) - Het kabinet is gevallen ...\n"
    "Tweede alinea ..."
)
CORRIGEER_USAGE = (
    "Gebruik: /corrigeer <nummer> <nieuwe tekst>, bijvoorbeeld /corrigeer 12 PARIJS (AFP) - ..."
)
INTREKKEN_USAGE = "Gebruik: /intrekken <nummer>, bijvoorbeeld /intrekken 12"
LINK_USAGE = "Gebruik: /link <onderwerp>, bijvoorbeeld /link Oekraïne of /link Tweede Kamer"

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


def admin_only(handler: Handler) -> Handler:
    """Run the handler only for an admin in a private chat; refuse everyone else."""

    @wraps(handler)
    async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        if message is None or chat is None:
            return
        if not services(context).is_admin(user.id if user else None):
            await message.reply_text(NOT_ADMIN)
            return
        if chat.type != ChatType.PRIVATE:
            await message.reply_text(PRIVATE_ONLY)
            return
        await handler(update, context)

    return guarded


def _body(message: Message) -> str:
    """The text after the command word, line breaks kept (an article needs them)."""
    text = message.text or ""
    command_end = len(text.split(maxsplit=1)[0]) if text.strip() else 0
    return text[command_end:].strip()


def _summary(item: Item) -> str:
    # Names, not ISO codes: "regio's: Nederland, Oekraïne".
    regions = ", ".join(voice.country_name(code) for code in item.regions) or "geen"
    dateline = html.escape(item.dateline) if item.dateline else "geen plaatsnaam"
    section = f", rubriek {html.escape(item.section)}" if item.section else ""
    return f"#{item.id} — {dateline}{section}, regio's: {html.escape(regions)}"


def _stored_reply(stored: Stored, what: str) -> str:
    if stored.item is None:
        return f"Dit {what} staat er al; er is niets opgeslagen."
    alerts = f"{stored.queued} melding{'en' if stored.queued != 1 else ''}"
    return f"{what.capitalize()} opgeslagen als {_summary(stored.item)}. {alerts} onderweg."


def _now(svc: Services) -> datetime:
    return datetime.now(svc.settings.tz)


async def _post(
    update: Update, context: ContextTypes.DEFAULT_TYPE,
    parse: Callable[..., Item], usage: str, what: str,
) -> None:
    """Parse the admin's text with `parse`, store it through the intake, report back."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    text = _body(message)
    if not text:
        await message.reply_text(html.escape(usage))
        return
    svc = services(context)
    # "[Sport] ROTTERDAM - ...": the item's section (bot.news.sections).
    section, text = split_tag(text)
    try:
        item = parse(text, now=_now(svc), source=f"admin:{user.id}", section=section)
    except ParseError as exc:
        await message.reply_text(f"{html.escape(str(exc))}\n\n{html.escape(usage)}")
        return
    await message.reply_text(_stored_reply(await svc.intake.add(item), what))


@admin_only
async def post_brief(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/plaats <brief>: store a wire brief and alert its followers."""
    await _post(update, context, parse_brief, PLAATS_USAGE, "bericht")


@admin_only
async def post_article(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/opening <title + paragraphs>: store an article and make it the lead story."""
    await _post(update, context, parse_article, OPENING_USAGE, "openingsverhaal")


async def _item_arg(message: Message, svc: Services, usage: str) -> tuple[Item, str] | None:
    """The item named by the first argument, and the rest of the text; replies if bad."""
    parts = _body(message).split(maxsplit=1)
    item_id = parse_number(parts[0].removeprefix("#"), low=1) if parts else None
    if item_id is None:  # also "²" and numbers past SQLite's integers
        await message.reply_text(html.escape(usage))
        return None
    item = await svc.store.item(item_id, live=True)
    if item is None:
        await message.reply_text(f"Er is geen bericht #{item_id}.")
        return None
    return item, parts[1] if len(parts) > 1 else ""


@admin_only
async def correct(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/corrigeer <id> <new text>: fix an item; sent alerts are edited in place."""
    message = update.effective_message
    assert message is not None
    svc = services(context)
    found = await _item_arg(message, svc, CORRIGEER_USAGE)
    if found is None:
        return
    old, text = found
    if not text.strip():
        await message.reply_text(html.escape(CORRIGEER_USAGE))
        return
    try:
        corrected = await svc.intake.correct(old, text, _now(svc))
    except ParseError as exc:
        await message.reply_text(html.escape(str(exc)))
        return
    if corrected.item is None:
        await message.reply_text("Die tekst staat al in een ander bericht; niets veranderd.")
        return
    edits = corrected.edits
    await message.reply_text(
        f"Bericht #{old.id} gecorrigeerd. {edits} verstuurde melding"
        f"{'en worden' if edits != 1 else ' wordt'} aangepast; wat nog niet weg was, "
        "gaat verbeterd de deur uit."
    )


@admin_only
async def retract(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/intrekken <id>: stop its alerts and delete the sent ones (within 48 hours)."""
    message = update.effective_message
    assert message is not None
    svc = services(context)
    found = await _item_arg(message, svc, INTREKKEN_USAGE)
    if found is None:
        return
    item, _ = found
    done = await svc.intake.retract(item)
    await message.reply_text(
        f"Bericht #{item.id} ingetrokken. {done.not_sent} melding"
        f"{'en' if done.not_sent != 1 else ''} niet verstuurd; "
        f"{done.to_delete} verstuurde worden verwijderd."
    )


@admin_only
async def link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/link <term>: the one-tap follow link for a topic, and its group variant."""
    message = update.effective_message
    assert message is not None
    term = " ".join(_body(message).split())
    if not term:
        await message.reply_text(html.escape(LINK_USAGE))
        return
    svc = services(context)
    try:
        # The link follows by /volg's rules: a term /volg refuses makes no link.
        topic = choose(term, svc.gazetteer, await newsroom_sections(svc)).topic
        start = deeplink.encode(term)
    except TermError as exc:
        await message.reply_text(html.escape(str(exc)))
        return
    except deeplink.TooLong as exc:
        await message.reply_text(
            f"Die term is te lang voor een link: Telegram staat {deeplink.MAX_START} tekens "
            f"toe en deze link heeft er {exc.length} nodig. Kies een kortere term."
        )
        return
    except deeplink.Unlinkable:
        await message.reply_text(
            "Die term kan niet in een link: gebruik letters, cijfers, spaties en - ' . &."
        )
        return
    base = f"https://t.me/{context.bot.username}"
    await message.reply_text(
        f"Wie deze link opent, volgt <b>{html.escape(topic.label)}</b> met één tik:\n"
        f"{base}?start={start}\n\n"
        "Voor een groep (een beheerder voegt mij toe, de groep volgt het meteen):\n"
        f"{base}?startgroup={start}"
    )


@admin_only
async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats: subscribers, chats, the outbox and rate limiting at a glance."""
    message = update.effective_message
    assert message is not None
    figures = await services(context).store.stats(since=time.time() - 3600)
    await message.reply_text(
        "<b>Stand van zaken</b>\n"
        f"Abonnees: {figures['subscribers']} ({figures['subscriptions']} onderwerpen)\n"
        f"Gesprekken: {figures['active']} actief, {figures['inactive']} inactief\n"
        f"Berichten: {figures['items']}\n"
        f"Meldingen wachtend: {figures['pending']}\n"
        f"Verstuurd afgelopen uur: {figures['sent']}\n"
        f"Mislukt: {figures['failed']}\n"
        f"Verlopen (te oud om nog te sturen): {figures['expired']}\n"
        f"429's van Telegram: {figures['rate_limited']}"
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    for name, callback in (
        ("plaats", post_brief),
        ("opening", post_article),
        ("corrigeer", correct),
        ("intrekken", retract),
        ("stats", stats),
        ("link", link),
    ):
        app.add_handler(CommandHandler(name, callback))
