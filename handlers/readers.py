"""Reader commands: /start, /help, /volg, /ontvolg, /mijn, /stop, /stil, /overzicht,
/laatste, /zoek.

Thin callbacks: read the command, call the domain and the store, send the Dutch reply.
"""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.ext import Application, ChatMemberHandler, CommandHandler, ContextTypes

from bot.news import deeplink, voice
from bot.news.buttons import (
    confirm,
    direct_toggle,
    follow_term,
    more_results,
    open_item,
    unfollow_list,
)
from bot.news.follow import Choice, called, choose, is_name, searched
from bot.news.items import Item
from bot.news.match import TermError, Topic, covers, resolve
from bot.news.overview import USAGE as OVERVIEW_USAGE
from bot.news.overview import OverviewError, Rhythm, parse_overview, stored_rhythm
from bot.news.pause import USAGE as PAUSE_USAGE
from bot.news.pause import PauseError, parse_pause
from bot.news.quiet import USAGE as QUIET_USAGE
from bot.news.quiet import QuietError, describe, parse_quiet
from bot.news.render import MAX_MESSAGE, fit_escaped, html_len, quoted, render_article, render_list
from bot.news.sections import BREAKING, Sections, feed_section, section_key
from bot.news.terms import TermRefused, split_terms
from bot.news.text import looks_numeric, parse_number, strip_format, words
from bot.services import Services, services
from handlers.commands import ADMIN_HELP
from storage import MAX_SUBSCRIPTIONS, SubscribeResult, Subscription

WELCOME = (
    "<b>Welkom bij het nieuws!</b> Ik stuur je een melding zodra er nieuws is over wat jij "
    "volgt.\n"
    "Typ een onderwerp, zoals Oekraïne, of volg het met /volg Oekraïne; /laatste geeft het "
    "belangrijkste nieuws.\n"
    "Begin hieronder met één tik, of stuur /help voor alles wat ik kan."
)

HELP = (
    "<b>Zo werkt het</b>\n"
    "Typ een onderwerp, zoals Oekraïne, en ik laat het nieuwste erover zien.\n"
    "/laatste — het belangrijkste verhaal van dit moment\n"
    "/laatste 5 — de vijf nieuwste berichten (tik op een nummer voor het hele bericht)\n"
    "/laatste Oekraïne — het nieuwste over Oekraïne; ook /laatste buitenland\n"
    "/volg Oekraïne — een melding bij elk bericht over Oekraïne\n"
    "/volg staking, Rotterdam — meer tegelijk; /volg sport voor een hele rubriek\n"
    "/mijn — wat je volgt en je instellingen\n"
    "/ontvolg Oekraïne — stop met volgen; /ontvolg alles voor alles\n"
    "/zoek Lecornu — zoek in eerder nieuws\n"
    "/stil 23-7 — 's nachts meldingen zonder geluid\n"
    "/pauze 2 uur, /pauze tot morgen — even geen meldingen (/pauze uit: weer aan)\n"
    "/overzicht 8:00 — je meldingen samen in een overzicht om 8:00 "
    "(ook 7:30,18:00 of uur; /overzicht uit voor alles meteen)\n"
    "/stop — stop alles en wis je gegevens (ik vraag het eerst)"
)

UNKNOWN = "Dat commando ken ik niet. Stuur /help voor wat ik kan."
GROUP_ADMINS_ONLY = "In een groep kunnen alleen de beheerders van de groep dit aanpassen."
NOTHING_YET = "Er is nog geen nieuws. Kijk straks nog eens!"
LAATSTE_USAGE = (
    "Gebruik: /laatste voor het openingsverhaal, /laatste 5 voor de nieuwste berichten "
    "(1 tot 20), of /laatste Oekraïne."
)
MAX_LATEST = 20
TOPIC_ITEMS = 5
MAX_TERMS = 10  # terms in one /volg list
SEARCH_PAGE = 5


def _now() -> datetime:
    return datetime.now(UTC)


def _arg_text(message: Message) -> str:
    """Everything after the command word, as the reader typed it (line breaks kept)."""
    text = message.text or ""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


def thread_of(message: object) -> int:
    """The forum topic a message is in (its message_thread_id), or 0 for the chat itself.

    Only a topic message counts: in a group without topics a reply also carries a
    message_thread_id (the id of the thread of replies), and that is no topic.
    """
    if not getattr(message, "is_topic_message", False):
        return 0
    return int(getattr(message, "message_thread_id", None) or 0)


async def may_change(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """In groups and channels only the chat's administrators change what it follows.

    Decided by whoever acted, never by the message a button is under: a button press is
    the presser's (``callback_query.from_user``), whatever sent the message (in a channel
    every post, the bot's own included, is sent by the channel itself).  Only a command
    sent as the group itself (``sender_chat`` = the group) is an anonymous administrator's.
    """
    chat = update.effective_chat
    if chat is None:
        return False
    if chat.type == ChatType.PRIVATE:
        return True
    query = update.callback_query
    if query is not None:
        user = query.from_user
    else:
        message = update.effective_message
        if message is None:
            return False
        if message.sender_chat is not None:
            # An anonymous admin posts as the group; a linked channel's forward is no one.
            return chat.type != ChatType.CHANNEL and message.sender_chat.id == chat.id
        user = message.from_user
    if user is None:
        return False
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in ("administrator", "creator")


async def _ready(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Services:
    """The services, after recording the chat (needed before it can follow anything)."""
    svc = services(context)
    chat = update.effective_chat
    assert chat is not None
    await svc.store.touch_chat(chat.id, chat.type, chat.title)
    return svc


async def newsroom_sections(svc: Services) -> Sections:
    """The sections readers can follow: the newsroom's (its items', its feeds') and the
    usual ones; cached until news is stored, corrected or retracted."""
    cached = svc.replies.get(("sections",))
    if isinstance(cached, Sections):
        return cached
    from_feeds = [name for name, _ in map(feed_section, svc.settings.feeds) if name]
    found = Sections([*await svc.store.sections(), *from_feeds])
    svc.replies.put(("sections",), found)
    return found


PROVINCES = (
    "Groningen", "Friesland", "Drenthe", "Overijssel", "Flevoland", "Gelderland",
    "Utrecht", "Noord-Holland", "Zuid-Holland", "Zeeland", "Noord-Brabant", "Limburg",
)  # fmt: skip


def _rows(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def _follow_button(text: str, term: str, *, as_word: bool = False) -> InlineKeyboardButton | None:
    data = follow_term(term, as_word=as_word)
    return InlineKeyboardButton(_button_text("", text), callback_data=data) if data else None


async def starter_buttons(svc: Services) -> InlineKeyboardMarkup:
    """One-tap beginnings for a new reader: the newsroom's busiest sections, the breaking
    news topic when the newsroom has it, and the region picker."""
    sections = await newsroom_sections(svc)
    buttons = []
    if BREAKING in sections.newsroom:
        buttons.append(_follow_button(f"⚡ {BREAKING}", BREAKING))
    for name in [n for n in sections.newsroom if n != BREAKING][:4]:
        buttons.append(_follow_button(f"🔔 {name}", name))
    rows = _rows([b for b in buttons if b is not None], 2)
    rows.append([InlineKeyboardButton("📍 Kies je regio", callback_data=confirm("regio"))])
    return InlineKeyboardMarkup(rows)


def region_picker(svc: Services) -> tuple[str, InlineKeyboardMarkup]:
    """The provinces as buttons (those the gazetteer knows as a province), and a hint."""
    buttons = []
    for name in PROVINCES:
        for term in (name, f"provincie {name}"):
            place = svc.gazetteer.lookup(term)
            if place is not None and place.kind == "regio":
                button = _follow_button(place.name, term)
                if button is not None:
                    buttons.append(button)
                break
    text = (
        "Kies je provincie, of volg je woonplaats: typ bijvoorbeeld /volg Zwolle of "
        "/volg Den Bosch."
    )
    return text, InlineKeyboardMarkup(_rows(buttons, 3))


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet the reader, remember the chat, and offer one-tap beginnings.

    `/start volg-<payload>` (a follow link, see bot.news.deeplink) follows the topic as
    /volg would; `/start bericht-<id>` shows that item in full (the button under a shared
    item); a payload that decodes to neither gets the welcome.
    """
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    svc = services(context)
    if context.args:
        item_id = deeplink.item_of(context.args[0])
        if item_id is not None:
            await svc.store.touch_chat(chat.id, chat.type, chat.title)
            await send_item(message, svc, item_id)
            return
        term = deeplink.decode(context.args[0])
        if term is not None:
            await follow_text(update, context, term)
            return
    returning = await svc.store.touch_chat(chat.id, chat.type, chat.title)
    subs = await svc.store.subscriptions(chat.id, thread=thread_of(message))
    if returning or subs:
        state = (
            f"Je volgt {voice.count(len(subs), 'onderwerp', 'onderwerpen')}; /mijn laat ze zien."
            if subs else "Je volgt nog niets."
        )
        greeting = "<b>Welkom terug!</b> Je meldingen staan weer aan." if returning else (
            "<b>Welkom!</b>")
        await message.reply_text(f"{greeting} {state}\n\n{HELP}")
        return
    await message.reply_text(WELCOME, reply_markup=await starter_buttons(svc))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explain the commands with examples (and the newsroom's to an admin)."""
    if update.effective_message is not None:
        user = update.effective_user
        admin = services(context).is_admin(user.id if user else None)
        await update.effective_message.reply_text(HELP + (ADMIN_HELP if admin else ""))


async def follow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/volg <term>[, <term> ...]: follow a section, country, place or keyword."""
    message = update.effective_message
    if message is None or update.effective_chat is None:
        return
    await follow_text(update, context, _arg_text(message))


async def follow_text(
    update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, *, as_word: bool = False
) -> None:
    """Follow every term of `text` (a list is split), with one reply naming them all.

    The one path for /volg, follow links and follow buttons: the same guard rails, the
    same replies.  Nothing is stored for a term that is refused.
    """
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    svc = services(context)
    sections = await newsroom_sections(svc)
    text = " ".join(strip_format(text).split())
    if as_word:
        terms = [text]
    else:
        terms = split_terms(text, lambda term: is_name(term, svc.gazetteer, sections))
    if not terms:
        await message.reply_text("Wat wil je volgen? Bijvoorbeeld: /volg Oekraïne of /volg staking")
        return
    if len(terms) > MAX_TERMS:
        await message.reply_text(
            f"Dat zijn er te veel tegelijk: volg er hoogstens {MAX_TERMS} in één bericht."
        )
        return
    choices: list[Choice | TermError] = []
    for term in terms:
        try:
            choices.append(choose(term, svc.gazetteer, sections, as_word=as_word))
        except TermError as exc:
            choices.append(exc)
    if all(isinstance(c, TermError) for c in choices):
        await message.reply_text("\n".join(html.escape(str(c)) for c in choices))
        return
    if not await may_change(update, context):
        await message.reply_text(GROUP_ADMINS_ONLY)
        return
    await _ready(update, context)
    thread = thread_of(message)
    added: list[Choice] = []
    existed: list[Choice] = []
    refused: list[str] = []
    full = False
    for choice in choices:
        if isinstance(choice, TermError):
            refused.append(html.escape(str(choice)))
            continue
        topic = choice.topic
        result = await svc.store.subscribe(
            chat.id, topic.key, topic.name, thread=thread, excluding=topic.excluding
        )
        if result is SubscribeResult.ADDED:
            added.append(choice)
        elif result is SubscribeResult.EXISTS:
            existed.append(choice)
        else:
            full = True
    lines: list[str] = []
    names = [f"<b>{html.escape(c.topic.label)}</b>" for c in added]
    if len(added) == 1 and len(choices) == 1:
        note = f" {html.escape(added[0].topic.note)}" if added[0].topic.note else ""
        lines.append(f"Je volgt nu {names[0]}.{note} Nieuwe berichten erover krijg je meteen.")
    elif added:
        lines.append(f"Je volgt nu {voice.and_list(names)}. Nieuwe berichten erover krijg je "
                     "meteen.")
    if existed:
        had = voice.and_list([f"<b>{html.escape(c.topic.label)}</b>" for c in existed])
        lines.append(f"Je volgde {had} al; er verandert niets.")
    if full:
        lines.append(
            f"Je volgt al {MAX_SUBSCRIPTIONS} onderwerpen, het maximum. "
            "Ontvolg er eerst een via /mijn."
        )
    lines.extend(refused)
    markup = None
    offers = [c for c in (*added, *existed) if c.other is not None]
    if len(choices) == 1 and offers:
        chosen, other = offers[0].topic, offers[0].other
        assert other is not None
        if other.key.startswith("k:"):
            lines.append(f"Bedoelde je het woord ‘{html.escape(other.name)}’ in elk bericht, "
                         "ook buiten de rubriek? Tik dan hieronder.")
            button = _follow_button(f"🔔 Volg het woord ‘{other.name}’", other.name, as_word=True)
        else:
            lines.append(f"Liever de hele rubriek {html.escape(other.name)}? Tik dan hieronder.")
            button = _follow_button(f"🔔 Volg de rubriek {other.name}", chosen.name)
        if button is not None:
            markup = InlineKeyboardMarkup([[button]])
    await message.reply_text("\n".join(lines), reply_markup=markup)


UNFOLLOW_ALL = frozenset({"alles", "allemaal", "al", "alle onderwerpen", "alles wat ik volg"})


async def unfollow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ontvolg <term>[, <term> ...]: stop following them; /ontvolg alles: all, once
    confirmed with a button."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    svc = services(context)
    text = " ".join(strip_format(_arg_text(message)).split())
    if not text:
        await message.reply_text(
            "Wat wil je niet meer volgen? Bijvoorbeeld: /ontvolg Oekraïne\n"
            "Met /mijn zie je je lijst, met een knop per onderwerp. Alles: /ontvolg alles"
        )
        return
    if " ".join(words(text)) in UNFOLLOW_ALL:
        await _ask_unfollow_all(update, context)
        return
    sections = await newsroom_sections(svc)
    terms = split_terms(text, lambda term: is_name(term, svc.gazetteer, sections))[:MAX_TERMS]
    candidates: list[list[Topic]] = []
    for term in terms:
        try:
            choice = choose(term, svc.gazetteer, sections)
            candidates.append([choice.topic, *([choice.other] if choice.other else [])])
        except TermRefused:
            try:  # followed before the guard rails existed: it can still go
                candidates.append([resolve(term, svc.gazetteer)])
            except TermError as exc:
                await message.reply_text(html.escape(str(exc)))
                return
        except TermError as exc:
            await message.reply_text(html.escape(str(exc)))
            return
    if not await may_change(update, context):
        await message.reply_text(GROUP_ADMINS_ONLY)
        return
    thread = thread_of(message)
    gone: list[str] = []
    missing: list[str] = []
    for topics in candidates:
        for topic in topics:
            removed = await svc.store.unsubscribe(chat.id, topic.key, thread=thread)
            if removed is not None:
                gone.append(f"<b>{html.escape(removed)}</b>")
                break
        else:
            missing.append(f"<b>{html.escape(topics[0].label)}</b>")
    lines = []
    if gone:
        lines.append(f"Je volgt {voice.and_list(gone)} niet meer.")
    if missing:
        lines.append(f"Je volgde {voice.and_list(missing)} niet. Met /mijn zie je wat je volgt.")
    await message.reply_text("\n".join(lines))


async def _ask_unfollow_all(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    if not await may_change(update, context):
        await message.reply_text(GROUP_ADMINS_ONLY)
        return
    subs = await services(context).store.subscriptions(chat.id, thread=thread_of(message))
    if not subs:
        await message.reply_text("Je volgt nog niets. Probeer /volg Oekraïne of /volg staking.")
        return
    what = "je enige onderwerp" if len(subs) == 1 else f"alle {len(subs)} onderwerpen"
    await message.reply_text(
        f"Wil je {what} ontvolgen? Je stille uren en overzichtstijden blijven staan.",
        reply_markup=InlineKeyboardMarkup([[
            InlineKeyboardButton("Ja, ontvolg alles", callback_data=confirm("alles")),
            InlineKeyboardButton("Nee, laat staan", callback_data=confirm("nee")),
        ]]),
    )


DIRECT = "direct"
IN_OVERVIEW = "in overzicht"


def describe_rhythm(rhythm: Rhythm | None) -> str:
    if rhythm is None:
        return "Meldingen komen meteen. Een overzicht op vaste tijden: /overzicht 8:00"
    return f"Overzicht {rhythm.describe()}; onderwerpen op {DIRECT} komen meteen."


# Telegram's limits for an inline keyboard: 100 buttons, and about 10 kB of JSON for the
# whole markup (beyond it: "reply markup is too long").  At 50 subscriptions with an
# overview (two buttons a row) a row's JSON is at most ~181 bytes with these caps: 9.1 kB.
_MAX_BUTTONS = 100
_BUTTON_TEXT_JSON = 48


def _button_text(prefix: str, label: str) -> str:
    """``prefix + label``, cut (with "…") to at most _BUTTON_TEXT_JSON bytes of JSON as
    PTB sends it (non-ASCII escaped: up to 12 bytes a character)."""
    text = prefix + strip_format(label)
    if len(json.dumps(text)) - 2 <= _BUTTON_TEXT_JSON:
        return text
    while len(json.dumps(text + "…")) - 2 > _BUTTON_TEXT_JSON:
        text = text[:-1]
    return text.rstrip() + "…"


def subscriptions_view(
    subs: list[Subscription],
    quiet: tuple[int | None, int | None],
    rhythm: Rhythm | None = None,
    paused: str = "",
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The /mijn message: the list, the rhythm, quiet hours, and buttons per line.

    With an overview each line says whether it comes `direct` or `in overzicht`, and
    has a button that switches it.
    """
    if not subs:
        return (
            "Je volgt nog niets. Probeer /volg Oekraïne of /volg staking.\n"
            + describe_rhythm(rhythm) + "\n" + describe(*quiet)
            + (f"\n{html.escape(paused)}" if paused else ""),
            None,
        )
    head = f"<b>Je volgt {len(subs)} onderwerp{'en' if len(subs) != 1 else ''}:</b>"
    tail = ["", describe_rhythm(rhythm), describe(*quiet)]
    if paused:
        tail.append(html.escape(paused))
    tail.append("Tik op ❌ om te stoppen met volgen" + (
        ", op de andere knop om het direct of in het overzicht te krijgen." if rhythm else "."
    ))
    # Each line is "• <name> (<kind>)[ — direct]"; only the names may be cut, so that
    # 50 long labels (a name may be 64 characters of "&", 320 once escaped) still fit.
    def ends_of(with_cover: bool) -> list[str]:
        return [
            f" ({Topic(s.key, s.label).kind})"
            + (f", {cover}" if with_cover and not s.key.startswith("r:")
               and (cover := covers(s.key, short=True)) else "")
            + (f" — {DIRECT if s.direct else IN_OVERVIEW}" if rhythm is not None else "")
            for s in subs
        ]

    def fixed_of(ends: list[str]) -> int:
        return html_len("\n".join([head, *tail])) + sum(html_len(f"\n• {e}") for e in ends)

    # What a province, municipality or region follow covers ("met Amsterdam en 43 andere
    # gemeenten"; a country's is no news), unless that leaves too little room for names.
    ends = ends_of(True)
    if fixed_of(ends) > MAX_MESSAGE // 2:
        ends = ends_of(False)
    fixed = fixed_of(ends)
    names = fit_escaped([s.label for s in subs], MAX_MESSAGE - fixed)
    lines = [head, *(f"• {name}{html.escape(end)}" for name, end in zip(names, ends, strict=True))]
    lines += tail
    buttons = []
    for s in subs[: _MAX_BUTTONS // (2 if rhythm is not None else 1)]:
        text = _button_text("❌ ", s.label)
        row = [InlineKeyboardButton(text, callback_data=unfollow_list(s.key))]
        if rhythm is not None:
            toggle = f"🕗 {IN_OVERVIEW}" if s.direct else f"⚡ {DIRECT}"
            row.append(
                InlineKeyboardButton(toggle, callback_data=direct_toggle(s.key, not s.direct))
            )
        buttons.append(row)
    return "\n".join(lines), InlineKeyboardMarkup(buttons)


async def mine_view(
    svc: Services, chat_id: int, thread: int = 0
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The /mijn message for a chat (or one of its forum topics) as it is stored now."""
    row = await svc.store.chat(chat_id)
    quiet = (row.quiet_from, row.quiet_until) if row else (None, None)
    rhythm = stored_rhythm(row.overview) if row else None
    subs = await svc.store.subscriptions(chat_id, thread=thread)
    paused = pause_line(row.paused_until if row else None, _now(), svc.settings.tz)
    return subscriptions_view(subs, quiet, rhythm, paused)


async def mine(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/mijn: what this chat follows, with a button per line to remove it."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    text, markup = await mine_view(services(context), chat.id, thread_of(message))
    await message.reply_text(text, reply_markup=markup)


STOP_ASK = (
    "Weet je het zeker? Dan stop ik met alle meldingen en wis ik alles wat ik over dit "
    "gesprek bewaar: wat je volgt en je instellingen.\n"
    "Even rust? Met /pauze 2 uur of /pauze tot morgen blijft alles staan."
)


async def stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stop: ask first; the button 'Stop en wis alles' erases (see stop_confirmed)."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    if not await may_change(update, context):
        await message.reply_text(GROUP_ADMINS_ONLY)
        return
    await message.reply_text(STOP_ASK, reply_markup=InlineKeyboardMarkup([[
        InlineKeyboardButton("Stop en wis alles", callback_data=confirm("stop")),
        InlineKeyboardButton("Annuleer", callback_data=confirm("nee")),
    ]]))


async def stop_confirmed(svc: Services, chat_id: int) -> str:
    """Remove every subscription and what the bot stores about the chat; the reply."""
    # Alerts already queued for this chat must not arrive after the reply.
    async with svc.chat_paused(chat_id):
        count = await svc.store.forget_chat(chat_id)
    return (
        f"Gestopt: je volgt niets meer ({voice.count(count, 'onderwerp', 'onderwerpen')} "
        "gewist) en ik bewaar niets meer over dit gesprek. Met /start begin je opnieuw."
    )


async def pause(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/pauze 2 uur | tot morgen | tot 18:00 | uit: no alerts until then; what matched
    meanwhile comes afterwards in one message (or in the next overview)."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    svc = services(context)
    arg = _arg_text(message)
    now, tz = _now(), svc.settings.tz
    if not arg:
        info = await svc.store.chat(chat.id)
        current = pause_line(info.paused_until if info else None, now, tz)
        said = current or "Er is geen pauze."
        await message.reply_text(html.escape(f"{said}\n\n{PAUSE_USAGE}"))
        return
    try:
        until = parse_pause(arg, now, tz)
    except PauseError as exc:
        await message.reply_text(html.escape(str(exc)))
        return
    if not await may_change(update, context):
        await message.reply_text(GROUP_ADMINS_ONLY)
        return
    await _ready(update, context)
    # Alerts on their way finish first and none starts meanwhile: after this block the
    # chat has no pending alert (paused) or has its held ones back (resumed).
    async with svc.chat_paused(chat.id):
        moved = await svc.store.set_pause(chat.id, until.timestamp() if until else None)
    if svc.pauses is not None:
        svc.pauses.wake()  # its next moment may be this pause's end
    if until is None:
        if moved and svc.sender is not None:
            svc.sender.wake()
        note = " Wat er intussen binnenkwam, krijg je nu in één bericht." if moved else ""
        await message.reply_text(f"Geen pauze meer: meldingen komen weer.{note}")
        return
    zone = voice.zone_words(svc.settings.timezone)
    await message.reply_text(
        f"Pauze {voice.until_moment(until, now, tz)} ({html.escape(zone)}): tot dan krijg je "
        "geen meldingen. Wat er intussen binnenkomt, krijg je daarna in één bericht.\n"
        "Eerder weer aan: /pauze uit"
    )


def pause_line(paused_until: float | None, now: datetime, tz: ZoneInfo) -> str:
    """What /mijn and /pauze say about a pause; empty when there is none (or it is over)."""
    if paused_until is None or paused_until <= now.timestamp():
        return ""
    until = datetime.fromtimestamp(paused_until, UTC)
    return f"Pauze {voice.until_moment(until, now, tz)}: geen meldingen tot dan (/pauze uit)."


async def quiet(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stil 23-7 | /stil uit: alerts in those hours arrive without a sound."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    svc = services(context)
    arg = _arg_text(message)
    if not arg:
        row = await svc.store.chat(chat.id)
        current = describe(row.quiet_from, row.quiet_until) if row else describe(None, None)
        await message.reply_text(f"{current}\n\n{html.escape(QUIET_USAGE)}")
        return
    try:
        window = parse_quiet(arg)
    except QuietError as exc:
        await message.reply_text(html.escape(str(exc)))
        return
    if not await may_change(update, context):
        await message.reply_text(GROUP_ADMINS_ONLY)
        return
    await _ready(update, context)
    start_min, end_min = window if window else (None, None)
    await svc.store.set_quiet_hours(chat.id, start_min, end_min)
    said = describe(start_min, end_min)
    if window:  # the hours are in the bot's zone: say which, inside the sentence
        said = said.replace(" komen ", f" ({voice.zone_words(svc.settings.timezone)}) komen ", 1)
    await message.reply_text(html.escape(said))


async def overview(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/overzicht 8:00 | 7:30,18:00 | uur | uit: alerts held and sent together at set times."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    svc = services(context)
    arg = _arg_text(message)
    if not arg:
        row = await svc.store.chat(chat.id)
        current = describe_rhythm(stored_rhythm(row.overview) if row else None)
        await message.reply_text(f"{html.escape(current)}\n\n{html.escape(OVERVIEW_USAGE)}")
        return
    try:
        rhythm = parse_overview(arg)
    except OverviewError as exc:
        await message.reply_text(html.escape(str(exc)))
        return
    if not await may_change(update, context):
        await message.reply_text(GROUP_ADMINS_ONLY)
        return
    await _ready(update, context)
    assert svc.overviews is not None
    due, released = await svc.overviews.set_rhythm(chat.id, rhythm)
    if rhythm is None or due is None:
        note = f" De {released} bewaarde meldingen komen nu." if released > 1 else (
            " De bewaarde melding komt nu." if released == 1 else "")
        await message.reply_text(f"Het overzicht staat uit: meldingen komen weer meteen.{note}")
        return
    zone = voice.zone_words(svc.settings.timezone)
    next_one = voice.at_moment(due, svc.overviews.now(), svc.settings.tz)
    await message.reply_text(
        f"Je krijgt je meldingen voortaan in een overzicht {html.escape(rhythm.describe())} "
        f"({html.escape(zone)}). Het volgende komt {next_one}.\n"
        f"Wil je een onderwerp toch meteen? Zet het in /mijn op {DIRECT}."
    )


def item_buttons(items: list[Item], first: int = 1) -> list[list[InlineKeyboardButton]]:
    """One button per list row, its number, that opens the whole item (rows of five)."""
    buttons = [
        InlineKeyboardButton(str(first + i), callback_data=open_item(item.id))
        for i, item in enumerate(items)
        if item.id is not None
    ]
    return _rows(buttons, 5)


async def send_item(message: Message, svc: Services, item_id: int) -> None:
    """The whole item, as /laatste shows the lead story; a polite line if it is gone."""
    item = await svc.store.item(item_id, live=True)
    if item is None:
        await message.reply_text("Dit bericht is er niet meer.")
        return
    for text in render_article(item, now=_now(), tz=svc.settings.tz):
        await message.reply_text(text)


def latest_count(arg: str) -> tuple[int | None, str]:
    """The count of `/laatste <arg>` (digits or a Dutch number word), capped at 20 with a
    note; (None, "") when `arg` is no count at all, (0, ...) for a count out of range."""
    count = voice.number_word(arg)
    if count is None and looks_numeric(arg):
        count = parse_number(arg, low=0, high=10**6)
        if count is None:
            return 0, ""
    if count is None:
        return None, ""
    if count > MAX_LATEST:
        return MAX_LATEST, (
            f"Meer dan {MAX_LATEST} tegelijk kan niet; hier zijn de nieuwste {MAX_LATEST}."
        )
    return count, ""


async def latest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/laatste: the lead story; /laatste 5 (or vijf): newest briefs, each to open;
    /laatste <term>: newest on it (a section, a place, a word)."""
    message = update.effective_message
    if message is None:
        return
    svc = services(context)
    arg = " ".join(_arg_text(message).split())
    count, note = latest_count(arg) if arg else (0, "")
    if not arg or count is not None:
        if arg and not count:
            await message.reply_text(LAATSTE_USAGE)
            return
        # Everyone gets the same answer here: render it once for a burst of readers.
        replies = svc.replies.get(("laatste", count))
        if replies is None:
            replies = await (_lead_texts(svc) if not count else _newest_texts(svc, count))
            svc.replies.put(("laatste", count), replies)
        for i, (text, markup) in enumerate(replies):
            if note and i == 0:
                text = f"<i>{html.escape(note)}</i>\n\n{text}"
            await message.reply_text(text, reply_markup=markup)
        return
    try:
        answer = await topic_answer(svc, arg)
    except TermError as exc:
        await message.reply_text(html.escape(str(exc)) + "\n" + LAATSTE_USAGE)
        return
    await message.reply_text(answer.text, reply_markup=answer.markup)


class TopicAnswer:
    """The newest items about a term, with their buttons; `found` False when there are none."""

    def __init__(self, text: str, markup: InlineKeyboardMarkup | None, found: bool) -> None:
        self.text, self.markup, self.found = text, markup, found


async def topic_answer(svc: Services, term: str) -> TopicAnswer:
    """`/laatste <term>` and free text: the newest items about `term`, numbered, each to
    open, with "Volg" and "Meer" buttons.  Raises TermError for a term nothing can be."""
    sections = await newsroom_sections(svc)
    name = sections.lookup(term)
    query = strip_format(term).split()[:12]  # as typed: "Meer" echoes it
    if name is not None:
        spellings = [n for n in await svc.store.sections(limit=200)
                     if section_key(n) == section_key(name)]
        items = await svc.store.in_section(spellings, TOPIC_ITEMS)
        about = f"de rubriek {name}"
        follow_as = name
    else:
        topic = searched(term, svc.gazetteer)
        # What a follow of the same words would alert on (a place with what lies in it).
        items = await svc.store.search(topic.key, TOPIC_ITEMS, excluding=topic.excluding)
        about = called(term, topic)
        follow_as = topic.name if not topic.key.startswith("k:") else term
    follow = _follow_button(f"🔔 Volg {follow_as}", follow_as)
    if not items:
        text = (
            f"Nog geen nieuws over {quoted(about)}. "
            f"Met /volg {quoted(follow_as)} hoor je het meteen als het er is."
        )
        return TopicAnswer(text, InlineKeyboardMarkup([[follow]]) if follow else None, False)
    header = f"Het nieuwste over {about}"
    text = render_list(items, header=header, now=_now(), tz=svc.settings.tz, first=1)
    rows = item_buttons(items)
    last = [b for b in (follow,) if b is not None]
    more = more_results(items[-1].id or 0, len(items), query) if query else None
    if more is not None and len(items) == TOPIC_ITEMS and name is None:
        last.append(InlineKeyboardButton("Meer ▸", callback_data=more))
    if last:
        rows.append(last)
    return TopicAnswer(text, InlineKeyboardMarkup(rows), True)


Reply = tuple[str, InlineKeyboardMarkup | None]


async def _lead_texts(svc: Services) -> list[Reply]:
    """The lead story (else the newest item) as one or more messages."""
    lead = await svc.store.lead()
    if lead is None:
        newest = await svc.store.newest(1)
        if not newest:
            return [(NOTHING_YET, None)]
        lead = newest[0]
    return [(text, None) for text in render_article(lead, now=_now(), tz=svc.settings.tz)]


async def _newest_texts(svc: Services, count: int) -> list[Reply]:
    items = await svc.store.newest(count, kind="brief")
    if not items:
        return [(NOTHING_YET, None)]
    text = render_list(items, header="Het nieuwste", now=_now(), tz=svc.settings.tz, first=1)
    return [(text, InlineKeyboardMarkup(item_buttons(items)))]


ZOEK_USAGE = "Waar wil je naar zoeken? Bijvoorbeeld: /zoek staking of /zoek Lecornu"


async def search_page(
    svc: Services, query: list[str], before: int | None = None, shown: int = 0
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of /zoek results, with a 'meer' button when there are more.

    The first page (``before`` None) holds the newest matches; "Meer" asks for those
    older than the last one shown, ``shown`` results in (for the numbering only).
    """
    key = ("zoek", tuple(query), before, shown)
    page = svc.replies.get(key)
    if page is None:
        page = await _search_page(svc, query, before, shown)
        if len(svc.replies) > 1000:  # many different searches: start afresh
            svc.replies.clear()
        svc.replies.put(key, page)
    return page  # type: ignore[no-any-return]


async def _search_page(
    svc: Services, query: list[str], before: int | None, shown: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    typed = " ".join(query)  # as the reader typed it
    said = quoted(typed)
    try:
        topic = searched(typed, svc.gazetteer)
    except TermRefused as exc:  # a term /volg refuses ("de", "2026"): not looked for either
        return html.escape(str(exc)).replace("/volg", "/zoek"), None
    except TermError as exc:  # nothing a follow could be: nothing found, and why
        return f"Niets gevonden voor “{said}”. {html.escape(str(exc))}", None
    found = await svc.store.search(
        topic.key, SEARCH_PAGE + 1, before=before, excluding=topic.excluding
    )
    if not found:
        if before is not None:
            return f"Geen verdere resultaten voor “{said}”.", None
        return (
            f"Niets gevonden voor “{said}”. Met /volg {said} "
            "krijg je een melding zodra er nieuws over is.",
            None,
        )
    page, more = found[:SEARCH_PAGE], len(found) > SEARCH_PAGE
    first, last = shown + 1, shown + len(page)
    header = f"Gevonden voor “{html.unescape(said)}” ({first}–{last})"
    text = render_list(page, header=header, now=_now(), tz=svc.settings.tz, first=first)
    rows = item_buttons(page, first)
    data = more_results(page[-1].id or 0, last, query)
    if more and data is not None:  # a query too long for a button's data gets none
        rows.append([InlineKeyboardButton("Meer ▸", callback_data=data)])
    return text, InlineKeyboardMarkup(rows)


async def search(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/zoek <woorden>: what a follow of these words would have alerted on, newest first."""
    message = update.effective_message
    if message is None:
        return
    query = strip_format(_arg_text(message)).split()
    if not words(" ".join(query)):
        await message.reply_text(ZOEK_USAGE)
        return
    text, markup = await search_page(services(context), query[:12])
    await message.reply_text(text, reply_markup=markup)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a command nobody handles with a short hint."""
    message = update.effective_message
    if message is None or update.effective_chat is None:
        return
    # In groups, commands meant for other bots are none of our business.
    if update.effective_chat.type != ChatType.PRIVATE and not _addressed_to_us(message, context):
        return
    await message.reply_text(UNKNOWN)


def _addressed_to_us(message: Message, context: ContextTypes.DEFAULT_TYPE) -> bool:
    command = (message.text or "").split(maxsplit=1)[0] if message.text else ""
    return command.lower().endswith("@" + (context.bot.username or "").lower())


async def membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot was blocked, removed from a group, or let back in."""
    change, chat = update.my_chat_member, update.effective_chat
    if change is None or chat is None:
        return
    svc = services(context)
    store = svc.store
    status = change.new_chat_member.status
    if status in ("kicked", "left"):
        async with svc.chat_paused(chat.id):
            await store.deactivate_chat(chat.id, f"bot status: {status}")
    elif chat.type == ChatType.CHANNEL and status != "administrator":
        # In a channel only an admin may post (the newsroom's channel, bot/channel.py).
        async with svc.chat_paused(chat.id):
            await store.deactivate_chat(chat.id, f"bot status: {status}")
    elif status in ("member", "administrator"):
        await store.touch_chat(chat.id, chat.type, chat.title)


def register(app: Application) -> None:  # type: ignore[type-arg]
    for name, callback in (
        ("start", start),
        ("help", help_command),
        ("volg", follow),
        ("volgen", follow),  # synonyms readers try; not in the command menu
        ("nieuws", latest),
        ("instellingen", mine),
        ("ontvolg", unfollow),
        ("mijn", mine),
        ("stop", stop),
        ("stil", quiet),
        ("pauze", pause),
        ("overzicht", overview),
        ("laatste", latest),
        ("zoek", search),
    ):
        app.add_handler(CommandHandler(name, callback))
    app.add_handler(ChatMemberHandler(membership, ChatMemberHandler.MY_CHAT_MEMBER))
