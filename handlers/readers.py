"""Reader commands: /start, /help, /volg, /ontvolg, /mijn, /stop, /stil, /overzicht,
/laatste, /zoek.

Thin callbacks: read the command, call the domain and the store, send the Dutch reply.
"""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.ext import Application, ChatMemberHandler, CommandHandler, ContextTypes

from bot.news import deeplink
from bot.news.buttons import direct_toggle, more_results, unfollow_list
from bot.news.match import TermError, Topic, resolve
from bot.news.overview import USAGE as OVERVIEW_USAGE
from bot.news.overview import OverviewError, Rhythm, parse_overview, stored_rhythm
from bot.news.quiet import USAGE as QUIET_USAGE
from bot.news.quiet import QuietError, describe, parse_quiet
from bot.news.render import MAX_MESSAGE, fit_escaped, html_len, render_article, render_list
from bot.news.text import looks_numeric, parse_number, strip_format, words
from bot.services import Services, services
from storage import MAX_SUBSCRIPTIONS, SubscribeResult, Subscription

WELCOME = (
    "<b>Welkom bij het nieuws!</b>\n"
    "Ik stuur je het laatste nieuws, en een melding zodra er nieuws is over wat jij volgt."
)

HELP = (
    "<b>Zo werkt het</b>\n"
    "/laatste — het belangrijkste verhaal van dit moment\n"
    "/laatste 5 — de vijf nieuwste berichten\n"
    "/laatste Oekraïne — het nieuwste over Oekraïne\n"
    "/volg Oekraïne — een melding bij elk bericht over Oekraïne\n"
    "/volg staking — of over een onderwerp\n"
    "/mijn — wat je volgt\n"
    "/ontvolg Oekraïne — stop met volgen\n"
    "/zoek Lecornu — zoek in eerder nieuws\n"
    "/stil 23-7 — 's nachts meldingen zonder geluid\n"
    "/overzicht 8:00 — je meldingen samen in één overzicht om 8:00 "
    "(ook 7:30,18:00 of uur; /overzicht uit voor alles meteen)\n"
    "/stop — stop alles en wis je gegevens"
)

UNKNOWN = "Dat commando ken ik niet. Stuur /help voor wat ik kan."
GROUP_ADMINS_ONLY = "In een groep kunnen alleen de beheerders van de groep dit aanpassen."
NOTHING_YET = "Er is nog geen nieuws. Kijk straks nog eens!"
LAATSTE_USAGE = (
    "Gebruik: /laatste voor het openingsverhaal, /laatste 5 voor de nieuwste berichten "
    "(1 tot 20), of /laatste Oekraïne."
)
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
    """In groups only the group's administrators change what the group follows."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None:
        return False
    if chat.type == ChatType.PRIVATE:
        return True
    message = update.effective_message
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id  # an anonymous admin posts as the group
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


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet the reader, remember the chat, and show what the bot does.

    `/start volg-<payload>` (a follow link, see bot.news.deeplink) follows the topic as
    /volg would; a payload that does not decode to a topic gets the welcome.
    """
    chat = update.effective_chat
    if chat is None or update.effective_message is None:
        return
    term = deeplink.decode(context.args[0]) if context.args else None
    if term is not None:
        try:
            topic = resolve(term, services(context).gazetteer)
        except TermError:
            pass  # a link to something that cannot be followed: just welcome them
        else:
            await _follow_topic(update, context, topic)
            return
    returning = await services(context).store.touch_chat(chat.id, chat.type, chat.title)
    greeting = "<b>Welkom terug!</b> Je meldingen staan weer aan." if returning else WELCOME
    await update.effective_message.reply_text(f"{greeting}\n\n{HELP}")


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explain the commands with examples."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(HELP)


async def follow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/volg <term>: follow a country, place or keyword."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    svc = services(context)
    try:
        topic = resolve(_arg_text(message), svc.gazetteer)
    except TermError as exc:
        await message.reply_text(html.escape(str(exc)))
        return
    await _follow_topic(update, context, topic)


async def _follow_topic(update: Update, context: ContextTypes.DEFAULT_TYPE, topic: Topic) -> None:
    """Subscribe the chat (or forum topic) to `topic` and say so: /volg and follow links."""
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    if not await may_change(update, context):
        await message.reply_text(GROUP_ADMINS_ONLY)
        return
    svc = await _ready(update, context)
    result = await svc.store.subscribe(chat.id, topic.key, topic.name, thread=thread_of(message))
    label = html.escape(topic.label)
    note = f" {html.escape(topic.note)}" if topic.note else ""
    if result is SubscribeResult.ADDED:
        reply = f"Je volgt nu <b>{label}</b>.{note} Nieuwe berichten erover krijg je meteen."
    elif result is SubscribeResult.EXISTS:
        reply = f"Je volgde <b>{label}</b> al; er verandert niets."
    else:
        reply = (
            f"Je volgt al {MAX_SUBSCRIPTIONS} onderwerpen, het maximum. "
            "Ontvolg er eerst een via /mijn."
        )
    await message.reply_text(reply)


async def unfollow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ontvolg <term>: stop following it (any spelling that resolves to it)."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    svc = services(context)
    term = _arg_text(message)
    if not term:
        await message.reply_text(
            "Wat wil je niet meer volgen? Bijvoorbeeld: /ontvolg Oekraïne\n"
            "Met /mijn zie je je lijst, met een knop per onderwerp."
        )
        return
    try:
        topic = resolve(term, svc.gazetteer)
    except TermError as exc:
        await message.reply_text(html.escape(str(exc)))
        return
    if not await may_change(update, context):
        await message.reply_text(GROUP_ADMINS_ONLY)
        return
    removed = await svc.store.unsubscribe(chat.id, topic.key, thread=thread_of(message))
    if removed is None:
        await message.reply_text(
            f"Je volgde <b>{html.escape(topic.label)}</b> niet. Met /mijn zie je wat je volgt."
        )
    else:
        await message.reply_text(f"Je volgt <b>{html.escape(removed)}</b> niet meer.")


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
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The /mijn message: the list, the rhythm, quiet hours, and buttons per line.

    With an overview each line says whether it comes `direct` or `in overzicht`, and
    has a button that switches it.
    """
    if not subs:
        return (
            "Je volgt nog niets. Probeer /volg Oekraïne of /volg staking.\n"
            + describe_rhythm(rhythm) + "\n" + describe(*quiet),
            None,
        )
    head = f"<b>Je volgt {len(subs)} onderwerp{'en' if len(subs) != 1 else ''}:</b>"
    tail = ["", describe_rhythm(rhythm), describe(*quiet)]
    tail.append("Tik op ❌ om te stoppen met volgen" + (
        ", op de andere knop om het direct of in het overzicht te krijgen." if rhythm else "."
    ))
    # Each line is "• <name> (<kind>)[ — direct]"; only the names may be cut, so that
    # 50 long labels (a name may be 64 characters of "&", 320 once escaped) still fit.
    ends = [
        f" ({Topic(s.key, s.label).kind})"
        + (f" — {DIRECT if s.direct else IN_OVERVIEW}" if rhythm is not None else "")
        for s in subs
    ]
    fixed = html_len("\n".join([head, *tail])) + sum(html_len(f"\n• {end}") for end in ends)
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
    return subscriptions_view(subs, quiet, rhythm)


async def mine(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/mijn: what this chat follows, with a button per line to remove it."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    text, markup = await mine_view(services(context), chat.id, thread_of(message))
    await message.reply_text(text, reply_markup=markup)


async def stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stop: remove every subscription and what the bot stores about the chat."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    if not await may_change(update, context):
        await message.reply_text(GROUP_ADMINS_ONLY)
        return
    svc = services(context)
    # Alerts already queued for this chat must not arrive after the reply below.
    async with svc.chat_paused(chat.id):
        count = await svc.store.forget_chat(chat.id)
    await message.reply_text(
        f"Gestopt: je volgt niets meer ({count} onderwerp{'en' if count != 1 else ''} gewist) "
        "en ik bewaar niets meer over dit gesprek. Met /start begin je opnieuw."
    )


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
    zone = svc.settings.timezone
    await message.reply_text(f"{describe(start_min, end_min)} (tijdzone {html.escape(zone)})")


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
    local = due.astimezone(svc.settings.tz)
    await message.reply_text(
        f"Je krijgt je meldingen voortaan in één overzicht {html.escape(rhythm.describe())} "
        f"(tijdzone {html.escape(svc.settings.timezone)}). "
        f"Het volgende komt om {local.hour:02d}:{local.minute:02d}.\n"
        f"Wil je een onderwerp toch meteen? Zet het in /mijn op {DIRECT}."
    )


async def latest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/laatste: the lead story; /laatste 5: newest briefs; /laatste <term>: newest on it."""
    message = update.effective_message
    if message is None:
        return
    svc = services(context)
    arg = _arg_text(message)
    now, tz = _now(), svc.settings.tz
    if not arg or looks_numeric(arg):
        count = parse_number(arg, low=1, high=20) if arg else 0
        if count is None:
            await message.reply_text(LAATSTE_USAGE)
            return
        # Everyone gets the same answer here: render it once for a burst of readers.
        texts = svc.replies.get(("laatste", count))
        if texts is None:
            texts = await (_lead_texts(svc) if not count else _newest_texts(svc, count))
            svc.replies.put(("laatste", count), texts)
        for text in texts:
            await message.reply_text(text)
        return
    try:
        topic = resolve(arg, svc.gazetteer)
    except TermError as exc:
        await message.reply_text(html.escape(str(exc)) + "\n" + LAATSTE_USAGE)
        return
    if topic.key.startswith("r:"):
        items = await svc.store.in_region(topic.key[2:], 5)
    else:
        items = await svc.store.search(words(arg), 5)
    if not items:
        await message.reply_text(
            f"Nog geen nieuws over {html.escape(topic.name)}. "
            f"Met /volg {html.escape(topic.name)} hoor je het meteen als het er is."
        )
        return
    header = f"Het nieuwste over {topic.name}"
    await message.reply_text(render_list(items, header=header, now=now, tz=tz))


async def _lead_texts(svc: Services) -> list[str]:
    """The lead story (else the newest item) as one or more messages."""
    lead = await svc.store.lead()
    if lead is None:
        newest = await svc.store.newest(1)
        if not newest:
            return [NOTHING_YET]
        lead = newest[0]
    return render_article(lead, now=_now(), tz=svc.settings.tz)


async def _newest_texts(svc: Services, count: int) -> list[str]:
    items = await svc.store.newest(count, kind="brief")
    if not items:
        return [NOTHING_YET]
    return [render_list(items, header="Het nieuwste", now=_now(), tz=svc.settings.tz)]


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
    found = await svc.store.search(query, SEARCH_PAGE + 1, before=before)
    said = " ".join(query)
    if not found:
        if before is not None:
            return f"Geen verdere resultaten voor “{html.escape(said)}”.", None
        return (
            f"Niets gevonden voor “{html.escape(said)}”. Met /volg {html.escape(said)} "
            "krijg je een melding zodra er nieuws over is.",
            None,
        )
    page, more = found[:SEARCH_PAGE], len(found) > SEARCH_PAGE
    first, last = shown + 1, shown + len(page)
    header = f"Gevonden voor “{html.escape(said)}” ({first}–{last})"
    text = render_list(page, header=header, now=_now(), tz=svc.settings.tz)
    data = more_results(page[-1].id or 0, last, query)
    if not more or data is None:  # a query too long for a button's data gets none
        return text, None
    return text, InlineKeyboardMarkup([[InlineKeyboardButton("Meer ▸", callback_data=data)]])


async def search(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/zoek <woorden>: full-text search over the archive, newest first."""
    message = update.effective_message
    if message is None:
        return
    query = words(_arg_text(message))
    if not query:
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
        ("ontvolg", unfollow),
        ("mijn", mine),
        ("stop", stop),
        ("stil", quiet),
        ("overzicht", overview),
        ("laatste", latest),
        ("zoek", search),
    ):
        app.add_handler(CommandHandler(name, callback))
    app.add_handler(ChatMemberHandler(membership, ChatMemberHandler.MY_CHAT_MEMBER))
