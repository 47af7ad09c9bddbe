"""Local Telegram Bot API emulator for end-to-end tests and benchmarks.

``BotAPI`` is an ``aiohttp.web`` server on 127.0.0.1 that speaks enough of the Bot API for
python-telegram-bot to run a real ``Application`` against it: getMe, long-polling getUpdates,
sendMessage / sendPhoto / edit / delete, callback answers, commands, chat members.  Tests
inject user messages and button presses, inspect everything the bot sent, and inject failures
(blocked users, migrated groups, 429 / 5xx bursts, latency).  With ``enforce_limits=True`` it
also enforces Telegram's flood limits so the sender can be checked to stay under them.

Typical use::

    async with BotAPI() as api:
        bot = telegram.Bot(api.token, base_url=api.base_url, request=AiohttpRequest(), ...)
        api.inject_message("/start", chat_id=42)
        sent = await api.wait_sent(1, chat_id=42)

Standalone (manual checks, benchmarks; accepts any bot token)::

    python -m fakes.botapi --port 8081 [--enforce-limits]

Behaviour notes, where the real Bot API is ambiguous or the emulator simplifies:

* Unknown methods answer 400 "Bad Request: method not found" (real Telegram answers 404, which
  PTB turns into InvalidToken / EndPointNotFound).
* parse_mode=HTML is validated with fakes/telegram_html.py in strict mode by default
  (``strict_html=False`` for TDLib's exact leniency); other parse modes are not interpreted.
* Flood limits (``enforce_limits``): sendMessage, editMessageText, editMessageReplyMarkup,
  editMessageCaption, deleteMessage(s), sendDocument/sendPhoto/copyMessage/forwardMessage count
  against a global sliding 1 s window -- at most 1000 calls in all (``total_limit``), of which at
  most 30 without ``allow_paid_broadcast`` (``free_limit``): 1000/s is the bot's whole budget,
  paid and free together, as on Telegram. Only *sending* methods count against the per-chat
  limits: 1 per second to a private chat (chat_id > 0), 20 per 60 s to a group/channel (chat_id <
  0). Rejected calls get 429 with ``retry_after`` = ceil(seconds until the window frees up), min
  1, and are not delivered. Only delivered messages are counted. Time is ``time.monotonic()``.
* Outages and flood waits: ``go_down(502)`` answers every method (getMe and getUpdates too)
  with that status until ``come_up()``; ``go_down(None)`` closes every connection without an
  answer and refuses new ones (the port stays reserved).  ``flood(seconds, retry_after)``
  answers every rate-limited call 429 for that long, as Telegram's global flood wait does.
* Forum topics: ``inject_message(..., message_thread_id=N)`` posts in topic N of a forum
  (``open_topic``); sends with ``message_thread_id`` must name an open topic, else 400
  "message thread not found" (``delete_topic``).  Channels: ``add_channel`` (``@username``
  resolves to the id; the bot posts only as an admin, else 400 "need administrator
  rights"), ``inject_my_chat_member`` (promotions, removals).
* Inline mode: ``inject_inline_query`` queues an ``inline_query`` update; answerInlineQuery is
  checked as Telegram checks it (a query answered once, at most 50 results, unique ids of 1-64
  bytes, article titles, message text parsed like sendMessage's: valid HTML within 4096) and
  kept in ``inline_answers``; ``choose_inline_result`` posts a result into a chat "via @bot".
* Photos: sendPhoto takes an upload, a file_id Telegram issued (an earlier sendPhoto's, or one
  from ``inject_photo``, a user's photo with a caption) or an http(s) URL (``unreachable_url``
  makes one fail as "failed to get HTTP URL content"); anything else is "wrong file
  identifier/HTTP URL specified".  Captions are parsed like text and limited to 1024
  characters ("message caption is too long").  editMessageCaption works on media messages only
  ("there is no caption in the message to edit"), editMessageText on text messages only
  ("there is no text in the message to edit").  A sent photo is in ``sent()`` like a text
  message (its record has ``photo`` and ``caption`` instead of ``text``).
* link_preview_options must be an object of the Bot API's fields (not both prefer_small_media
  and prefer_large_media); it is echoed in the sent message.
* Inline keyboards are checked as Telegram checks them: callback data of 1-64 bytes, at most
  100 buttons and 8 a row, and at most 10 kB of markup JSON ("reply markup is too long").
* getUpdates never returns 409 for concurrent pollers; updates stay queued until confirmed with
  ``offset`` (or ``deleteWebhook(drop_pending_updates=True)``), so an abandoned long poll loses
  nothing.
* ``api.messages`` only holds messages sent by the bot; injected user messages are in
  ``api.updates``.  Both share the per-chat message_id counter, as in Telegram.
* Webhooks: after ``setWebhook`` the emulator posts each pending update to the URL (with
  ``X-Telegram-Bot-Api-Secret-Token`` when a ``secret_token`` was set), up to
  ``max_connections`` (default 40) at a time, like Telegram; an update leaves the queue when
  the bot answers 2xx and is retried otherwise.  ``getUpdates`` then answers 409, as
  Telegram does, until ``deleteWebhook``.  ``webhook_answers`` records every post's status.
* Requests are processed even if the client gave up (e.g. timed out during ``api.delay``), so
  a TimedOut on the client may still mean "delivered" -- as with the real API.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import itertools
import json
import math
import re
import signal
import socket
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web

from .telegram_html import HTMLParseError, parse_html_entities, utf16_len

__all__ = ["ApiError", "BotAPI", "Call", "main"]

JSONDict = dict[str, Any]

MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024  # a media message's caption, counted like text after parsing
# Inline keyboards as Telegram limits them: 100 buttons, 8 a row, ~10 kB of markup JSON.
MAX_KEYBOARD_BUTTONS = 100
MAX_ROW_BUTTONS = 8
MAX_MARKUP_BYTES = 10240
MAX_INLINE_RESULTS = 50  # answerInlineQuery: at most 50 results
MAX_INLINE_RESULT_ID = 64  # bytes of a result's id
GLOBAL_FREE_LIMIT = 30  # messages per second without allow_paid_broadcast
GLOBAL_PAID_LIMIT = 1000  # messages per second with allow_paid_broadcast
PRIVATE_CHAT_INTERVAL = 1.0  # seconds between two messages to one private chat
GROUP_LIMIT = 20  # messages per GROUP_WINDOW to one group
GROUP_WINDOW = 60.0

# Methods whose calls count against the global flood window / the per-chat limits.
_RATE_LIMITED = frozenset(
    {
        "sendmessage",
        "editmessagetext",
        "editmessagereplymarkup",
        "editmessagecaption",
        "deletemessage",
        "deletemessages",
        "senddocument",
        "sendphoto",
        "copymessage",
        "forwardmessage",
    }
)
_SENDING = frozenset({"sendmessage", "senddocument", "sendphoto", "copymessage", "forwardmessage"})

# Form values arrive as strings; these keys are decoded to JSON / int / bool.
_JSON_KEYS = frozenset(
    {
        "reply_markup",
        "link_preview_options",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
        "reply_parameters",
        "message_ids",
        "media",
        "results",
        "button",
        "input_message_content",
    }
)
_INT_KEYS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "user_id",
        "offset",
        "limit",
        "timeout",
        "reply_to_message_id",
        "message_thread_id",
        "cache_time",
        "until_date",
    }
)
_BOOL_KEYS = frozenset(
    {
        "disable_notification",
        "allow_paid_broadcast",
        "disable_web_page_preview",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "allow_sending_without_reply",
        "only_if_banned",
        "revoke_messages",
        "is_personal",
    }
)

_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_BUTTON_URL_RE = re.compile(r"(?:https?|tg)://\S+", re.IGNORECASE)
_SURROGATE_RE = re.compile("[\ud800-\udfff]")

_ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_pin_messages": True,
}

_INTERNAL_MESSAGE_KEYS = frozenset({"raw_text", "parse_mode"})
_PREVIEW_FLAGS = frozenset(
    {"is_disabled", "prefer_small_media", "prefer_large_media", "show_above_text"}
)

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


@dataclass(slots=True)
class Call:
    """One request received by the emulator (after the token check)."""

    method: str  # as sent by the client, e.g. "sendMessage"
    params: JSONDict  # decoded parameters
    at: float  # time.monotonic() on arrival


class ApiError(Exception):
    """A Bot API error answer: HTTP status == error_code, description, optional parameters."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass(slots=True)
class _Failure:
    method: str  # lower-case method name
    status: int
    description: str
    remaining: int
    parameters: JSONDict | None
    chat_id: int | None


def _too_many_requests(wait: float) -> ApiError:
    retry_after = max(1, math.ceil(wait))
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


def _default_description(status: int, retry_after: int | None) -> str:
    if status == 429:
        return f"Too Many Requests: retry after {retry_after or 1}"
    return {
        400: "Bad Request",
        401: "Unauthorized",
        403: "Forbidden",
        409: "Conflict",
        500: "Internal Server Error",
        502: "Bad Gateway",
        503: "Service Unavailable",
        504: "Gateway Timeout",
    }.get(status, f"Error {status}")


def _normalize(params: JSONDict) -> JSONDict:
    """Decode string-encoded values (form bodies, or JSON bodies with stringified fields)."""
    for key, value in params.items():
        if not isinstance(value, str):
            continue
        if key in _JSON_KEYS:
            if value[:1] in ("{", "[", '"') or value in ("null", "true", "false"):
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    raise ApiError(400, f"Bad Request: can't parse {key} JSON object") from None
        elif key in _INT_KEYS:
            try:
                params[key] = int(value)
            except ValueError:
                with contextlib.suppress(ValueError):
                    params[key] = float(value)
        elif key in _BOOL_KEYS:
            params[key] = value.lower() in ("true", "1")
    return params


@functools.lru_cache(maxsize=4096)
def _parse_html_cached(text: str, strict: bool) -> tuple[str, list[JSONDict]]:
    """parse_html_entities with a cache: broadcasts send one text to many chats.

    The returned entity list is shared between messages; it is never mutated.
    """
    return parse_html_entities(text, strict=strict)


_encode_json = json.JSONEncoder(separators=(",", ":")).encode


def _json_response(status: int, payload: JSONDict) -> web.Response:
    return web.Response(
        status=status, body=_encode_json(payload).encode(), content_type="application/json"
    )


def _error_payload(err: ApiError) -> JSONDict:
    payload: JSONDict = {"ok": False, "error_code": err.status, "description": err.description}
    if err.parameters:
        payload["parameters"] = err.parameters
    return payload


class BotAPI:
    """In-process Telegram Bot API emulator; see the module docstring.

    Public state (read it from tests and benchmarks):

    * ``calls``: every authorised request, as :class:`Call` objects, in arrival order.
    * ``messages[chat_id][message_id]``: current state of the messages the bot sent (edits
      applied, deleted ones removed).  Each is a Bot API Message dict plus ``raw_text`` (the text
      as sent, e.g. with HTML tags) and ``parse_mode``.
    * ``updates``: every injected update, ``callback_answers``: answerCallbackQuery params.
    * ``stats``: a Counter -- "calls", "sent", "edited", "deleted", and per error status "400",
      "403", "429", "500", ...
    * ``accepted``: (``time.monotonic()``, chat id) of every text message accepted, in order.
    * ``delay``: seconds of artificial latency added to every call.
    """

    def __init__(
        self,
        token: str = "123456:TEST-token",
        bot_username: str = "newsbot_test_bot",
        enforce_limits: bool = False,
        *,
        any_token: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        strict_html: bool = True,
        bot_first_name: str = "NewsBot (test)",
        record_calls: bool = True,
    ) -> None:
        self.token = token
        self.bot_id = self._bot_id_from_token(token)
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.enforce_limits = enforce_limits
        self.any_token = any_token
        self.host = host
        self.port = port
        self.strict_html = strict_html
        self.record_calls = record_calls
        self.delay: float = 0.0
        # Flood limits (enforce_limits): all sends per second, and those of them without
        # allow_paid_broadcast.  Tests shrink them to reach the limit with few messages.
        self.total_limit = GLOBAL_PAID_LIMIT
        self.free_limit = GLOBAL_FREE_LIMIT
        # go_down(): the status every call is answered with (0: connections refused).
        self.down_status: int | None = None
        self._flood_until = 0.0
        self._flood_retry_after = 1

        self.calls: list[Call] = []
        self.messages: defaultdict[int | str, dict[int, JSONDict]] = defaultdict(dict)
        self.updates: list[JSONDict] = []
        self.callback_answers: list[JSONDict] = []
        self.inline_answers: list[JSONDict] = []  # answerInlineQuery params, as accepted
        self.supports_inline_queries = True  # getMe's field (BotFather's /setinline)
        self.stats: Counter[str] = Counter()
        # (time.monotonic(), chat_id) of every text message accepted, in order; kept even
        # without record_calls (benchmarks read rates and exactly-once from it).
        self.accepted: list[tuple[float, int | str]] = []
        # Requests being handled now (long polls aside): after a client dies, what it
        # sent may still be completing here; wait for 0 before counting what arrived.
        self.in_flight = 0
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        # (update_id, HTTP status or the exception's name) of every webhook post.
        self.webhook_answers: list[tuple[int, int | str]] = []
        self._webhook_tasks: list[asyncio.Task[None]] = []

        self._sent: list[JSONDict] = []
        self._sent_by_chat: defaultdict[int | str, list[JSONDict]] = defaultdict(list)
        self._pending: deque[JSONDict] = deque()
        self._update_ids = itertools.count(1)
        self._update_event = asyncio.Event()
        self._closing = False
        self._message_ids: dict[int | str, int] = {}
        self._callback_ids = itertools.count(1)
        self._callbacks: dict[str, JSONDict] = {}
        self._topics: defaultdict[int | str, set[int]] = defaultdict(set)  # forum topics
        self._channels: dict[str, int] = {}  # "@username" (lower case) -> channel id
        self._inline_ids = itertools.count(1)
        self._inline_queries: dict[str, JSONDict] = {}  # asked, not yet answered
        self._chats: dict[int | str, JSONDict] = {}
        self._users: dict[int, JSONDict] = {}
        self._admins: dict[int | str, tuple[int | None, list[int]]] = {}
        self._commands: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self._last_default_commands: list[tuple[str, str]] = []
        self._chat_errors: dict[int | str, ApiError] = {}
        self._failures: list[_Failure] = []
        # Photos Telegram knows: file_ids it issued (uploads, injected photos) and URLs it
        # could not fetch (``unreachable_url``).
        self._file_ids: set[str] = set()
        self._unreachable_urls: set[str] = set()

        self._free_window: deque[float] = deque()
        self._total_window: deque[float] = deque()  # every counted call, paid or not
        self._private_last: dict[int | str, float] = {}
        self._group_windows: defaultdict[int | str, deque[float]] = defaultdict(deque)

        self._runner: web.AppRunner | None = None

        self._handlers: dict[str, Callable[[JSONDict, str], Any]] = {
            "getme": self._get_me,
            "logout": self._true,
            "close": self._true,
            "deletewebhook": self._delete_webhook,
            "setwebhook": self._set_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "setmydescription": self._true,
            "setmyshortdescription": self._true,
            "setmyname": self._true,
            "sendmessage": self._send_message,
            "senddocument": self._send_document,
            "sendphoto": self._send_photo,
            "editmessagetext": self._edit_message_text,
            "editmessagecaption": self._edit_message_caption,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "deletemessages": self._delete_messages,
            "answercallbackquery": self._answer_callback_query,
            "answerinlinequery": self._answer_inline_query,
            "sendchataction": self._chat_true,
            "leavechat": self._chat_true,
            "getchat": self._get_chat,
            "getchatmember": self._get_chat_member,
            "getchatadministrators": self._get_chat_administrators,
            "getchatmembercount": self._get_chat_member_count,
        }

    # ------------------------------------------------------------------ lifecycle

    @staticmethod
    def _bot_id_from_token(token: str) -> int:
        prefix = token.split(":", 1)[0]
        return int(prefix) if prefix.isdigit() else 123456

    @property
    def base_url(self) -> str:
        """Pass as ``base_url`` to PTB (it appends the token)."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Pass as ``base_file_url`` to PTB."""
        return f"http://{self.host}:{self.port}/file/bot"

    async def start(self) -> None:
        """Start serving on ``host``:``port`` (0 = ephemeral port, see ``self.port`` after)."""
        if self._runner is not None:
            return
        self._closing = False
        self._update_event = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/_emulator/stats", self._handle_stats)
        app.router.add_route("POST", "/_emulator/inject", self._handle_inject)
        app.router.add_route("GET", "/_emulator/sent", self._handle_sent)
        app.router.add_route("*", "/{tail:.*}", self._handle_not_found)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            await runner.cleanup()
            raise
        self.port = sock.getsockname()[1]
        site = web.SockSite(runner, sock)
        await site.start()
        self._runner = runner

    async def stop(self) -> None:
        """Stop serving; pending long polls return immediately."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self._closing = True
        self._wake_pollers()
        await self._stop_webhook()
        await runner.cleanup()

    async def __aenter__(self) -> BotAPI:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ------------------------------------------------------------------ configuration

    def block(self, chat_id: int) -> None:
        """Sending to ``chat_id`` gives 403 "Forbidden: bot was blocked by the user"."""
        self._chat_errors[chat_id] = ApiError(403, "Forbidden: bot was blocked by the user")

    def deactivate(self, chat_id: int) -> None:
        """Sending to ``chat_id`` gives 403 "Forbidden: user is deactivated"."""
        self._chat_errors[chat_id] = ApiError(403, "Forbidden: user is deactivated")

    def kick(self, chat_id: int) -> None:
        """Sending to ``chat_id`` gives 403 "Forbidden: bot was kicked from the group chat"."""
        self._chat_errors[chat_id] = ApiError(403, "Forbidden: bot was kicked from the group chat")

    def chat_not_found(self, chat_id: int) -> None:
        """Calls for ``chat_id`` give 400 "Bad Request: chat not found"."""
        self._chat_errors[chat_id] = ApiError(400, "Bad Request: chat not found")

    def migrate(self, chat_id: int, new_chat_id: int) -> None:
        """Calls for group ``chat_id`` give 400 with ``parameters.migrate_to_chat_id``."""
        self._chat_errors[chat_id] = ApiError(
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            {"migrate_to_chat_id": new_chat_id},
        )
        new_chat = {"id": new_chat_id, "type": "supergroup"}
        old_chat = self._chats.get(chat_id)
        if old_chat is not None and "title" in old_chat:
            new_chat["title"] = old_chat["title"]
        self._chats.setdefault(new_chat_id, new_chat)

    def unblock(self, chat_id: int) -> None:
        """Undo block / deactivate / kick / chat_not_found / migrate for ``chat_id``."""
        self._chat_errors.pop(chat_id, None)

    def go_down(self, status: int | None = 502) -> None:
        """An outage: every call is answered ``status`` (502 "Bad Gateway" by default).

        ``None``: connections are closed without an answer, as when Telegram or the
        network cannot be reached.  Lasts until :meth:`come_up`.
        """
        self.down_status = 0 if status is None else status

    def come_up(self) -> None:
        """End the outage started by :meth:`go_down`."""
        self.down_status = None

    def flood(self, seconds: float, retry_after: int = 1) -> None:
        """Telegram's global flood wait: every rate-limited call gets 429 for ``seconds``."""
        self._flood_until = time.monotonic() + seconds
        self._flood_retry_after = retry_after

    def fail_next(
        self,
        method: str,
        status: int,
        description: str | None = None,
        count: int = 1,
        retry_after: int | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Make the next ``count`` calls of ``method`` (to ``chat_id``, if given) fail.

        ``retry_after`` adds ``parameters.retry_after`` (PTB raises RetryAfter); the default
        description is Telegram's usual text for ``status``.  Failed calls are not executed.
        """
        parameters = {"retry_after": retry_after} if retry_after is not None else None
        self._failures.append(
            _Failure(
                method=method.lower(),
                status=status,
                description=description or _default_description(status, retry_after),
                remaining=count,
                parameters=parameters,
                chat_id=chat_id,
            )
        )

    def set_admins(
        self, chat_id: int, user_ids: Iterable[int], *, creator: int | None = None
    ) -> None:
        """Configure getChatMember/getChatAdministrators: ``user_ids`` are administrators,
        ``creator`` (optional) the owner; everybody else is a plain member."""
        self._admins[chat_id] = (creator, [u for u in user_ids if u != creator])

    @property
    def commands(self) -> list[tuple[str, str]]:
        """The default-scope command list (``(command, description)`` pairs).

        That is the list set without ``language_code`` -- the one users without a localised
        list see; if only localised default-scope lists were set, the most recent of those.
        """
        plain = self._commands.get(("default", ""))
        return list(plain if plain is not None else self._last_default_commands)

    def commands_for(
        self, scope: JSONDict | None = None, language_code: str = ""
    ) -> list[tuple[str, str]]:
        """The command list set for exactly this scope and language (empty if none)."""
        return list(self._commands.get((self._scope_key(scope), language_code), []))

    # ------------------------------------------------------------------ injection

    def inject_message(
        self,
        text: str,
        chat_id: int | None = None,
        user_id: int = 1001,
        chat_type: str | None = None,
        first_name: str = "Test",
        username: str | None = None,
        *,
        last_name: str | None = None,
        language_code: str | None = "nl",
        chat_title: str | None = None,
        message_thread_id: int | None = None,
    ) -> JSONDict:
        """Queue a text message from a user and return the update.

        ``chat_id`` defaults to ``user_id`` (a private chat); ``chat_type`` defaults to
        "private" for positive ids, "supergroup" for -100... ids and "group" otherwise.  Text
        starting with "/" gets a ``bot_command`` entity (up to the first whitespace, including
        any "@botname").  ``message_thread_id`` posts it in that forum topic (the chat becomes
        a forum, the topic exists from then on; see ``open_topic``).
        """
        if chat_id is None:
            chat_id = user_id
        user = self._register_user(user_id, first_name, username, last_name, language_code)
        chat = self._register_chat(chat_id, chat_type, user, chat_title)
        message: JSONDict = {
            "message_id": self._next_message_id(chat_id),
            "from": user,
            "chat": chat,
            "date": int(time.time()),
            "text": text,
        }
        if message_thread_id is not None:
            self.open_topic(chat_id, message_thread_id)
            message["message_thread_id"] = message_thread_id
            message["is_topic_message"] = True
        if text.startswith("/"):
            command = re.split(r"\s", text, maxsplit=1)[0]
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        return self.push_update({"message": message})

    def inject_photo(
        self,
        caption: str | None = None,
        chat_id: int | None = None,
        user_id: int = 1001,
        *,
        file_id: str | None = None,
    ) -> JSONDict:
        """Queue a photo a user sends (with ``caption``) and return the update.

        The photo gets a file_id Telegram would issue (``file_id`` to choose it); the bot may
        send that file_id again.  A caption starting with "/" gets a ``bot_command`` caption
        entity, as Telegram marks it (PTB's CommandHandler still ignores captions).
        """
        if chat_id is None:
            chat_id = user_id
        user = self._register_user(user_id, "Test", None, None, "nl")
        chat = self._register_chat(chat_id, None, user, None)
        message_id = self._next_message_id(chat_id)
        file_id = file_id or f"PHOTO{chat_id}_{message_id}"
        self._file_ids.add(file_id)
        message: JSONDict = {
            "message_id": message_id,
            "from": user,
            "chat": chat,
            "date": int(time.time()),
            "photo": self._photo_sizes(file_id, 0),
        }
        if caption:
            message["caption"] = caption
            if caption.startswith("/"):
                command = re.split(r"\s", caption, maxsplit=1)[0]
                message["caption_entities"] = [
                    {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
                ]
        return self.push_update({"message": message})

    def unreachable_url(self, url: str) -> None:
        """sendPhoto with this URL fails as when Telegram cannot fetch it."""
        self._unreachable_urls.add(url)

    def open_topic(self, chat_id: int, thread_id: int) -> None:
        """Make the supergroup a forum with a topic ``thread_id`` (its message_thread_id)."""
        self._topics[chat_id].add(thread_id)
        self._chat(chat_id)["is_forum"] = True

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """Delete a forum topic: sending to it gives 400 "message thread not found"."""
        self._topics[chat_id].discard(thread_id)

    def add_channel(self, chat_id: int, username: str | None = None, title: str = "") -> None:
        """A channel: "@username" resolves to ``chat_id``; the bot posts there only as an
        admin (``set_admins(chat_id, [bot_id])``), else 400 "need administrator rights";
        getChatMember says "left" for everyone else."""
        chat: JSONDict = {"id": chat_id, "type": "channel", "title": title or f"Kanaal {chat_id}"}
        if username:
            chat["username"] = username
            self._channels["@" + username.lower()] = chat_id
        self._chats[chat_id] = chat

    def inject_my_chat_member(self, chat_id: int, status: str, user_id: int = 1001) -> JSONDict:
        """Queue a my_chat_member update: the bot's status in the chat became ``status``
        ("administrator", "member", "left", "kicked"); for a channel, also what
        getChatMember answers from then on."""
        bot_user = self._bot_user(self.token)
        creator, admins = self._admins.get(chat_id, (None, []))
        others = [a for a in admins if a != bot_user["id"]]
        old = self._member(chat_id, bot_user["id"], self.token)
        promoted = [bot_user["id"]] if status == "administrator" else []
        self._admins[chat_id] = (creator, others + promoted)
        new: JSONDict = {"status": status, "user": bot_user}
        if status == "administrator":
            new.update({**_ADMIN_RIGHTS, **self._channel_rights(chat_id)})
        if status == "kicked":
            new["until_date"] = 0
        return self.push_update(
            {
                "my_chat_member": {
                    "chat": self._chat(chat_id),
                    "from": self._user(user_id),
                    "date": int(time.time()),
                    "old_chat_member": old,
                    "new_chat_member": new,
                }
            }
        )

    def _channel_rights(self, chat_id: int | str) -> JSONDict:
        if (self._chats.get(chat_id) or {}).get("type") != "channel":  # never creates one
            return {}
        return {"can_post_messages": True, "can_edit_messages": True}

    def inject_callback(
        self,
        data: str,
        chat_id: int,
        user_id: int | None = None,
        message_id: int | None = None,
        *,
        first_name: str = "Test",
        username: str | None = None,
    ) -> str:
        """Queue a press on an inline button with ``data``; returns the callback query id.

        ``user_id`` defaults to ``chat_id`` (private chat); ``message_id`` to the last message
        the bot sent to ``chat_id``.
        """
        if user_id is None:
            user_id = chat_id
        user = self._register_user(user_id, first_name, username, None, "nl")
        chat = self._register_chat(chat_id, None, user, None)
        chat_messages = self.messages.get(chat_id) or {}
        if message_id is None:
            if not chat_messages:
                raise ValueError(f"no bot message in chat {chat_id} to attach the callback to")
            message_id = max(chat_messages)
        stored = chat_messages.get(message_id)
        if stored is not None:
            message = self._public_message(stored)
        else:  # like Telegram's InaccessibleMessage
            message = {"message_id": message_id, "date": 0, "chat": chat}
        callback_id = f"{self.bot_id}{next(self._callback_ids):08d}"
        query = {
            "id": callback_id,
            "from": user,
            "message": message,
            "chat_instance": str(chat_id),
            "data": data,
        }
        self._callbacks[callback_id] = query
        self.push_update({"callback_query": query})
        return callback_id

    def inject_inline_query(
        self,
        query: str,
        user_id: int = 1001,
        *,
        offset: str = "",
        chat_type: str | None = "private",
        first_name: str = "Test",
    ) -> str:
        """Queue an inline query (`@bot <query>` typed in some chat); returns its id.

        ``chat_type`` is the kind of chat it was typed in ("sender", "private", "group",
        "supergroup", "channel"), or None when unknown, as Telegram sends it.
        """
        user = self._register_user(user_id, first_name, None, None, "nl")
        query_id = f"{self.bot_id}{next(self._inline_ids):010d}"
        inline: JSONDict = {"id": query_id, "from": user, "query": query, "offset": offset}
        if chat_type is not None:
            inline["chat_type"] = chat_type
        self._inline_queries[query_id] = inline
        self.push_update({"inline_query": inline})
        return query_id

    async def wait_inline_answer(
        self,
        query_id: str,
        timeout: float = 5.0,  # noqa: ASYNC109 - a polling helper with a deadline
    ) -> JSONDict:
        """Wait for the bot's answerInlineQuery to ``query_id``; return its parameters."""

        def answered() -> JSONDict | None:
            return next(
                (a for a in self.inline_answers if str(a.get("inline_query_id")) == query_id),
                None,
            )

        try:
            result: JSONDict = await self.wait_for(answered, timeout)
        except TimeoutError:
            raise TimeoutError(f"inline query {query_id} not answered within {timeout} s") from None
        return result

    def choose_inline_result(
        self, answer: JSONDict, result_id: str, chat_id: int, user_id: int = 1001
    ) -> JSONDict:
        """The user picks a result in a chat: its message appears there "via @bot".

        Returns the message as the chat's members see it (text parsed, entities).
        """
        result = next(r for r in answer["results"] if r["id"] == result_id)
        content = result["input_message_content"]
        plain, entities = self._text(content["message_text"], content.get("parse_mode"))
        message: JSONDict = {
            "message_id": self._next_message_id(chat_id),
            "from": self._user(user_id),
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            "text": plain,
            "via_bot": self._bot_user(self.token),
        }
        if entities:
            message["entities"] = entities
        if result.get("reply_markup"):
            message["reply_markup"] = result["reply_markup"]
        self.messages[chat_id][message["message_id"]] = {
            **message,
            "raw_text": content["message_text"],
            "parse_mode": content.get("parse_mode"),
        }
        return message

    def push_update(self, body: JSONDict) -> JSONDict:
        update = {"update_id": next(self._update_ids), **body}
        self.updates.append(update)
        self._pending.append(update)
        self._wake_pollers()
        return update

    def _wake_pollers(self) -> None:
        event, self._update_event = self._update_event, asyncio.Event()
        event.set()

    def _register_user(
        self,
        user_id: int,
        first_name: str,
        username: str | None,
        last_name: str | None,
        language_code: str | None,
    ) -> JSONDict:
        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self._users[user_id] = user
        return user

    def _register_chat(
        self, chat_id: int, chat_type: str | None, user: JSONDict, title: str | None
    ) -> JSONDict:
        known = self._chats.get(chat_id)
        if known is not None and chat_type in (None, known["type"]):
            return known
        chat = self._synth_chat(chat_id, chat_type)
        if chat["type"] == "private":
            chat["first_name"] = user["first_name"]
            if "username" in user:
                chat["username"] = user["username"]
        elif title:
            chat["title"] = title
        self._chats[chat_id] = chat
        return chat

    @staticmethod
    def _synth_chat(chat_id: int | str, chat_type: str | None = None) -> JSONDict:
        if chat_type is None:
            if isinstance(chat_id, str):
                chat_type = "channel"
            elif chat_id > 0:
                chat_type = "private"
            elif str(chat_id).startswith("-100"):
                chat_type = "supergroup"
            else:
                chat_type = "group"
        chat: JSONDict = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = f"User {chat_id}"
        else:
            chat["title"] = f"Chat {chat_id}"
        return chat

    def _chat(self, chat_id: int | str) -> JSONDict:
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = self._synth_chat(chat_id)
        return chat

    def _next_message_id(self, chat_id: int | str) -> int:
        message_id = self._message_ids.get(chat_id, 0) + 1
        self._message_ids[chat_id] = message_id
        return message_id

    # ------------------------------------------------------------------ inspection

    def sent(self, chat_id: int | None = None) -> list[JSONDict]:
        """Parameters of successful sendMessage and sendPhoto calls (plus ``message_id``)."""
        if chat_id is None:
            return list(self._sent)
        return list(self._sent_by_chat.get(chat_id, ()))

    async def wait_for(
        self,
        predicate: Callable[[], Any],
        timeout: float = 5.0,  # noqa: ASYNC109 - a polling helper with a deadline
        interval: float = 0.005,
    ) -> Any:
        """Poll ``predicate`` until it returns something truthy (returned) or time runs out."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() >= deadline:
                raise TimeoutError(f"condition not met within {timeout} s")
            await asyncio.sleep(interval)

    async def wait_sent(
        self,
        n: int,
        chat_id: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - a polling helper with a deadline
    ) -> list[JSONDict]:
        """Wait until at least ``n`` messages were sent (to ``chat_id``); return them all."""
        try:
            await self.wait_for(lambda: len(self._sent_list(chat_id)) >= n, timeout)
        except TimeoutError:
            got = [m.get("text", m.get("caption")) for m in self._sent_list(chat_id)]
            where = "" if chat_id is None else f" to chat {chat_id}"
            raise TimeoutError(
                f"expected {n} sent message(s){where} within {timeout} s, got {len(got)}: "
                f"{got[-5:]!r}"
            ) from None
        return self.sent(chat_id)

    def _sent_list(self, chat_id: int | None) -> list[JSONDict]:
        return self._sent if chat_id is None else self._sent_by_chat.get(chat_id, [])

    def calls_to(self, method: str) -> list[Call]:
        """Recorded calls of ``method`` (case-insensitive)."""
        name = method.lower()
        return [call for call in self.calls if call.method.lower() == name]

    # ------------------------------------------------------------------ HTTP plumbing

    async def _handle_stats(self, request: web.Request) -> web.Response:
        return _json_response(
            200,
            {
                "ok": True,
                "result": {
                    "stats": dict(self.stats),
                    "pending_updates": len(self._pending),
                    "chats": len(self.messages),
                },
            },
        )

    async def _handle_inject(self, request: web.Request) -> web.Response:
        """POST {"text": "/start", "chat_id": 1001, "user_id": 1001}: a message from a user.

        For trying a running bot by hand: `curl -d '{"text":"/start"}' .../_emulator/inject`.
        """
        body = await request.json()
        text = body.get("text")
        if not isinstance(text, str) or not text:
            return _json_response(400, {"ok": False, "description": "text is required"})
        user_id = int(body.get("user_id", body.get("chat_id", 1001)))
        update = self.inject_message(text, chat_id=body.get("chat_id"), user_id=user_id)
        return _json_response(200, {"ok": True, "result": update})

    async def _handle_sent(self, request: web.Request) -> web.Response:
        """GET ?chat_id=N: the messages the bot sent (to that chat), oldest first."""
        chat = request.query.get("chat_id")
        sent = self.sent(int(chat) if chat else None)
        return _json_response(200, {"ok": True, "result": sent})

    async def _read_params(self, request: web.Request) -> JSONDict:
        params: JSONDict = dict(request.query) if request.query_string else {}
        if request.can_read_body:
            content_type = request.content_type
            if content_type == "application/x-www-form-urlencoded":
                body = (await request.read()).decode("utf-8", "replace")
                params.update(parse_qsl(body, keep_blank_values=True))
            elif content_type == "application/json":
                try:
                    body_json = json.loads(await request.read())
                except ValueError:
                    raise ApiError(400, "Bad Request: can't parse JSON") from None
                if not isinstance(body_json, dict):
                    raise ApiError(400, "Bad Request: JSON object expected")
                params.update(body_json)
            elif content_type.startswith("multipart/"):
                reader = await request.multipart()
                async for part in reader:
                    if part.name is None or not hasattr(part, "filename"):
                        continue
                    if part.filename:
                        data = await part.read()
                        params[part.name] = {
                            "filename": part.filename,
                            "content_type": part.headers.get("Content-Type", ""),
                            "size": len(data),
                            "data": bytes(data),
                        }
                    else:
                        params[part.name] = await part.text()
            else:
                await request.read()
        return _normalize(params)

    async def _handle_not_found(self, request: web.Request) -> web.Response:
        return _json_response(404, {"ok": False, "error_code": 404, "description": "Not Found"})

    async def _handle(self, request: web.Request) -> web.Response:
        match_info = request.match_info
        token, method = match_info["token"], match_info["method"]
        if self.down_status is not None:
            self.stats["down"] += 1
            self.stats["down " + method.lower()] += 1  # e.g. "down getme", "down sendmessage"
            if self.down_status == 0:  # unreachable: no answer at all
                if request.transport is not None:
                    request.transport.abort()
                raise ConnectionResetError("emulated outage")
            err = ApiError(self.down_status, _default_description(self.down_status, None))
            return _json_response(err.status, _error_payload(err))
        if token != self.token and not self.any_token:
            self.stats["401"] += 1
            return _json_response(
                401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            )
        name = method.lower()
        stats = self.stats
        stats["calls"] += 1
        counted = name != "getupdates"
        self.in_flight += counted
        try:
            params = await self._read_params(request)
            if self.record_calls:
                self.calls.append(Call(method, params, time.monotonic()))
            if self.delay:
                await asyncio.sleep(self.delay)
            handler = self._handlers.get(name)
            if handler is None and name != "getupdates":
                raise ApiError(400, "Bad Request: method not found")
            if self._failures:
                self._injected_failure(name, params)
            if name in _RATE_LIMITED and self._flood_until > time.monotonic():
                raise _too_many_requests(self._flood_retry_after)
            if handler is None:
                result = await self._get_updates(params)
            else:
                result = handler(params, token)
        except ApiError as err:
            stats[str(err.status)] += 1
            return _json_response(err.status, _error_payload(err))
        finally:
            self.in_flight -= counted
        return _json_response(200, {"ok": True, "result": result})

    def _injected_failure(self, name: str, params: JSONDict) -> None:
        for failure in self._failures:
            if failure.method != name:
                continue
            if failure.chat_id is not None and params.get("chat_id") != failure.chat_id:
                continue
            failure.remaining -= 1
            if failure.remaining <= 0:
                self._failures.remove(failure)
            raise ApiError(failure.status, failure.description, failure.parameters)

    # ------------------------------------------------------------------ helpers

    def _chat_id(self, params: JSONDict) -> int | str:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        if isinstance(chat_id, float | bool):
            raise ApiError(400, "Bad Request: chat not found")
        if isinstance(chat_id, str) and not chat_id.startswith("@"):
            raise ApiError(400, "Bad Request: chat not found")
        if isinstance(chat_id, str) and self._channels:
            chat_id = self._channels.get(chat_id.lower(), chat_id)
        error = self._chat_errors.get(chat_id)
        if error is not None:
            raise error
        return chat_id

    def _may_post(self, chat_id: int | str, token: str) -> None:
        """In a channel made with add_channel only an admin posts."""
        if chat_id not in self._channels.values():
            return
        if self._member(chat_id, self._bot_user(token)["id"], token)["status"] not in (
            "administrator",
            "creator",
        ):
            raise ApiError(400, "Bad Request: need administrator rights in the channel chat")

    def _thread(self, chat_id: int | str, params: JSONDict) -> int | None:
        """A send's message_thread_id: None, or a topic of this forum (else 400)."""
        thread = params.get("message_thread_id")
        if thread is None or thread == "":
            return None
        if not isinstance(thread, int) or thread not in self._topics.get(chat_id, ()):
            raise ApiError(400, "Bad Request: message thread not found")
        return thread

    def _message_id(self, params: JSONDict) -> int:
        message_id = params.get("message_id")
        if not isinstance(message_id, int) or isinstance(message_id, bool):
            raise ApiError(400, "Bad Request: message identifier is not specified")
        return message_id

    def _text(self, text: Any, parse_mode: Any) -> tuple[str, list[JSONDict]]:
        if not isinstance(text, str) or not text:
            raise ApiError(400, "Bad Request: message text is empty")
        if isinstance(parse_mode, str) and parse_mode.lower() == "html":
            try:
                plain, entities = _parse_html_cached(text, self.strict_html)
            except HTMLParseError as err:
                raise ApiError(400, f"Bad Request: can't parse entities: {err}") from None
        else:
            if _SURROGATE_RE.search(text):
                raise ApiError(400, "Bad Request: text must be encoded in UTF-8")
            plain, entities = text, []
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(plain) > MAX_MESSAGE_LENGTH // 2 and utf16_len(plain) > MAX_MESSAGE_LENGTH:
            raise ApiError(400, "Bad Request: message is too long")
        return plain, entities

    @staticmethod
    def _markup(markup: Any) -> JSONDict | None:
        """Validate reply_markup; return it if it is an inline keyboard (echoed in messages)."""
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        keyboard = markup.get("inline_keyboard")
        if keyboard is None:
            return None  # reply keyboards / remove / force_reply: accepted, not echoed
        if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
            raise ApiError(
                400,
                "Bad Request: can't parse inline keyboard button: field "
                '"inline_keyboard" must be an Array of Arrays',
            )
        if (
            sum(len(row) for row in keyboard) > MAX_KEYBOARD_BUTTONS
            or any(len(row) > MAX_ROW_BUTTONS for row in keyboard)
            or len(json.dumps(markup, ensure_ascii=False, separators=(",", ":")).encode())
            > MAX_MARKUP_BYTES
        ):
            raise ApiError(400, "Bad Request: reply markup is too long")
        for row in keyboard:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise ApiError(
                        400,
                        "Bad Request: can't parse inline keyboard button: Text must be non-empty",
                    )
                if "callback_data" in button:
                    data = button["callback_data"]
                    if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
                        raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                elif "url" in button:
                    url = button["url"]
                    if not isinstance(url, str) or not _BUTTON_URL_RE.fullmatch(url):
                        raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
                elif not any(
                    key in button
                    for key in (
                        "switch_inline_query",
                        "switch_inline_query_current_chat",
                        "switch_inline_query_chosen_chat",
                        "web_app",
                        "login_url",
                        "callback_game",
                        "pay",
                        "copy_text",
                    )
                ):
                    raise ApiError(
                        400,
                        "Bad Request: can't parse inline keyboard button: "
                        "Text buttons are unallowed in the inline keyboard",
                    )
        return markup

    def _check_rate(self, name: str, chat_id: int | str, paid: bool) -> None:
        """Enforce the flood limits for one call; record it if it passes."""
        now = time.monotonic()
        horizon = now - 1.0
        total, free = self._total_window, self._free_window
        for window in (total, free):
            while window and window[0] <= horizon:
                window.popleft()
        # Paid and free together within the total; those without allow_paid_broadcast
        # also within the free limit.
        if len(total) >= self.total_limit:
            raise _too_many_requests(total[0] + 1.0 - now)
        if not paid and len(free) >= self.free_limit:
            raise _too_many_requests(free[0] + 1.0 - now)
        sending = name in _SENDING
        group_window: deque[float] | None = None
        if sending:
            if isinstance(chat_id, int) and chat_id > 0:
                last = self._private_last.get(chat_id)
                if last is not None and now - last < PRIVATE_CHAT_INTERVAL:
                    raise _too_many_requests(last + PRIVATE_CHAT_INTERVAL - now)
            else:
                group_window = self._group_windows[chat_id]
                group_horizon = now - GROUP_WINDOW
                while group_window and group_window[0] <= group_horizon:
                    group_window.popleft()
                if len(group_window) >= GROUP_LIMIT:
                    raise _too_many_requests(group_window[0] + GROUP_WINDOW - now)
        total.append(now)
        if not paid:
            free.append(now)
        if sending:
            if group_window is None:
                self._private_last[chat_id] = now
            else:
                group_window.append(now)

    def _bot_user(self, token: str) -> JSONDict:
        bot_id = self.bot_id if token == self.token else self._bot_id_from_token(token)
        return {
            "id": bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    @staticmethod
    def _public_message(stored: JSONDict) -> JSONDict:
        return {k: v for k, v in stored.items() if k not in _INTERNAL_MESSAGE_KEYS}

    def _stored_message(self, chat_id: int | str, message_id: int, what: str) -> JSONDict:
        stored = self.messages.get(chat_id, {}).get(message_id)
        if stored is None:
            raise ApiError(400, f"Bad Request: message to {what} not found")
        return stored

    def _user(self, user_id: int) -> JSONDict:
        return self._users.get(user_id) or {
            "id": user_id,
            "is_bot": False,
            "first_name": f"User {user_id}",
        }

    @staticmethod
    def _scope_key(scope: Any) -> str:
        if not scope or (isinstance(scope, dict) and scope.get("type") == "default"):
            return "default"
        return json.dumps(scope, sort_keys=True)

    # ------------------------------------------------------------------ methods

    def _true(self, params: JSONDict, token: str) -> bool:
        return True

    def _chat_true(self, params: JSONDict, token: str) -> bool:
        self._chat_id(params)
        return True

    def _get_me(self, params: JSONDict, token: str) -> JSONDict:
        return {
            **self._bot_user(token),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": self.supports_inline_queries,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _delete_webhook(self, params: JSONDict, token: str) -> bool:
        self.webhook_url = ""
        self._webhook_changed()
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    def _set_webhook(self, params: JSONDict, token: str) -> bool:
        self.webhook_url = str(params.get("url") or "")
        secret = params.get("secret_token")
        self.webhook_secret = str(secret) if secret else None
        if params.get("drop_pending_updates"):
            self._pending.clear()
        self._webhook_changed(int(params.get("max_connections") or 40))
        return True

    def _get_webhook_info(self, params: JSONDict, token: str) -> JSONDict:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        limit = params.get("limit", 100)
        limit = min(max(limit, 1), 100) if isinstance(limit, int) else 100
        timeout = params.get("timeout", 0)
        timeout = timeout if isinstance(timeout, int | float) else 0
        pending = self._pending
        if isinstance(offset, int) and offset:
            if offset > 0:
                while pending and pending[0]["update_id"] < offset:
                    pending.popleft()
            else:
                while len(pending) > -offset:
                    pending.popleft()
        if not pending and timeout > 0:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            while not pending and not self._closing:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._update_event.wait(), remaining)
        return list(itertools.islice(pending, limit))

    # ------------------------------------------------------------------ webhook delivery

    def _webhook_changed(self, connections: int = 40) -> None:
        """setWebhook / deleteWebhook: restart the posting workers for the new URL."""
        for task in self._webhook_tasks:
            task.cancel()
        self._webhook_tasks = []
        if self.webhook_url:
            self._webhook_tasks = [
                asyncio.get_running_loop().create_task(self._post_updates(self.webhook_url))
                for _ in range(max(1, min(connections, 100)))
            ]
        self._wake_pollers()

    async def _stop_webhook(self) -> None:
        tasks, self._webhook_tasks = self._webhook_tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _post_updates(self, url: str) -> None:
        """One of the webhook's connections: post pending updates until the URL changes."""
        headers = {"Content-Type": "application/json"}
        if self.webhook_secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook_secret
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            while self.webhook_url == url and not self._closing:
                if not self._pending:
                    await self._update_event.wait()
                    continue
                update = self._pending.popleft()
                try:
                    async with session.post(
                        url, data=_encode_json(update).encode(), headers=headers
                    ) as response:
                        status: int | str = response.status
                except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                    status = type(exc).__name__
                self.webhook_answers.append((update["update_id"], status))
                if not (isinstance(status, int) and 200 <= status < 300):
                    self._pending.appendleft(update)  # Telegram retries later
                    await asyncio.sleep(0.2)

    def _set_my_commands(self, params: JSONDict, token: str) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands must be an array of at most 100 items")
        parsed: list[tuple[str, str]] = []
        for item in commands:
            if not isinstance(item, dict):
                raise ApiError(400, "Bad Request: can't parse BotCommand")
            command = item.get("command")
            description = item.get("description")
            if not isinstance(command, str) or not _COMMAND_RE.fullmatch(command):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: command description must be 1-256 characters")
            parsed.append((command, description))
        key = self._scope_key(params.get("scope"))
        language = str(params.get("language_code") or "")
        self._commands[(key, language)] = parsed
        if key == "default":
            self._last_default_commands = parsed
        return True

    def _get_my_commands(self, params: JSONDict, token: str) -> list[JSONDict]:
        key = self._scope_key(params.get("scope"))
        language = str(params.get("language_code") or "")
        return [
            {"command": command, "description": description}
            for command, description in self._commands.get((key, language), [])
        ]

    def _delete_my_commands(self, params: JSONDict, token: str) -> bool:
        key = self._scope_key(params.get("scope"))
        language = str(params.get("language_code") or "")
        self._commands.pop((key, language), None)
        if key == "default":
            self._last_default_commands = []
        return True

    def _deliver(
        self,
        params: JSONDict,
        chat_id: int | str,
        message: JSONDict,
        stored_extra: JSONDict,
        *,
        text_message: bool = True,
    ) -> JSONDict:
        """Store a delivered message; text messages also go to sent() and stats["sent"].

        In a channel a message is the channel's own post, as Telegram shows it: sent by the
        channel (``sender_chat``), with no ``from``.
        """
        if message["chat"].get("type") == "channel":
            message.pop("from", None)
            message["sender_chat"] = message["chat"]
        self.messages[chat_id][message["message_id"]] = {**message, **stored_extra}
        if not text_message:
            self.stats["documents"] += 1
            return message
        self.accepted.append((time.monotonic(), chat_id))
        if self.record_calls:
            record = {**params, "chat_id": chat_id, "message_id": message["message_id"]}
            self._sent.append(record)
            self._sent_by_chat[chat_id].append(record)
        self.stats["sent"] += 1
        return message

    def _send_message(self, params: JSONDict, token: str) -> JSONDict:
        chat_id = self._chat_id(params)
        raw = params.get("text")
        parse_mode = params.get("parse_mode")
        plain, entities = self._text(raw, parse_mode)
        markup = self._markup(params.get("reply_markup"))
        preview = self._link_preview(params.get("link_preview_options"))
        thread = self._thread(chat_id, params)
        self._may_post(chat_id, token)
        if self.enforce_limits:
            self._check_rate("sendmessage", chat_id, params.get("allow_paid_broadcast") is True)
        message: JSONDict = {
            "message_id": self._next_message_id(chat_id),
            "from": self._bot_user(token),
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            "text": plain,
        }
        if thread is not None:
            message["message_thread_id"] = thread
            message["is_topic_message"] = True
        if entities:
            message["entities"] = entities
        if markup is not None:
            message["reply_markup"] = markup
        if preview is not None:
            message["link_preview_options"] = preview
        return self._deliver(params, chat_id, message, {"raw_text": raw, "parse_mode": parse_mode})

    def _send_photo(self, params: JSONDict, token: str) -> JSONDict:
        """sendPhoto: an upload, a file_id Telegram issued, or an http(s) URL it can fetch."""
        chat_id = self._chat_id(params)
        photo = params.get("photo")
        if not photo:
            raise ApiError(400, "Bad Request: there is no photo in the request")
        if isinstance(photo, str):
            if photo.startswith(("http://", "https://")):
                if photo in self._unreachable_urls:
                    raise ApiError(400, "Bad Request: failed to get HTTP URL content")
            elif photo not in self._file_ids:
                raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        elif not isinstance(photo, dict):
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        caption = params.get("caption")
        parse_mode = params.get("parse_mode")
        plain, entities = self._caption(caption, parse_mode)
        markup = self._markup(params.get("reply_markup"))
        thread = self._thread(chat_id, params)
        self._may_post(chat_id, token)
        if self.enforce_limits:
            self._check_rate("sendphoto", chat_id, params.get("allow_paid_broadcast") is True)
        message_id = self._next_message_id(chat_id)
        if isinstance(photo, str) and photo in self._file_ids:
            file_id = photo  # Telegram answers with the same file
        else:
            file_id = f"PHOTO{chat_id}_{message_id}"
            self._file_ids.add(file_id)
        size = photo["size"] if isinstance(photo, dict) else 0
        message: JSONDict = {
            "message_id": message_id,
            "from": self._bot_user(token),
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            "photo": self._photo_sizes(file_id, size),
        }
        if thread is not None:
            message["message_thread_id"] = thread
            message["is_topic_message"] = True
        if plain:
            message["caption"] = plain
            if entities:
                message["caption_entities"] = entities
        if markup is not None:
            message["reply_markup"] = markup
        # A photo alert reaches the reader like a text one: it is in sent() and accepted.
        return self._deliver(
            params, chat_id, message, {"raw_text": caption, "parse_mode": parse_mode}
        )

    @staticmethod
    def _photo_sizes(file_id: str, size: int) -> list[JSONDict]:
        return [
            {
                "file_id": f"{file_id}_s",
                "file_unique_id": f"{file_id}_s",
                "width": 90,
                "height": 60,
                "file_size": size // 10,
            },
            {
                "file_id": file_id,
                "file_unique_id": file_id,
                "width": 1280,
                "height": 853,
                "file_size": size,
            },
        ]

    def _caption(self, caption: Any, parse_mode: Any) -> tuple[str, list[JSONDict]]:
        """A media caption: optional, parsed like text, at most 1024 characters after parsing."""
        if caption is None or caption == "":
            return "", []
        if not isinstance(caption, str):
            raise ApiError(400, "Bad Request: can't parse caption")
        if isinstance(parse_mode, str) and parse_mode.lower() == "html":
            try:
                plain, entities = _parse_html_cached(caption, self.strict_html)
            except HTMLParseError as err:
                raise ApiError(400, f"Bad Request: can't parse entities: {err}") from None
        else:
            plain, entities = caption, []
        if utf16_len(plain) > MAX_CAPTION_LENGTH:
            raise ApiError(400, "Bad Request: message caption is too long")
        return plain, entities

    @staticmethod
    def _link_preview(options: Any) -> JSONDict | None:
        """link_preview_options as Telegram reads them: an object of known fields."""
        if options is None or options == "":
            return None
        refused = ApiError(400, "Bad Request: can't parse link preview options JSON object")
        if not isinstance(options, dict):
            raise refused
        for key, value in options.items():
            if (key == "url" and not isinstance(value, str)) or (
                key in _PREVIEW_FLAGS and not isinstance(value, bool)
            ):
                raise refused
        if options.get("prefer_small_media") and options.get("prefer_large_media"):
            raise ApiError(400, "Bad Request: can't prefer both small and large media")
        return options

    def _send_document(self, params: JSONDict, token: str) -> JSONDict:
        chat_id = self._chat_id(params)
        upload = params.get("document")
        if not upload:
            raise ApiError(400, "Bad Request: there is no document in the request")
        caption = params.get("caption")
        parse_mode = params.get("parse_mode")
        plain, entities = self._caption(caption, parse_mode)
        markup = self._markup(params.get("reply_markup"))
        if self.enforce_limits:
            self._check_rate("senddocument", chat_id, params.get("allow_paid_broadcast") is True)
        message_id = self._next_message_id(chat_id)
        file_id = f"FILE{chat_id}_{message_id}"
        size = upload["size"] if isinstance(upload, dict) else 0
        message: JSONDict = {
            "message_id": message_id,
            "from": self._bot_user(token),
            "chat": self._chat(chat_id),
            "date": int(time.time()),
        }
        document: JSONDict = {"file_id": file_id, "file_unique_id": file_id, "file_size": size}
        if isinstance(upload, dict):
            document["file_name"] = upload["filename"]
            if upload["content_type"]:
                document["mime_type"] = upload["content_type"]
        message["document"] = document
        if plain:
            message["caption"] = plain
            if entities:
                message["caption_entities"] = entities
        if markup is not None:
            message["reply_markup"] = markup
        extra = {"raw_text": caption, "parse_mode": parse_mode}
        return self._deliver(params, chat_id, message, extra, text_message=False)

    def _edit_message_text(self, params: JSONDict, token: str) -> JSONDict | bool:
        raw = params.get("text")
        parse_mode = params.get("parse_mode")
        if params.get("inline_message_id"):
            self._text(raw, parse_mode)
            self._markup(params.get("reply_markup"))
            self.stats["edited"] += 1
            return True
        chat_id = self._chat_id(params)
        stored = self._stored_message(chat_id, self._message_id(params), "edit")
        if "text" not in stored:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        plain, entities = self._text(raw, parse_mode)
        markup = self._markup(params.get("reply_markup"))
        self._link_preview(params.get("link_preview_options"))
        if (
            plain == stored.get("text")
            and entities == stored.get("entities", [])
            and markup == stored.get("reply_markup")
        ):
            raise ApiError(400, _NOT_MODIFIED)
        if self.enforce_limits:
            self._check_rate("editmessagetext", chat_id, False)
        stored["text"] = plain
        stored["raw_text"] = raw
        stored["parse_mode"] = parse_mode
        stored["edit_date"] = int(time.time())
        if entities:
            stored["entities"] = entities
        else:
            stored.pop("entities", None)
        if markup is not None:
            stored["reply_markup"] = markup
        else:
            stored.pop("reply_markup", None)
        self.stats["edited"] += 1
        return self._public_message(stored)

    def _edit_message_caption(self, params: JSONDict, token: str) -> JSONDict | bool:
        """editMessageCaption: only on a media message, within the caption limit."""
        caption = params.get("caption")
        parse_mode = params.get("parse_mode")
        if params.get("inline_message_id"):
            self._caption(caption, parse_mode)
            self._markup(params.get("reply_markup"))
            self.stats["edited"] += 1
            return True
        chat_id = self._chat_id(params)
        stored = self._stored_message(chat_id, self._message_id(params), "edit")
        if "photo" not in stored and "document" not in stored:
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        plain, entities = self._caption(caption, parse_mode)
        markup = self._markup(params.get("reply_markup"))
        if (
            plain == stored.get("caption", "")
            and entities == stored.get("caption_entities", [])
            and markup == stored.get("reply_markup")
        ):
            raise ApiError(400, _NOT_MODIFIED)
        if self.enforce_limits:
            self._check_rate("editmessagecaption", chat_id, False)
        for key, value in (
            ("caption", plain),
            ("caption_entities", entities),
            ("reply_markup", markup),
        ):
            if value:
                stored[key] = value
            else:
                stored.pop(key, None)
        stored["raw_text"] = caption
        stored["parse_mode"] = parse_mode
        stored["edit_date"] = int(time.time())
        self.stats["edited"] += 1
        return self._public_message(stored)

    def _edit_message_reply_markup(self, params: JSONDict, token: str) -> JSONDict | bool:
        if params.get("inline_message_id"):
            self._markup(params.get("reply_markup"))
            self.stats["edited"] += 1
            return True
        chat_id = self._chat_id(params)
        stored = self._stored_message(chat_id, self._message_id(params), "edit")
        markup = self._markup(params.get("reply_markup"))
        if markup == stored.get("reply_markup"):
            raise ApiError(400, _NOT_MODIFIED)
        if self.enforce_limits:
            self._check_rate("editmessagereplymarkup", chat_id, False)
        if markup is not None:
            stored["reply_markup"] = markup
        else:
            stored.pop("reply_markup", None)
        stored["edit_date"] = int(time.time())
        self.stats["edited"] += 1
        return self._public_message(stored)

    def _delete_message(self, params: JSONDict, token: str) -> bool:
        chat_id = self._chat_id(params)
        message_id = self._message_id(params)
        self._stored_message(chat_id, message_id, "delete")
        if self.enforce_limits:
            self._check_rate("deletemessage", chat_id, False)
        del self.messages[chat_id][message_id]
        self.stats["deleted"] += 1
        return True

    def _delete_messages(self, params: JSONDict, token: str) -> bool:
        chat_id = self._chat_id(params)
        message_ids = params.get("message_ids")
        if not isinstance(message_ids, list) or not 1 <= len(message_ids) <= 100:
            raise ApiError(400, "Bad Request: message_ids must be a list of 1-100 identifiers")
        if self.enforce_limits:
            self._check_rate("deletemessages", chat_id, False)
        chat_messages = self.messages.get(chat_id, {})
        for message_id in message_ids:
            if chat_messages.pop(message_id, None) is not None:
                self.stats["deleted"] += 1
        return True

    def _answer_callback_query(self, params: JSONDict, token: str) -> bool:
        callback_id = params.get("callback_query_id")
        if not callback_id or str(callback_id) not in self._callbacks:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        text = params.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.callback_answers.append(dict(params))
        return True

    def _answer_inline_query(self, params: JSONDict, token: str) -> bool:
        """Checked as Telegram checks it: a live query id, at most 50 results with unique ids
        of 1-64 bytes, each article with a title and message content that parses (HTML
        within 4096 characters); inline keyboards as for messages."""
        query_id = str(params.get("inline_query_id") or "")
        if query_id not in self._inline_queries:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        results = params.get("results")
        if not isinstance(results, list):
            raise ApiError(400, "Bad Request: can't parse inline query results JSON object")
        if len(results) > MAX_INLINE_RESULTS:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            if not isinstance(result, dict) or not isinstance(result.get("type"), str):
                raise ApiError(400, "Bad Request: can't parse InlineQueryResult")
            result_id = result.get("id")
            if (
                not isinstance(result_id, str)
                or not 1 <= len(result_id.encode()) <= MAX_INLINE_RESULT_ID
            ):
                raise ApiError(400, "Bad Request: RESULT_ID_INVALID")
            if result_id in seen:
                raise ApiError(400, "Bad Request: RESULT_ID_DUPLICATE")
            seen.add(result_id)
            if result["type"] == "article":
                if not isinstance(result.get("title"), str) or not result["title"].strip():
                    raise ApiError(400, "Bad Request: RESULT_TITLE_EMPTY")
                content = result.get("input_message_content")
                if not isinstance(content, dict):
                    raise ApiError(400, "Bad Request: can't parse InputMessageContent")
                if "message_text" in content:
                    self._text(content["message_text"], content.get("parse_mode"))
            self._markup(result.get("reply_markup"))
        cache_time = params.get("cache_time", 300)
        if not isinstance(cache_time, int) or cache_time < 0:
            raise ApiError(400, "Bad Request: cache_time must be a non-negative integer")
        del self._inline_queries[query_id]  # a query is answered once
        self.inline_answers.append(dict(params))
        return True

    def _get_chat(self, params: JSONDict, token: str) -> JSONDict:
        chat_id = self._chat_id(params)
        return {
            **self._chat(chat_id),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _member(self, chat_id: int | str, user_id: int, token: str) -> JSONDict:
        bot_user = self._bot_user(token)
        user = bot_user if user_id == bot_user["id"] else self._user(user_id)
        creator, admins = self._admins.get(chat_id, (None, []))
        if user_id == creator:
            return {"status": "creator", "user": user, "is_anonymous": False}
        if user_id in admins:
            rights = {**_ADMIN_RIGHTS, **self._channel_rights(chat_id)}
            return {"status": "administrator", "user": user, **rights}
        if chat_id in self._channels.values():
            return {"status": "left", "user": user}
        return {"status": "member", "user": user}

    def _get_chat_member(self, params: JSONDict, token: str) -> JSONDict:
        chat_id = self._chat_id(params)
        user_id = params.get("user_id")
        if not isinstance(user_id, int) or isinstance(user_id, bool):
            raise ApiError(400, "Bad Request: invalid user_id specified")
        return self._member(chat_id, user_id, token)

    def _get_chat_administrators(self, params: JSONDict, token: str) -> list[JSONDict]:
        chat_id = self._chat_id(params)
        creator, admins = self._admins.get(chat_id, (None, []))
        ids = ([creator] if creator is not None else []) + admins
        return [self._member(chat_id, user_id, token) for user_id in ids]

    def _get_chat_member_count(self, params: JSONDict, token: str) -> int:
        chat_id = self._chat_id(params)
        if isinstance(chat_id, int) and chat_id > 0:
            return 2
        creator, admins = self._admins.get(chat_id, (None, []))
        return max(2, len(admins) + (creator is not None) + 1)


# ---------------------------------------------------------------------- standalone mode


async def _serve(args: argparse.Namespace) -> None:
    api = BotAPI(
        token=args.token,
        bot_username=args.username,
        enforce_limits=args.enforce_limits,
        any_token=True,
        host=args.host,
        port=args.port,
        strict_html=not args.lenient_html,
        record_calls=not args.no_record,
    )
    await api.start()
    print(f"Bot API emulator: base_url={api.base_url} base_file_url={api.base_file_url}")
    print(f"(any bot token accepted; stats at http://{api.host}:{api.port}/_emulator/stats)")
    print("Ctrl-C (SIGINT) or SIGTERM to stop.", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Also works when the shell started us with SIGINT ignored (background jobs).
        loop.add_signal_handler(signum, stop.set)
    try:
        previous = 0
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), args.stats_interval or None)
            if args.stats_interval and not stop.is_set():
                sent = api.stats["sent"]
                rate = (sent - previous) / args.stats_interval
                previous = sent
                print(f"{rate:8.1f} sent/s  {dict(api.stats)}", flush=True)
    finally:
        await api.stop()
        print(f"stopped; stats: {dict(api.stats)}", flush=True)


def main(argv: list[str] | None = None) -> None:
    """Entry point for ``python -m fakes.botapi``."""
    parser = argparse.ArgumentParser(description="Local Telegram Bot API emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--enforce-limits", action="store_true", help="enforce flood limits")
    parser.add_argument("--token", default="123456:TEST-token", help="token for getMe's id")
    parser.add_argument("--username", default="newsbot_test_bot", help="bot username")
    parser.add_argument("--lenient-html", action="store_true", help="TDLib's exact HTML rules")
    parser.add_argument("--no-record", action="store_true", help="keep counters only")
    parser.add_argument("--stats-interval", type=float, default=0.0, help="print stats every N s")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
