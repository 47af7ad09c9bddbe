"""A Telegram Bot API inside this process: a PTB request backend that answers calls itself.

The one in-process stand-in for Telegram, shared by ``newsbot console`` (which prints what
the bot sends) and the reading benchmark (which notes when each reply leaves the bot).  It
keeps the messages the bot sent, numbered per chat in one sequence with the user's own
messages as Telegram does; it answers edits and deletes as Telegram would ("message is not
modified", "message to edit not found"), refuses an empty or over-long text, and builds the
updates a user's typing or button press produces, for ``Application.process_update``.

What it leaves out, on purpose: HTTP, Telegram's flood limits, strict HTML validation,
getUpdates (the caller feeds updates itself).  Those are for the HTTP emulator
(``fakes/botapi.py``) that the tests and the delivery benchmark talk to over loopback.

Subclasses watch and steer it through hooks: :meth:`received` (every call, as it arrives),
:meth:`refuse` (answer a call with an error instead), :meth:`sent`, :meth:`edited`,
:meth:`deleted`, :meth:`answered`.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

from telegram.request import BaseRequest, RequestData

JSONDict = dict[str, Any]
Reply = tuple[int, bytes]  # (HTTP status, body), what BaseRequest.do_request returns

MAX_TEXT = 4096  # Telegram counts UTF-16 code units, after the HTML is parsed

# ANSI styles: (start, end) per HTML tag Telegram supports.
_STYLES = {
    "b": ("\x1b[1m", "\x1b[22m"), "strong": ("\x1b[1m", "\x1b[22m"),
    "i": ("\x1b[3m", "\x1b[23m"), "em": ("\x1b[3m", "\x1b[23m"),
    "u": ("\x1b[4m", "\x1b[24m"), "ins": ("\x1b[4m", "\x1b[24m"),
    "s": ("\x1b[9m", "\x1b[29m"), "del": ("\x1b[9m", "\x1b[29m"),
    "strike": ("\x1b[9m", "\x1b[29m"),
}


class _TerminalText(HTMLParser):
    """Telegram HTML to terminal text: styles as ANSI codes (or dropped), links as text (url)."""

    def __init__(self, styled: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.styled = styled
        self.parts: list[str] = []
        self._links: list[tuple[str, int]] = []  # (href, index of the link text's first part)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _STYLES and self.styled:
            self.parts.append(_STYLES[tag][0])
        elif tag == "a":
            self._links.append((dict(attrs).get("href") or "", len(self.parts)))

    def handle_endtag(self, tag: str) -> None:
        if tag in _STYLES and self.styled:
            self.parts.append(_STYLES[tag][1])
        elif tag == "a" and self._links:
            href, start = self._links.pop()
            if href and "".join(self.parts[start:]) != href:
                self.parts.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def terminal_text(text: str, *, parse_mode: str | None = "HTML", styled: bool = False) -> str:
    """What a reader would see of a message, for a terminal."""
    if (parse_mode or "").upper() != "HTML":
        return text
    parser = _TerminalText(styled)
    parser.feed(text)
    parser.close()
    return "".join(parser.parts)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def buttons(markup: Any) -> list[JSONDict]:
    """The inline buttons of a reply_markup, row after row."""
    if not isinstance(markup, dict):
        return []
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def error(code: int, description: str, **parameters: Any) -> Reply:
    """A Bot API error answer, as Telegram words it."""
    body: JSONDict = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return code, json.dumps(body).encode()


NOT_MODIFIED = error(
    400,
    "Bad Request: message is not modified: specified new message content and reply "
    "markup are exactly the same as a current content and reply markup of the message",
)


class LocalBotAPI(BaseRequest):
    """Answers Bot API calls in this process; see the module docstring.

    `messages` holds the bot's messages by (chat id, message id), edits applied and deleted
    ones removed.  With ``read_html=False`` a text is kept as sent, unparsed and unchecked:
    the benchmark's choice, so the stand-in's own work stays out of the figures.
    """

    def __init__(self, bot_user: JSONDict, *, read_html: bool = True) -> None:
        self.bot_user = bot_user
        self.read_html = read_html
        self.messages: dict[tuple[int, int], JSONDict] = {}
        self.chats: dict[int, JSONDict] = {}
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._update_ids = itertools.count(1)
        self._methods: dict[str, Callable[[JSONDict], Any]] = {
            "getme": lambda params: self.bot_user,
            "getupdates": lambda params: [],  # the caller feeds updates to the application
            "getmycommands": lambda params: [],
            "getchatmember": self._get_chat_member,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
        }
        for name in ("setmycommands", "deletemycommands", "deletewebhook", "close", "logout"):
            self._methods[name] = lambda params: True

    # -- BaseRequest --------------------------------------------------------------------

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> Reply:
        name = url.rsplit("/", 1)[-1].lower()
        params = request_data.parameters if request_data is not None else {}
        self.received(name, params)
        refused = self.refuse(name, params)
        if refused is not None:
            return refused
        handler = self._methods.get(name)
        if handler is None:
            return error(400, f"Bad Request: method {name} is not available here")
        result = handler(params)
        if isinstance(result, tuple):  # (status, body): an error
            return result
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # -- hooks for subclasses -----------------------------------------------------------

    def received(self, method: str, params: JSONDict) -> None:
        """A call arrived (`method` lower-cased), before it is answered."""

    def refuse(self, method: str, params: JSONDict) -> Reply | None:
        """An error to answer the call with instead of handling it; None handles it."""
        return None

    def sent(self, message: JSONDict, html: str, parse_mode: str | None) -> None:
        """The bot sent `message` (its text as sent is `html`)."""

    def edited(self, message: JSONDict, html: str | None, parse_mode: str | None) -> None:
        """The bot edited `message`: its text (`html`), or only its buttons (`html` None)."""

    def deleted(self, chat_id: int, message_id: int) -> None:
        """The bot deleted one of its messages."""

    def answered(self, params: JSONDict) -> None:
        """The bot answered a button press (answerCallbackQuery's parameters)."""

    # -- updates from users -------------------------------------------------------------

    def next_message_id(self, chat_id: int) -> int:
        """Telegram numbers a chat's messages, the user's and the bot's, in one sequence."""
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def message_update(self, text: str, chat: JSONDict, user: JSONDict) -> JSONDict:
        """The update Telegram sends when `user` writes `text` in `chat`."""
        self.chats[chat["id"]] = chat
        message: JSONDict = {
            "message_id": self.next_message_id(chat["id"]),
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            "text": text,
        }
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        return {"update_id": next(self._update_ids), "message": message}

    def callback_update(self, message: JSONDict, data: str, user: JSONDict) -> JSONDict:
        """The update Telegram sends when `user` presses a button with `data` under `message`."""
        update_id = next(self._update_ids)
        return {
            "update_id": update_id,
            "callback_query": {
                "id": str(update_id),
                "from": user,
                "chat_instance": str(message["chat"]["id"]),
                "data": data,
                "message": message,
            },
        }

    # -- Bot API methods ----------------------------------------------------------------

    def _chat(self, chat_id: int) -> JSONDict:
        return self.chats.get(chat_id) or {
            "id": chat_id, "type": "private" if chat_id > 0 else "group", "title": str(chat_id),
        }

    def _text(self, html: str, parse_mode: str | None) -> str | Reply:
        """The text a reader sees, or Telegram's refusal of it."""
        if not self.read_html:
            return html
        shown = terminal_text(html, parse_mode=parse_mode)
        if not shown.strip():
            return error(400, "Bad Request: message text is empty")
        if utf16_len(shown) > MAX_TEXT:
            return error(400, "Bad Request: message is too long")
        return shown

    def _get_chat_member(self, params: JSONDict) -> Any:
        user = {"id": int(params.get("user_id", 0)), "is_bot": False, "first_name": "Lid"}
        return {"status": "creator", "user": user, "is_anonymous": False}

    def _send_message(self, params: JSONDict) -> Any:
        chat_id = int(params.get("chat_id", 0))
        html, parse_mode = str(params.get("text", "")), params.get("parse_mode")
        shown = self._text(html, parse_mode)
        if isinstance(shown, tuple):
            return shown
        message: JSONDict = {
            "message_id": self.next_message_id(chat_id),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": self.bot_user,
            "text": shown,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        self.messages[(chat_id, message["message_id"])] = message
        self.sent(message, html, parse_mode)
        return message

    def _message(self, params: JSONDict) -> tuple[tuple[int, int], JSONDict | None]:
        key = (int(params.get("chat_id", 0)), int(params.get("message_id", 0)))
        return key, self.messages.get(key)

    def _replace(self, key: tuple[int, int], old: JSONDict, **changes: Any) -> JSONDict:
        markup = changes.pop("reply_markup", None)
        message = {**old, **changes, "edit_date": int(time.time())}
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        self.messages[key] = message
        return message

    def _edit_message_text(self, params: JSONDict) -> Any:
        key, old = self._message(params)
        if old is None:
            return error(400, "Bad Request: message to edit not found")
        html, parse_mode = str(params.get("text", "")), params.get("parse_mode")
        shown = self._text(html, parse_mode)
        if isinstance(shown, tuple):
            return shown
        markup = params.get("reply_markup")
        if shown == old["text"] and markup == old.get("reply_markup"):
            return NOT_MODIFIED
        message = self._replace(key, old, text=shown, reply_markup=markup)
        self.edited(message, html, parse_mode)
        return message

    def _edit_message_reply_markup(self, params: JSONDict) -> Any:
        key, old = self._message(params)
        if old is None:
            return error(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup")
        if markup == old.get("reply_markup") or not (markup or old.get("reply_markup")):
            return NOT_MODIFIED
        message = self._replace(key, old, reply_markup=markup)
        self.edited(message, None, None)
        return message

    def _delete_message(self, params: JSONDict) -> Any:
        key, old = self._message(params)
        if old is None:
            return error(400, "Bad Request: message to delete not found")
        del self.messages[key]
        self.deleted(*key)
        return True

    def _answer_callback_query(self, params: JSONDict) -> Any:
        self.answered(params)
        return True
