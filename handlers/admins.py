"""Newsroom commands, in a private chat, for the user ids in NEWSBOT_ADMINS only.

/plaats and /opening post news, /breaking posts a brief that goes before everything
(a photo with /plaats or /breaking as its caption posts it with that photo);
/corrigeer and /intrekken fix what went out (/intrekken asks first, with buttons;
``/intrekken <nr> ja`` does it at once); /berichten lists the newest items with buttons
to correct, retract and see the reach; /bereik shows how far one item got; /stats shows
how delivery is doing and what readers follow.  The sender is checked on every command
and every button press.
"""

from __future__ import annotations

import html
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import wraps
from urllib.parse import urlsplit

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.intake import Stored
from bot.news import buttons, deeplink, voice
from bot.news.follow import choose
from bot.news.items import Item
from bot.news.match import TermError
from bot.news.parse import ParseError, parse_article, parse_brief
from bot.news.render import age, headline
from bot.news.sections import split_tag
from bot.news.text import parse_number
from bot.services import Services, services
from handlers.readers import newsroom_sections
from storage import Reach

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
INTREKKEN_USAGE = (
    "Gebruik: /intrekken <nummer>, bijvoorbeeld /intrekken 12 (ik vraag het nog even na; "
    "/intrekken 12 ja doet het meteen)"
)
BREAKING_USAGE = (
    "Gebruik: /breaking gevolgd door het bericht, bijvoorbeeld:\n"
    "/breaking DEN HAAG (ANP) - Het kabinet is gevallen.\n"
    "Het gaat voor alle andere meldingen uit, naar wie Belangrijk nieuws volgt en naar wie "
    "de plaatsen en onderwerpen erin volgt."
)
PHOTO_USAGE = (
    "Een foto plaats je met /plaats of /breaking en het bericht als onderschrift, "
    "bijvoorbeeld: /plaats UTRECHT (ANP) - Brand in de binnenstad."
)
BEREIK_USAGE = "Gebruik: /bereik <nummer>, bijvoorbeeld /bereik 12"
RECENT = 10  # items /berichten lists
INLINE_QUERY_MAX = 256  # characters Telegram puts in the input field for an inline query
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
    text = message.text or message.caption or ""
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
    extra = ""
    if stored.item.breaking:
        extra += " Belangrijk nieuws: gaat voor alle andere meldingen."
    if stored.item.photo:
        extra += " Met foto."
    return (
        f"{what.capitalize()} opgeslagen als {_summary(stored.item)}. {alerts} onderweg."
        f"{extra}"
    )


def _now(svc: Services) -> datetime:
    return datetime.now(svc.settings.tz)


async def _post(
    update: Update, context: ContextTypes.DEFAULT_TYPE,
    parse: Callable[..., Item], usage: str, what: str,
    *, breaking: bool = False, photo: str | None = None,
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
    item = item.with_(breaking=breaking, photo=photo)
    await message.reply_text(_stored_reply(await svc.intake.add(item), what))


@admin_only
async def post_brief(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/plaats <brief>: store a wire brief and alert its followers."""
    await _post(update, context, parse_brief, PLAATS_USAGE, "bericht")


@admin_only
async def post_breaking(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/breaking <brief>: store a brief that goes before every other alert, alone."""
    await _post(update, context, parse_brief, BREAKING_USAGE, "bericht", breaking=True)


@admin_only
async def post_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A photo with /plaats or /breaking as its caption: the brief, with that photo."""
    message = update.effective_message
    assert message is not None
    caption = (message.caption or "").strip()
    command = caption.split(maxsplit=1)[0].split("@")[0].lower() if caption else ""
    if command not in ("/plaats", "/breaking") or not message.photo:
        await message.reply_text(html.escape(PHOTO_USAGE))
        return
    # The largest size's file_id: Telegram sends the photo again by it, no upload.
    photo = message.photo[-1].file_id
    usage = BREAKING_USAGE if command == "/breaking" else PLAATS_USAGE
    await _post(
        update, context, parse_brief, usage, "bericht",
        breaking=command == "/breaking", photo=photo,
    )


@admin_only
async def post_article(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/opening <title + paragraphs>: store an article and make it the lead story."""
    await _post(update, context, parse_article, OPENING_USAGE, "openingsverhaal")


def _after_command(text: str) -> str:
    command_end = len(text.split(maxsplit=1)[0]) if text.strip() else 0
    return text[command_end:].strip()


async def _item_arg(
    message: Message, svc: Services, usage: str, text: str | None = None
) -> tuple[Item, str] | None:
    """The item named by the first argument, and the rest of the text; replies if bad."""
    parts = (_body(message) if text is None else _after_command(text)).split(maxsplit=1)
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
    await _correct_text(update, context, message.text or "")


async def _correct_text(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    message = update.effective_message
    assert message is not None
    svc = services(context)
    found = await _item_arg(message, svc, CORRIGEER_USAGE, text)
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


def _retracted_text(item_id: int, not_sent: int, to_delete: int) -> str:
    return (
        f"Bericht #{item_id} ingetrokken. {not_sent} melding"
        f"{'en' if not_sent != 1 else ''} niet verstuurd; "
        f"{to_delete} verstuurde worden verwijderd."
    )


def _retract_question(item: Item) -> tuple[str, InlineKeyboardMarkup]:
    assert item.id is not None
    text = (
        f"Bericht #{item.id} intrekken?\n<i>{html.escape(headline(item, 120))}</i>\n"
        "Wat nog niet verstuurd is, gaat niet meer weg; verstuurde meldingen worden verwijderd."
    )
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton("Ja, intrekken", callback_data=buttons.newsroom("retract", item.id)),
        InlineKeyboardButton("Nee", callback_data=buttons.newsroom("keep", item.id)),
    ]])
    return text, markup


@admin_only
async def retract(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/intrekken <id>: ask, then stop its alerts and delete the sent ones (within 48
    hours); /intrekken <id> ja does it without asking."""
    message = update.effective_message
    assert message is not None
    svc = services(context)
    found = await _item_arg(message, svc, INTREKKEN_USAGE)
    if found is None:
        return
    item, rest = found
    if rest.strip().lower() not in ("", "ja"):
        await message.reply_text(html.escape(INTREKKEN_USAGE))
        return
    if not rest.strip():
        text, markup = _retract_question(item)
        await message.reply_text(text, reply_markup=markup)
        return
    done = await svc.intake.retract(item)
    assert item.id is not None
    await message.reply_text(_retracted_text(item.id, done.not_sent, done.to_delete))


def _source(item: Item) -> str:
    """Where an item came from, in a word: redactie, the feed's host, the page's name."""
    source = item.source.removeprefix("feed:")  # the poller's is feed:<url>
    if source.startswith("admin:"):
        return "redactie"
    if source.startswith(("http://", "https://")):
        return urlsplit(source).hostname or source
    return source.removeprefix("pagina:") or "onbekend"


def _reach_short(reach: Reach) -> str:
    waiting = reach.pending + reach.held
    text = f"{reach.sent}/{reach.matched} bereikt"
    return text + (f", {waiting} wachtend" if waiting else "")


def _minutes(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} min {rest} s"


def _reach_text(item: Item, reach: Reach) -> str:
    failed = sum(reach.failed.values())
    lines = [
        f"<b>Bereik van bericht #{item.id}</b>",
        f"<i>{html.escape(headline(item, 120))}</i>",
        f"Gesprekken die het zochten: {reach.matched}",
        f"Verstuurd: {reach.sent}",
        f"Wachtend: {reach.pending}",
        f"Vastgehouden voor een overzicht of pauze: {reach.held}",
        f"Mislukt of niet meer verstuurd: {failed}",
    ]
    for reason, count in sorted(reach.failed.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  · {html.escape(reason)}: {count}")
    lines.append(f"Verlopen (te oud om nog te sturen): {reach.expired}")
    if reach.stored_at is not None and reach.last_sent_at is not None:
        spent = max(0.0, reach.last_sent_at - reach.stored_at)
        lines.append(f"Van opslaan tot laatste verzending: {_minutes(spent)}")
    else:
        lines.append("Van opslaan tot laatste verzending: nog niets verstuurd")
    return "\n".join(lines)


@admin_only
async def reach(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/bereik <id>: how far one item's alerts got."""
    message = update.effective_message
    assert message is not None
    svc = services(context)
    parts = _body(message).split()
    item_id = parse_number(parts[0].removeprefix("#"), low=1) if len(parts) == 1 else None
    if item_id is None:
        await message.reply_text(html.escape(BEREIK_USAGE))
        return
    item = await svc.store.item(item_id)
    if item is None:
        await message.reply_text(f"Er is geen bericht #{item_id}.")
        return
    reaches = await svc.store.reaches([item_id])
    await message.reply_text(_reach_text(item, reaches[item_id]))


def _correct_prefill(item: Item) -> str:
    """What the correct button types in the admin's input field: /corrigeer, the number
    and the old text, when it fits in an inline query (else the number only)."""
    old = item.body if item.kind == "brief" else ""
    if item.kind == "brief" and item.dateline:
        agencies = f" ({'/'.join(item.agencies)})" if item.agencies else ""
        old = f"{item.dateline}{agencies} - {item.body}"
    full = f"/corrigeer {item.id} {old}".strip()
    return full if len(full) <= INLINE_QUERY_MAX else f"/corrigeer {item.id} "


@admin_only
async def recent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/berichten: the ten newest items with number, source, age and reach, and buttons."""
    message = update.effective_message
    assert message is not None
    svc = services(context)
    items = await svc.store.recent_items(RECENT)
    if not items:
        await message.reply_text("Er zijn nog geen berichten.")
        return
    reaches = await svc.store.reaches([item.id for item in items if item.id is not None])
    now, tz = _now(svc), svc.settings.tz
    lines = ["<b>De nieuwste berichten</b>"]
    rows = []
    for item in items:
        assert item.id is not None
        marks = ("⚡" if item.breaking else "") + ("📷" if item.photo else "")
        lines.append(
            f"<b>#{item.id}</b> {marks}{' ' if marks else ''}"
            f"{html.escape(headline(item, 80))}\n"
            f"  {html.escape(_source(item))} · {html.escape(age(item, now=now, tz=tz))}"
            f" · {_reach_short(reaches[item.id])}"
        )
        rows.append([
            InlineKeyboardButton(
                f"✏️ #{item.id}", switch_inline_query_current_chat=_correct_prefill(item)
            ),
            InlineKeyboardButton(
                f"🗑 #{item.id}", callback_data=buttons.newsroom("ask", item.id)
            ),
            InlineKeyboardButton(
                f"📊 #{item.id}", callback_data=buttons.newsroom("reach", item.id)
            ),
        ])
    await message.reply_text("\n".join(lines), reply_markup=InlineKeyboardMarkup(rows))


async def correct_prefilled(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """"@bot /corrigeer 12 ...": what the correct button of /berichten typed, sent as is."""
    message = update.effective_message
    if message is None or not message.text:
        return
    mention = f"@{context.bot.username}"
    if message.text.split(maxsplit=1)[0].lower() != mention.lower():
        return
    await _correct_text(update, context, message.text[len(mention):].strip())


async def newsroom_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The buttons of /berichten and /intrekken: ask, retract, keep, reach."""
    query, user = update.callback_query, update.effective_user
    pressed = buttons.parse(query.data) if query is not None else None
    if query is None or not isinstance(pressed, buttons.Newsroom):
        return
    svc = services(context)
    if not svc.is_admin(user.id if user else None):
        await query.answer(NOT_ADMIN, show_alert=True)
        return
    item = await svc.store.item(pressed.item_id)
    if item is None or item.id is None:
        await query.answer(f"Er is geen bericht #{pressed.item_id}.", show_alert=True)
        return
    await query.answer()
    chat = query.message.chat if query.message is not None else None
    if pressed.action == "reach":
        reaches = await svc.store.reaches([item.id])
        await context.bot.send_message(chat.id, _reach_text(item, reaches[item.id]))  # type: ignore[union-attr]
        return
    if pressed.action == "ask":
        text, markup = _retract_question(item)
        await context.bot.send_message(chat.id, text, reply_markup=markup)  # type: ignore[union-attr]
        return
    if pressed.action == "keep":
        text = f"Bericht #{item.id} blijft staan."
    elif (await svc.store.item(item.id, live=True)) is None:
        text = f"Bericht #{item.id} was al ingetrokken."
    else:
        done = await svc.intake.retract(item)
        text = _retracted_text(item.id, done.not_sent, done.to_delete)
    try:
        await query.edit_message_text(text, reply_markup=None)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():  # pressed twice
            raise


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
    store = services(context).store
    figures = await store.stats(since=time.time() - 3600)
    follows = await store.follow_figures(since=time.time() - 24 * 3600)
    top = "\n".join(
        f"{i}. {html.escape(label)}: {count}" for i, (label, count) in enumerate(follows.top, 1)
    ) or "nog niets gevolgd"
    await message.reply_text(
        "<b>Stand van zaken</b>\n"
        f"Abonnees: {figures['subscribers']} ({figures['subscriptions']} onderwerpen)\n"
        f"Gesprekken: {figures['active']} actief, {figures['inactive']} inactief\n"
        f"Berichten: {figures['items']}\n"
        f"Meldingen wachtend: {figures['pending']}\n"
        f"Verstuurd afgelopen uur: {figures['sent']}\n"
        f"Mislukt: {figures['failed']}\n"
        f"Verlopen (te oud om nog te sturen): {figures['expired']}\n"
        f"429's van Telegram: {figures['rate_limited']}\n\n"
        f"<b>Meest gevolgd</b>\n{top}\n"
        f"Afgelopen 24 uur: {follows.gained} keer gevolgd, {follows.lost} keer ontvolgd"
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    for name, callback in (
        ("plaats", post_brief),
        ("breaking", post_breaking),
        ("opening", post_article),
        ("corrigeer", correct),
        ("intrekken", retract),
        ("berichten", recent),
        ("bereik", reach),
        ("stats", stats),
        ("link", link),
    ):
        app.add_handler(CommandHandler(name, callback))
    # A photo sent to the bot in private: /plaats or /breaking in its caption.
    app.add_handler(
        MessageHandler(
            filters.PHOTO & filters.ChatType.PRIVATE & filters.CaptionRegex(r"^/"), post_photo
        )
    )
    # What /berichten's correct button typed: "@bot /corrigeer 12 ..." (admins only).
    app.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & filters.Regex(r"^@\w+\s+/corrigeer\b"),
            admin_only(correct_prefilled),
        )
    )
    app.add_handler(CallbackQueryHandler(newsroom_button, pattern=buttons.is_newsroom))
