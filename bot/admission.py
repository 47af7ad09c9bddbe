"""Admission per chat: one chat's flood slows only that chat's own answers.

Updates are handled concurrently (PTB's update processor: at most ``max_concurrent_updates``
at once), and a reply waits for its chat's permit in the rate limiter: one message a
second to a private chat, twenty a minute to a group.  Without admission, a chat that
sends a few hundred commands at once fills every handler slot with replies waiting on
that one chat's permit, and every other reader waits until the flood has drained
(minutes for a private chat, the better part of an hour for a group).

So before a handler runs, :class:`ChatAdmission` decides per chat: at most
``per_chat`` updates of one chat are being handled at a time.  An update beyond that is
not handled: it is dropped at once (its handler slot comes free again), counted, and
folded into what the chat is told:

* a button press is answered with a short notice (answerCallbackQuery is not a message:
  no chat permit to wait for, and the spinner on the reader's screen stops);
* for messages the chat gets one "Rustig aan" notice, at most once per ``notice_every``
  seconds; it waits for the chat's permit like a reply, after the answers admitted.  In a
  group only a message the bot would answer (a command, a mention) earns it: the members'
  talk among themselves, dropped while the bot is busy with the group, would have had no
  answer anyway.

A flood is logged as one WARNING line when it starts (chat id) and one when it ends or
every ``log_every`` seconds while it lasts (chat id and how many updates were dropped).

A chat's own pace stays whatever Telegram allows: while it keeps sending, each answer
that goes frees a place for the next update, so a flooding chat is still answered once a
second (private) or twenty times a minute (group), never faster, and the backlog it can
cause is ``per_chat`` updates, not everything it sent.  Readers who type a few commands
in a row are within ``per_chat`` and get every answer.

What is limited: messages and button presses in a chat.  Not limited: updates without a
chat (inline queries, answered without a chat permit), the bot's membership changes
(``my_chat_member``: the store must see every one), and updates from the newsroom's
admins (trusted, and a dropped ``/plaats`` would be lost news).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

PER_CHAT = 5  # updates of one chat handled at a time; more are dropped
NOTICE_EVERY = 60.0  # seconds: at most one "Rustig aan" message per chat in this time
LOG_EVERY = 60.0  # seconds between a long flood's count lines
FORGET_EVERY = 60.0  # seconds between sweeps of idle chats' bookkeeping

NOTICE = (
    "Rustig aan: je stuurt meer dan ik kan beantwoorden. Wat je zojuist nog stuurde, heb ik "
    "overgeslagen. Stuur het over een ogenblik opnieuw als je nog een antwoord wilt."
)
BUTTON_NOTICE = "Rustig aan: even wachten, en druk dan nog eens."


@dataclass
class _Chat:
    """One chat's count of updates in hand, and its current flood."""

    busy: int = 0  # updates of this chat being handled now
    dropped: int = 0  # dropped since the flood's last log line
    flood_since: float | None = None  # when the last log line was written (None: no flood)
    told_until: float = 0.0  # no further "Rustig aan" message before this moment


class ChatAdmission(BaseUpdateProcessor):
    """PTB's concurrent update processor, with at most ``per_chat`` updates per chat in hand.

    ``exempt``: user ids never limited (the admins).  ``on_dropped`` is called with every
    update dropped (metrics).
    """

    def __init__(
        self,
        max_concurrent_updates: int = 256,
        *,
        per_chat: int = PER_CHAT,
        exempt: frozenset[int] = frozenset(),
        on_dropped: Callable[[Update], None] | None = None,
        notice_every: float = NOTICE_EVERY,
        log_every: float = LOG_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(max_concurrent_updates)
        if per_chat < 1:
            raise ValueError("per_chat must be at least 1")
        self.per_chat = per_chat
        self.exempt = exempt
        self.on_dropped = on_dropped
        self.notice_every = notice_every
        self.log_every = log_every
        self.clock = clock
        self._chats: dict[int, _Chat] = {}
        self._next_forget = clock() + FORGET_EVERY

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def limited_chat(self, update: object) -> int | None:
        """The chat whose admission `update` counts against, or None when it is not limited."""
        if not isinstance(update, Update):
            return None
        if update.message is None and update.callback_query is None:
            return None
        chat, user = update.effective_chat, update.effective_user
        if chat is None or (user is not None and user.id in self.exempt):
            return None
        return chat.id

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat_id = self.limited_chat(update)
        if chat_id is None:
            await coroutine
            return
        chat = self._chat(chat_id)
        if chat.busy >= self.per_chat:
            if asyncio.iscoroutine(coroutine):
                coroutine.close()  # never run: no "was never awaited" warning
            assert isinstance(update, Update)
            await self._drop(update, chat_id, chat)
            return
        chat.busy += 1
        try:
            await coroutine
        finally:
            self._done(chat_id, chat)

    def _chat(self, chat_id: int) -> _Chat:
        now = self.clock()
        if now >= self._next_forget:
            self._next_forget = now + FORGET_EVERY
            self.forget_idle()
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Chat()
        return chat

    def _done(self, chat_id: int, chat: _Chat) -> None:
        chat.busy -= 1
        if chat.busy == 0 and chat.flood_since is not None:
            self._log_dropped(chat_id, chat)
            chat.flood_since = None  # over: the next drop is a new flood

    def _log_dropped(self, chat_id: int, chat: _Chat) -> None:
        if chat.dropped:
            assert chat.flood_since is not None
            log.warning(
                "chat %d: %d updates dropped in %.0f s (more than %d waiting for an answer)",
                chat_id, chat.dropped, self.clock() - chat.flood_since, self.per_chat,
            )
        chat.dropped = 0
        chat.flood_since = self.clock()

    async def _drop(self, update: Update, chat_id: int, chat: _Chat) -> None:
        now = self.clock()
        if chat.flood_since is None:
            chat.flood_since = now
            log.warning(
                "chat %d sends faster than it can be answered: updates beyond %d waiting "
                "are dropped", chat_id, self.per_chat,
            )
        elif now - chat.flood_since >= self.log_every:
            self._log_dropped(chat_id, chat)
        chat.dropped += 1
        if self.on_dropped is not None:
            self.on_dropped(update)
        try:
            if update.callback_query is not None:
                await update.callback_query.answer(BUTTON_NOTICE)
            elif now >= chat.told_until and self.asks_the_bot(update):
                chat.told_until = now + self.notice_every
                # Counted as one in hand: the chat's flood is not over before it went.
                chat.busy += 1
                try:
                    # A reply, like a handler's: in a forum it stays in the topic.
                    await update.effective_message.reply_text(NOTICE)
                finally:
                    self._done(chat_id, chat)
        except TelegramError as exc:  # blocked, too late for the button: nothing more to do
            log.warning("chat %d: could not tell it to slow down: %s", chat_id, exc)

    @staticmethod
    def asks_the_bot(update: Update) -> bool:
        """A message the bot would answer: anything in a private chat; in a group a
        command or a message that mentions the bot (the group's other talk gets no notice)."""
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None:
            return False
        if chat.type == chat.PRIVATE:
            return True
        text = (message.text or message.caption or "").lower()
        try:
            username = update.get_bot().username
        except RuntimeError:  # the bot was never initialised (getMe): no name to look for
            username = ""
        return text.startswith("/") or (bool(username) and f"@{username.lower()}" in text)

    def forget_idle(self) -> None:
        """Drop the bookkeeping of chats with nothing in hand and no notice pending."""
        now = self.clock()
        for chat_id in [
            c for c, chat in self._chats.items() if chat.busy == 0 and chat.told_until <= now
        ]:
            del self._chats[chat_id]
