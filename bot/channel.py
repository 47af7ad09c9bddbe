"""The newsroom's channel (NEWSBOT_CHANNEL): every new item is posted there.

The channel is a chat row like any reader's, following the key that every item matches
(``ALL_KEY``), so its posts go through the same durable outbox and the same sender as
alerts: within a group's 20 messages a minute, retried on outages, edited on a
correction and deleted on a retraction.  They read like alerts without the "Je volgt"
line, with only the "Deel" button (a channel's readers cannot unfollow what it follows).

At start the channel is looked up (an `@name` becomes its numeric id) and the bot's
membership checked once.  If the bot is not an admin that may post, one warning says so
and the channel row is made inactive: nothing is queued for it, so there is no flood of
failing sends.  When an admin makes the bot an admin of the channel, Telegram says so
(my_chat_member) and the channel becomes active again, with no restart.
"""

from __future__ import annotations

import logging

from telegram import Bot, ChatMemberAdministrator, ChatMemberOwner
from telegram.error import TelegramError

from storage import Store

log = logging.getLogger(__name__)

NOT_ADMIN = "bot is geen beheerder van het kanaal"


async def setup_channel(bot: Bot, store: Store, channel: str | None) -> int | None:
    """Register the channel as the chat that follows everything; returns its chat id.

    None when no channel is set, or when Telegram does not know it (then nothing in the
    database changes: a channel that was set up before keeps its row and its queue).
    """
    if channel is None:
        await store.set_channel(None)
        return None
    try:
        chat = await bot.get_chat(channel)
    except TelegramError as exc:
        log.warning(
            "NEWSBOT_CHANNEL %s: Telegram does not know this channel or the bot cannot see it"
            " (%s); nothing is posted there. Add the bot to the channel as an admin.",
            channel, exc,
        )
        return None
    await store.set_channel(chat.id, chat.title)
    problem = await _cannot_post(bot, chat.id)
    if problem is not None:
        log.warning(
            "NEWSBOT_CHANNEL %s: %s, so nothing is posted there. Make the bot an admin of"
            " the channel that may post messages; posting starts as soon as it is one.",
            channel, problem,
        )
        await store.deactivate_chat(chat.id, NOT_ADMIN)
    else:
        log.info("posting every new item to channel %s (%s)", channel, chat.id)
    return chat.id


async def _cannot_post(bot: Bot, chat_id: int) -> str | None:
    """Why the bot cannot post in the channel, or None when it can."""
    try:
        member = await bot.get_chat_member(chat_id, bot.id)
    except TelegramError as exc:
        return f"the bot's membership cannot be read ({exc})"
    if isinstance(member, ChatMemberOwner):
        return None
    if not isinstance(member, ChatMemberAdministrator):
        return f"the bot is not an admin of the channel (status: {member.status})"
    if member.can_post_messages is False:
        return "the bot is an admin of the channel but may not post messages"
    return None
