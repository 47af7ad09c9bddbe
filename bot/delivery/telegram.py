"""The gateway: every request that sends, edits or deletes a message, and what the answer means.

Single alerts, combined alerts, overviews, the channel's posts, corrections and
retractions all leave through :class:`Gateway`, and :func:`classify` is the one place
where Telegram's answers become typed :class:`Answer` values, which
:meth:`Answer.outcomes` turns into the outbox outcomes of every alert the message
carried.  A new kind of request (a photo, a caption edit) is a method here; a new kind
of answer is a line in :func:`classify` and one in :meth:`Answer.outcomes`, and every
path gets it at once.

=============================================  ============  ==============================
Telegram's answer                              Answer        what the alerts become
=============================================  ============  ==============================
200                                            SENT          sent, with the message id
429 for one chat                               RETRY_AFTER   pending until retry_after
429 from several chats within a second         RETRY_AFTER   same; a global flood wait
403 blocked, kicked, user deactivated          BLOCKED       dropped; the chat dormant
400 chat not found                             CHAT_GONE     dropped; the chat dormant
400 not enough rights                          NO_RIGHTS     dropped; the chat dormant
400 message thread not found (to a topic)      TOPIC_GONE    dropped; topic unsubscribed
400 with migrate_to_chat_id                    MIGRATED      pending, moved to the new id
any other 400                                  REJECTED      failed, description kept
5xx, timeout, dropped connection: outage       OUTAGE        pending, no attempt spent
the same for one chat, getMe answered          CHAT_TROUBLE  backoff, bounded attempts
=============================================  ============  ==============================

Alerts go by ``Bot.do_api_request``, not ``Bot.send_message``: the latter turns
Telegram's answer into a ``telegram.Message``, a large share of a send's CPU, and only
the message_id is needed (at the paid rate on two cores that share is the difference;
docs/benchmarks.md).  ``do_api_request`` skips the app's ``Defaults``, so
parse mode and link previews are set here.  Bot API method names are case-insensitive:
the lower-case spelling keeps PTB from suggesting ``send_message``.  The request still
passes through PTB's rate-limiter hook (bot/delivery/ptb_limiter.py): an alert's permits
are already held (``PRELIMITED``), an edit or delete waits for its own like an alert
(``BACKGROUND``).
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any

from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.delivery.outage import OutageGate, Verdict
from bot.delivery.ratelimit import RateLimiter, Ticket
from bot.delivery.retry import Timings
from storage.outbox import (
    ChatGone,
    ChatMoved,
    Count,
    Delivery,
    Failed,
    Outcome,
    Reason,
    Retry,
    Sent,
    TopicGone,
)

log = logging.getLogger(__name__)

# rate_limit_args the gateway passes for an alert: its permits are already held.
PRELIMITED = "prelimited"
# rate_limit_args for background edits and deletes: wait like an alert, not a reply.
BACKGROUND = "background"
# Methods that put (or change) a message in a chat and so count against its limits.
LIMITED_METHODS = frozenset(
    {"sendmessage", "sendphoto", "copymessage", "forwardmessage", "editmessagetext",
     "editmessagecaption", "editmessagereplymarkup", "deletemessage"}
)
NO_PREVIEW = {"is_disabled": True}  # as bot.app's Defaults
# What Telegram says to an edit of the other kind of message (text vs. caption).
_WRONG_KIND = "in the message to edit"


def retry_seconds(error: RetryAfter) -> float:
    """Telegram's retry_after in seconds (PTB 22 warns that its type will change)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


@dataclass(frozen=True)
class Outgoing:
    """One message as it goes out (made by bot/delivery/compose.py)."""

    chat_id: int
    text: str
    markup: InlineKeyboardMarkup | None = None
    thread_id: int = 0  # a forum topic's message_thread_id; 0: the chat itself
    silent: bool = False
    # A photo (Telegram file_id or URL): the message is sendPhoto with `text` as caption.
    photo: str | None = None
    # A link whose preview the reader sees (a text message only); None: no preview.
    preview: dict[str, Any] | None = None
    # For an edit of a photo item: the text for a text message (the caption may be cut).
    full_text: str | None = None


class Said(Enum):
    """What Telegram's answer to one request means (the table in the module docstring)."""

    SENT = "sent"
    RETRY_AFTER = "retry_after"
    BLOCKED = "blocked"
    CHAT_GONE = "chat_gone"
    NO_RIGHTS = "no_rights"
    TOPIC_GONE = "topic_gone"
    MIGRATED = "migrated"
    REJECTED = "rejected"
    OUTAGE = "outage"
    CHAT_TROUBLE = "chat_trouble"


# The answers that end an alert, and the reason they record.
_FAILS = {
    Said.BLOCKED: Reason.BLOCKED,
    Said.CHAT_GONE: Reason.GONE,
    Said.NO_RIGHTS: Reason.RIGHTS,
    Said.TOPIC_GONE: Reason.TOPIC_GONE,
    Said.REJECTED: Reason.REJECTED,
}


@dataclass(frozen=True)
class Answer:
    """Telegram's answer to one request, typed."""

    said: Said
    description: str = ""
    message_id: int = 0
    retry_after: float = 0.0
    new_chat_id: int = 0

    @property
    def ok(self) -> bool:
        return self.said is Said.SENT

    def outcomes(
        self, outgoing: Outgoing, deliveries: Sequence[Delivery], timings: Timings
    ) -> list[Outcome]:
        """What the answer means for every alert the message carried (the one mapping)."""
        chat_id, now = outgoing.chat_id, time.time()
        said, text = self.said, self.description
        if said is Said.SENT:
            return [Sent(d.id, self.message_id, now) for d in deliveries]
        if said is Said.RETRY_AFTER:
            # Never dropped, and no attempt spent: Telegram said when to come back.
            until = now + self.retry_after
            return [*(Retry(d.id, d.attempts, until, "429") for d in deliveries), Count("429")]
        if said is Said.MIGRATED:
            return [ChatMoved(chat_id, self.new_chat_id)]  # the rows move with the chat
        if said is Said.OUTAGE:
            # Back in the queue as they were, to go when the gate opens.
            return [Retry(d.id, d.attempts, now, f"storing: {text}") for d in deliveries]
        if said is Said.CHAT_TROUBLE:
            return [timings.backoff(d, text) for d in deliveries]
        reason = _FAILS[said]
        failed: list[Outcome] = [Failed(d.id, reason, text) for d in deliveries]
        if reason.chat_gone:
            # Dormant until the chat speaks to us or the bot may post again.
            return [ChatGone(chat_id, text), *failed]
        if said is Said.TOPIC_GONE:
            return [TopicGone(chat_id, outgoing.thread_id), *failed]
        return failed


def classify(exc: TelegramError, thread_id: int = 0) -> Answer:
    """Telegram's refusal as an Answer; a transport failure as CHAT_TROUBLE (the outage gate
    decides whether it is an outage).  The order matters: BadRequest is a NetworkError."""
    text = exc.message
    lowered = text.lower()
    if isinstance(exc, RetryAfter):
        return Answer(Said.RETRY_AFTER, text, retry_after=retry_seconds(exc))
    if isinstance(exc, Forbidden):
        return Answer(Said.BLOCKED, text)
    if isinstance(exc, ChatMigrated):
        return Answer(Said.MIGRATED, text, new_chat_id=int(exc.new_chat_id))
    if isinstance(exc, BadRequest):
        if thread_id and "thread not found" in lowered:
            return Answer(Said.TOPIC_GONE, text)
        if "chat not found" in lowered:
            return Answer(Said.CHAT_GONE, text)
        if "rights" in lowered:
            return Answer(Said.NO_RIGHTS, text)
        return Answer(Said.REJECTED, text)
    return Answer(Said.CHAT_TROUBLE, str(exc))  # timeouts, 5xx, connection errors


class Gateway:
    """Sends, edits and deletes messages; tells the rate limiter and the outage gate."""

    def __init__(
        self, bot: Bot, limiter: RateLimiter, gate: OutageGate, *, paid: bool
    ) -> None:
        self.bot = bot
        self.limiter = limiter
        self.gate = gate
        self.paid = paid
        self.sent = 0  # messages Telegram accepted
        self.rate_limited = 0  # 429s to sends

    async def send(self, outgoing: Outgoing, ticket: Ticket) -> Answer:
        """Send a message with the permits of `ticket` (held by the caller)."""
        self.limiter.sending(ticket)
        api_kwargs: dict[str, Any] = {
            "chat_id": outgoing.chat_id,
            "message_thread_id": outgoing.thread_id or None,  # a forum topic
            "parse_mode": ParseMode.HTML,
            "reply_markup": outgoing.markup,
            "disable_notification": outgoing.silent,
            "allow_paid_broadcast": True if self.paid else None,
        }
        if outgoing.photo:
            method = "sendphoto"
            api_kwargs.update(photo=outgoing.photo, caption=outgoing.text)
        else:
            method = "sendmessage"
            api_kwargs.update(
                text=outgoing.text, link_preview_options=outgoing.preview or NO_PREVIEW
            )
        try:
            message = await self.bot.do_api_request(  # type: ignore[call-arg]
                method, api_kwargs=api_kwargs, rate_limit_args=PRELIMITED
            )
        except TelegramError as exc:
            return await self._refused(outgoing, exc)
        self.gate.answered()
        self.sent += 1
        return Answer(Said.SENT, message_id=int(message["message_id"]))

    async def _refused(self, outgoing: Outgoing, exc: TelegramError) -> Answer:
        answer = classify(exc, outgoing.thread_id)
        chat_id = outgoing.chat_id
        if answer.said is Said.CHAT_TROUBLE:
            if await self.gate.failed(chat_id, answer.description) is Verdict.OUTAGE:
                return Answer(Said.OUTAGE, answer.description)
            return answer
        self.gate.answered()  # Telegram answered, about this chat or this message
        if answer.said is Said.RETRY_AFTER:
            wait, flooded = answer.retry_after, self.limiter.flooded
            if self.limiter.rate_limited(chat_id, wait) and not flooded:
                log.warning("429s from several chats: every send waits %.0f s", wait)
            elif not flooded:
                log.warning("429 for chat %s: waiting %.0f s", chat_id, wait)
            self.rate_limited += 1
        elif answer.said is Said.REJECTED:
            # Our own rendering should make this impossible: say so loudly.
            log.error("Telegram refused a message for chat %s: %s", chat_id, answer.description)
        return answer

    async def edit(self, message_id: int, outgoing: Outgoing) -> Answer:
        """Replace a sent message's text (a photo's caption) and buttons: a correction, a
        retraction inside a combined message.  Waits for its permits like an alert.

        An item with a photo went as a photo, unless its text was too long for a caption
        and the photo a URL (then it went as text with the photo as its preview): when
        Telegram says the message has no caption (or no text), the other edit is the one.
        """
        caption = {
            "chat_id": outgoing.chat_id,
            "message_id": message_id,
            "caption": outgoing.text,
            "parse_mode": ParseMode.HTML,
            "reply_markup": outgoing.markup,
        }
        text = {
            "chat_id": outgoing.chat_id,
            "message_id": message_id,
            "text": outgoing.full_text or outgoing.text,
            "parse_mode": ParseMode.HTML,
            "link_preview_options": outgoing.preview or NO_PREVIEW,
            "reply_markup": outgoing.markup,
        }
        tries = [("editmessagecaption", caption), ("editmessagetext", text)]
        if not outgoing.photo:
            tries.reverse()
        answer = await self._background(*tries[0])
        if answer.said is Said.REJECTED and _WRONG_KIND in answer.description.lower():
            answer = await self._background(*tries[1])
        return answer

    async def delete(self, chat_id: int, message_id: int) -> Answer:
        """Take a message off the chat (Telegram allows it for 48 hours)."""
        return await self._background(
            "deletemessage", {"chat_id": chat_id, "message_id": message_id}
        )

    async def _background(self, method: str, api_kwargs: dict[str, Any]) -> Answer:
        try:
            await self.bot.do_api_request(  # type: ignore[call-arg]
                method, api_kwargs=api_kwargs, rate_limit_args=BACKGROUND
            )
        except TelegramError as exc:  # deleted by the reader, unchanged, chat gone, ...
            answer = classify(exc)
            log.info("%s in chat %s: %s (%s)", method, api_kwargs["chat_id"],
                     answer.said.value, answer.description)
            return answer
        return Answer(Said.SENT, message_id=int(api_kwargs["message_id"]))
