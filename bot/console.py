"""`newsbot console`: chat with the bot in a terminal, without Telegram or a token.

The real Application runs with the same handlers, sender and database (NEWSBOT_DB); only
its request backend is swapped for :class:`ConsoleAPI`: the in-process Bot API of
:mod:`bot.localapi`, printing what the bot sends.  Each typed line becomes a Telegram update
from the console user (id 1, a private chat, an admin for this session).

Typing ``!2`` presses button 2 of the last message that has buttons; a line ending in
``\\`` continues on the next line (for ``/opening``).  ``/quit``, ``exit``, end of input
or Ctrl-C end the session.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr
from telegram import Update
from telegram.ext import Application

from bot.delivery.ratelimit import Limits
from bot.localapi import JSONDict, LocalBotAPI, Reply, buttons, error, terminal_text
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

USER: JSONDict = {
    "id": CONSOLE_USER, "is_bot": False, "first_name": "Console", "language_code": "nl",
}
CHAT: JSONDict = {"id": CONSOLE_CHAT, "type": "private", "first_name": "Console"}
BOT_USER: JSONDict = {
    "id": BOT_ID, "is_bot": True, "first_name": "Nieuwsbot", "username": "newsbot_console",
    "can_join_groups": True, "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


class ConsoleAPI(LocalBotAPI):
    """The in-process Bot API, printing what the bot sends to the console chat.

    Only the console chat is shown.  Alerts for other chats (a database shared with a real
    bot) get a 429, so they stay pending in the outbox instead of being lost here.
    """

    def __init__(self, out: TextIO, *, styled: bool = False) -> None:
        super().__init__(BOT_USER)
        self.out = out
        self.styled = styled
        self.printed = 0  # messages, edits and callback answers shown so far
        self.with_buttons: tuple[int, int] | None = None  # last message that has buttons
        self._warned_other_chats = False
        self.prompt = ""  # the input prompt on screen now, if any

    def typed_update(self, text: str) -> JSONDict:
        """The update Telegram would send for a line the console user typed."""
        return self.message_update(text, CHAT, USER)

    def button_update(self, number: int) -> JSONDict | str:
        """The callback query for pressing a button, or a Dutch reason why it cannot be."""
        message = self.messages.get(self.with_buttons) if self.with_buttons else None
        choices = buttons(message.get("reply_markup")) if message else []
        if message is None or not choices:
            return NO_BUTTONS
        if not 1 <= number <= len(choices):
            return f"Kies een knop van 1 tot {len(choices)}."
        button = choices[number - 1]
        if "switch_inline_query" in button:
            return f"Deze knop deelt in een ander gesprek: @bot {button['switch_inline_query']}"
        if "callback_data" not in button:
            return f"Deze knop opent een link: {button.get('url', '')}"
        return self.callback_update(message, button["callback_data"], USER)

    # -- output --------------------------------------------------------------------------

    def show(self, text: str) -> None:
        if self.prompt:  # an alert while the user is at the prompt: print above it
            clear = "\r\x1b[K" if self.styled else "\n"
            self.out.write(f"{clear}{text}\n{self.prompt}")
        else:
            self.out.write(text + "\n")
        self.out.flush()
        self.printed += 1

    def _show_message(self, message: JSONDict, html: str, parse_mode: str | None,
                      label: str = "") -> None:
        lines = [label + terminal_text(html, parse_mode=parse_mode, styled=self.styled)]
        lines += [f"  [{i}] {b.get('text', '')}"
                  for i, b in enumerate(buttons(message.get("reply_markup")), 1)]
        self.show("\n".join(lines) + "\n")

    def _track_buttons(self, message: JSONDict) -> None:
        key = (message["chat"]["id"], message["message_id"])
        if buttons(message.get("reply_markup")):
            self.with_buttons = key
        elif self.with_buttons == key:
            self.with_buttons = None

    # -- hooks of LocalBotAPI ------------------------------------------------------------

    def refuse(self, method: str, params: JSONDict) -> Reply | None:
        if "chat_id" not in params or str(params["chat_id"]) == str(CONSOLE_CHAT):
            return None
        if method != "sendmessage":
            return error(400, "Bad Request: chat not found")
        if not self._warned_other_chats:
            self._warned_other_chats = True
            self.show(OTHER_CHATS)
        return error(429, "Too Many Requests: retry after 60", retry_after=60)

    def sent(self, message: JSONDict, html: str, parse_mode: str | None) -> None:
        self._track_buttons(message)
        self._show_message(message, html, parse_mode)

    def edited(self, message: JSONDict, html: str | None, parse_mode: str | None) -> None:
        self._track_buttons(message)
        if html is not None:
            self._show_message(message, html, parse_mode, label="(bewerkt) ")
        elif buttons(message.get("reply_markup")):
            self._show_message(message, "(andere knoppen)", None, label="(bewerkt) ")
        else:
            self.show("(knoppen weggehaald)\n")

    def deleted(self, chat_id: int, message_id: int) -> None:
        if self.with_buttons == (chat_id, message_id):
            self.with_buttons = None
        self.show(f"(bericht {message_id} verwijderd)\n")

    def answered(self, params: JSONDict) -> None:
        if params.get("text"):
            self.show(f"» {params['text']}")


async def stdin_lines(api: ConsoleAPI | None = None, prompt: str = "> ") -> AsyncIterator[str]:
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
    """Run the bot against :class:`ConsoleAPI` and chat with it until /quit or end of input.

    `lines` defaults to the terminal (with a prompt) and `out` to stdout; lines from
    elsewhere are echoed after a prompt, so the output reads as a conversation.
    """
    from bot.app import build_application, running

    out = out or sys.stdout
    echo = lines is not None
    if styled is None:
        styled = out.isatty()
    api = ConsoleAPI(out, styled=styled)
    source = lines if lines is not None else stdin_lines(api)
    # No Telegram behind the console: no per-chat pacing, so replies come at once.
    limits = Limits(global_per_second=1000, chat_window=0.0)
    # On a shared PostgreSQL database the running bot sends the alerts: a console sender
    # would compete with it for the lease and the outbox.
    shared = not isinstance(settings.db, Path)
    app = build_application(
        console_settings(settings), request=api, limits=limits, send_alerts=not shared
    )
    out.write(f"{INTRO}\n{HINTS}\n\n")
    out.flush()
    async with running(app):
        await _chat(app, api, source, out, echo)


async def _chat(
    app: Application,  # type: ignore[type-arg]
    api: ConsoleAPI,
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
        data: JSONDict | str
        if text.startswith("!") and text[1:].strip().isdigit():
            data = api.button_update(int(text[1:]))
        else:
            data = api.typed_update(text)
        if isinstance(data, str):
            out.write(data + "\n\n")
            out.flush()
            continue
        before = api.printed
        await app.process_update(Update.de_json(data, app.bot))
        if api.printed == before:
            out.write(NO_ANSWER + "\n\n")
            out.flush()
