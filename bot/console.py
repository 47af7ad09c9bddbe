"""`newsbot console`: chat with the bot in a terminal, without Telegram or a token.

The real Application runs with the same handlers, sender and database (NEWSBOT_DB); only
its request backend is swapped for :class:`LocalBotAPI`, which answers Bot API calls
in-process and prints what the bot sends.  Each typed line becomes a Telegram update
from the console user (id 1, a private chat, an admin for this session).

Typing ``!2`` presses button 2 of the last message that has buttons; a line ending in
``\\`` continues on the next line (for ``/opening``).  ``/quit``, ``exit``, end of input
or Ctrl-C end the session.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import sys
import threading
import time
from collections.abc import AsyncIterable, AsyncIterator
from html.parser import HTMLParser
from typing import Any, TextIO

from pydantic import SecretStr
from telegram import Update
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

from bot.delivery.ratelimit import Limits
from bot.settings import Settings

CONSOLE_USER = 1
CONSOLE_CHAT = 1
BOT_ID = 100
TOKEN = f"{BOT_ID}:console"

INTRO = "Console van de nieuwsbot. Typ /help, of /quit om te stoppen."
HINTS = "Knoppen: typ !1 voor knop 1. Eindig een regel met \\ om op de volgende verder te gaan."
QUIT = frozenset({"/quit", "/exit", "quit", "exit"})
NO_ANSWER = "(geen antwoord)"
NO_BUTTONS = "Er zijn geen knoppen om op te drukken."
OTHER_CHATS = (
    "(meldingen voor andere gesprekken in deze database blijven wachten: "
    "de console stuurt alleen naar jou)"
)

USER: dict[str, Any] = {
    "id": CONSOLE_USER, "is_bot": False, "first_name": "Console", "language_code": "nl",
}
CHAT: dict[str, Any] = {"id": CONSOLE_CHAT, "type": "private", "first_name": "Console"}
BOT_USER: dict[str, Any] = {
    "id": BOT_ID, "is_bot": True, "first_name": "Nieuwsbot", "username": "newsbot_console",
    "can_join_groups": True, "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

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


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _buttons(markup: Any) -> list[dict[str, Any]]:
    """The inline buttons of a reply_markup, row after row."""
    if not isinstance(markup, dict):
        return []
    return [button for row in markup.get("inline_keyboard", []) for button in row]


class LocalBotAPI(BaseRequest):
    """A Bot API that lives in this process: it answers calls and prints what the bot sends.

    Only the console chat is shown.  Alerts for other chats (a database shared with a real
    bot) get a 429, so they stay pending in the outbox instead of being lost here.
    """

    def __init__(self, out: TextIO, *, styled: bool = False) -> None:
        self.out = out
        self.styled = styled
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.printed = 0  # messages, edits and callback answers shown so far
        self.with_buttons: tuple[int, int] | None = None  # last message that has buttons
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._update_ids = itertools.count(1)
        self._warned_other_chats = False
        self.prompt = ""  # the input prompt on screen now, if any

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
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data is not None else {}
        handler = getattr(self, "_" + name.lower(), None)
        if handler is None:
            return _error(400, f"Bad Request: method {name} is not available in the console")
        result = handler(params)
        if isinstance(result, tuple):  # (status, body): an error
            return result
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # -- updates from the console user ---------------------------------------------------

    def next_message_id(self, chat_id: int) -> int:
        """Telegram numbers a chat's messages, the user's and the bot's, in one sequence."""
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def message_update(self, text: str) -> dict[str, Any]:
        """The update Telegram would send for a line the console user typed."""
        message: dict[str, Any] = {
            "message_id": self.next_message_id(CONSOLE_CHAT),
            "date": int(time.time()),
            "chat": CHAT,
            "from": USER,
            "text": text,
        }
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
            ]
        return {"update_id": next(self._update_ids), "message": message}

    def button_update(self, number: int) -> dict[str, Any] | str:
        """The callback query for pressing a button, or a Dutch reason why it cannot be."""
        message = self.messages.get(self.with_buttons) if self.with_buttons else None
        buttons = _buttons(message.get("reply_markup")) if message else []
        if message is None or not buttons:
            return NO_BUTTONS
        if not 1 <= number <= len(buttons):
            return f"Kies een knop van 1 tot {len(buttons)}."
        button = buttons[number - 1]
        if "switch_inline_query" in button:
            return f"Deze knop deelt in een ander gesprek: @bot {button['switch_inline_query']}"
        if "callback_data" not in button:
            return f"Deze knop opent een link: {button.get('url', '')}"
        update_id = next(self._update_ids)
        return {
            "update_id": update_id,
            "callback_query": {
                "id": str(update_id),
                "from": USER,
                "chat_instance": str(CONSOLE_CHAT),
                "data": button["callback_data"],
                "message": message,
            },
        }

    # -- output --------------------------------------------------------------------------

    def show(self, text: str) -> None:
        if self.prompt:  # an alert while the user is at the prompt: print above it
            clear = "\r\x1b[K" if self.styled else "\n"
            self.out.write(f"{clear}{text}\n{self.prompt}")
        else:
            self.out.write(text + "\n")
        self.out.flush()
        self.printed += 1

    def _show_message(self, message: dict[str, Any], html: str, parse_mode: str | None,
                      label: str = "") -> None:
        lines = [label + terminal_text(html, parse_mode=parse_mode, styled=self.styled)]
        lines += [f"  [{i}] {b.get('text', '')}"
                  for i, b in enumerate(_buttons(message.get("reply_markup")), 1)]
        self.show("\n".join(lines) + "\n")

    def _remember(self, message: dict[str, Any]) -> None:
        key = (message["chat"]["id"], message["message_id"])
        self.messages[key] = message
        if _buttons(message.get("reply_markup")):
            self.with_buttons = key
        elif self.with_buttons == key:
            self.with_buttons = None

    def _other_chat(self, params: dict[str, Any]) -> bool:
        return str(params.get("chat_id")) != str(CONSOLE_CHAT)

    # -- Bot API methods (named after the lower-cased method) ----------------------------

    def _getme(self, params: dict[str, Any]) -> Any:
        return BOT_USER

    def _setmycommands(self, params: dict[str, Any]) -> Any:
        return True

    _deletemycommands = _deletewebhook = _close = _logout = _setmycommands

    def _getmycommands(self, params: dict[str, Any]) -> Any:
        return []

    def _getupdates(self, params: dict[str, Any]) -> Any:
        return []  # the console feeds updates to the application itself

    def _getchatmember(self, params: dict[str, Any]) -> Any:
        return {"status": "creator", "user": USER, "is_anonymous": False}

    def _sendmessage(self, params: dict[str, Any]) -> Any:
        if self._other_chat(params):
            if not self._warned_other_chats:
                self._warned_other_chats = True
                self.show(OTHER_CHATS)
            return _error(429, "Too Many Requests: retry after 60", retry_after=60)
        html, parse_mode = str(params.get("text", "")), params.get("parse_mode")
        shown = terminal_text(html, parse_mode=parse_mode)
        if not shown.strip():
            return _error(400, "Bad Request: message text is empty")
        if _utf16_len(shown) > MAX_TEXT:
            return _error(400, "Bad Request: message is too long")
        message: dict[str, Any] = {
            "message_id": self.next_message_id(CONSOLE_CHAT),
            "date": int(time.time()),
            "chat": CHAT,
            "from": BOT_USER,
            "text": shown,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        self._remember(message)
        self._show_message(message, html, parse_mode)
        return message

    def _edited(self, params: dict[str, Any]) -> dict[str, Any] | tuple[int, bytes]:
        """The message an edit refers to, or the error Telegram would give."""
        if self._other_chat(params):
            return _error(400, "Bad Request: chat not found")
        message = self.messages.get((CONSOLE_CHAT, int(params.get("message_id", 0))))
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        return message

    def _editmessagetext(self, params: dict[str, Any]) -> Any:
        old = self._edited(params)
        if isinstance(old, tuple):
            return old
        html, parse_mode = str(params.get("text", "")), params.get("parse_mode")
        shown = terminal_text(html, parse_mode=parse_mode)
        markup = params.get("reply_markup")
        if shown == old["text"] and markup == old.get("reply_markup"):
            return _not_modified()
        message = {**old, "text": shown, "edit_date": int(time.time())}
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        self._remember(message)
        self._show_message(message, html, parse_mode, label="(bewerkt) ")
        return message

    def _editmessagereplymarkup(self, params: dict[str, Any]) -> Any:
        old = self._edited(params)
        if isinstance(old, tuple):
            return old
        markup = params.get("reply_markup")
        if markup == old.get("reply_markup") or not (markup or old.get("reply_markup")):
            return _not_modified()
        message = {**old, "edit_date": int(time.time())}
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        self._remember(message)
        if _buttons(markup):
            self._show_message(message, "(andere knoppen)", None, label="(bewerkt) ")
        else:
            self.show("(knoppen weggehaald)\n")
        return message

    def _deletemessage(self, params: dict[str, Any]) -> Any:
        key = (CONSOLE_CHAT, int(params.get("message_id", 0)))
        if self._other_chat(params) or self.messages.pop(key, None) is None:
            return _error(400, "Bad Request: message to delete not found")
        if self.with_buttons == key:
            self.with_buttons = None
        self.show(f"(bericht {key[1]} verwijderd)\n")
        return True

    def _answercallbackquery(self, params: dict[str, Any]) -> Any:
        if params.get("text"):
            self.show(f"» {params['text']}")
        return True


def _error(code: int, description: str, **parameters: Any) -> tuple[int, bytes]:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return code, json.dumps(body).encode()


def _not_modified() -> tuple[int, bytes]:
    return _error(
        400,
        "Bad Request: message is not modified: specified new message content and reply "
        "markup are exactly the same as a current content and reply markup of the message",
    )


async def stdin_lines(api: LocalBotAPI | None = None, prompt: str = "> ") -> AsyncIterator[str]:
    """Lines typed in the terminal, with line editing where readline is available.

    Each line is read in a daemon thread, so Ctrl-C or the end of the session never
    waits for a pending `input()`.  While the prompt is up, `api` prints above it.
    """
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (importing it gives input() editing and history)
    loop = asyncio.get_running_loop()
    echo = not sys.stdin.isatty()  # piped input: show it, so the output reads as a chat
    while True:
        future: asyncio.Future[str | None] = loop.create_future()
        if api is not None:
            api.prompt = prompt
        threading.Thread(
            target=_read_line, args=(loop, future, prompt), name="console-input", daemon=True
        ).start()
        try:
            line = await future
        finally:
            if api is not None:
                api.prompt = ""
        if line is None:
            print()  # end the prompt's line
            return
        if echo:
            print(line)
        yield line


def _read_line(
    loop: asyncio.AbstractEventLoop, future: asyncio.Future[str | None], prompt: str
) -> None:
    try:
        line: str | None = input(prompt)
    except (EOFError, OSError):
        line = None
    with contextlib.suppress(RuntimeError):  # the loop is gone: the session already ended
        loop.call_soon_threadsafe(_settle, future, line)


def _settle(future: asyncio.Future[str | None], line: str | None) -> None:
    if not future.done():  # cancelled when the session ended first
        future.set_result(line)


def console_settings(settings: Settings) -> Settings:
    """The settings for a console session: a dummy token, the console user as an admin."""
    return settings.model_copy(
        update={
            "token": SecretStr(TOKEN),
            "admins": settings.admins | {CONSOLE_USER},
            # Feeds are fetched over the network; the console stays offline.
            "feeds": (),
        }
    )


async def run_console(
    settings: Settings,
    lines: AsyncIterable[str] | None = None,
    out: TextIO | None = None,
    *,
    styled: bool | None = None,
) -> None:
    """Run the bot against :class:`LocalBotAPI` and chat with it until /quit or end of input.

    `lines` defaults to the terminal (with a prompt) and `out` to stdout; lines from
    elsewhere are echoed after a prompt, so the output reads as a conversation.
    """
    from bot.app import build_application, running

    out = out or sys.stdout
    echo = lines is not None
    if styled is None:
        styled = out.isatty()
    api = LocalBotAPI(out, styled=styled)
    source = lines if lines is not None else stdin_lines(api)
    # No Telegram behind the console: no per-chat pacing, so replies come at once.
    limits = Limits(global_per_second=1000, chat_window=0.0)
    app = build_application(console_settings(settings), request=api, limits=limits)
    out.write(f"{INTRO}\n{HINTS}\n\n")
    out.flush()
    async with running(app):
        await _chat(app, api, source, out, echo)


async def _chat(
    app: Application,  # type: ignore[type-arg]
    api: LocalBotAPI,
    source: AsyncIterable[str],
    out: TextIO,
    echo: bool,
) -> None:
    pending = ""  # earlier lines of a text continued with a trailing backslash
    async for raw in source:
        if echo:
            out.write(f"> {raw}\n")
        if raw.endswith("\\"):
            pending += raw[:-1] + "\n"
            continue
        text, pending = (pending + raw).strip(), ""
        if not text:
            continue
        if text.lower() in QUIT:
            return
        data: dict[str, Any] | str
        if text.startswith("!") and text[1:].strip().isdigit():
            data = api.button_update(int(text[1:]))
        else:
            data = api.message_update(text)
        if isinstance(data, str):
            out.write(data + "\n\n")
            out.flush()
            continue
        before = api.printed
        await app.process_update(Update.de_json(data, app.bot))
        if api.printed == before:
            out.write(NO_ANSWER + "\n\n")
            out.flush()
