"""Shared fixtures: a real SQLite store in a temporary folder, loopback without proxies."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot.app import build_application, running
from bot.news.parse import parse_page
from bot.services import SERVICES_KEY, Services
from bot.settings import Settings
from storage import Store
from tests.fakes.botapi import BotAPI
from tests.fakes.telegram_html import parse_html

# Tests only talk to 127.0.0.1: never through a proxy from the environment.
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
for _name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(_name, None)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock",
        metavar="ISO",
        help="run the whole suite as if the wall clock read ISO (e.g. 2027-12-06T23:30+01:00); "
        "it keeps ticking. Catches tests that depend on today's date or the hour.",
    )


def pytest_configure(config: pytest.Config) -> None:
    clock = config.getoption("--clock")
    if clock:
        # time-machine moves time.time() and datetime.now() but not time.monotonic(),
        # so asyncio's timers (and every deadline in these tests) run as usual.
        import time_machine

        traveller = time_machine.travel(datetime.fromisoformat(clock), tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


def pytest_report_header(config: pytest.Config) -> str | None:
    clock = config.getoption("--clock")
    return f"wall clock moved to {clock}" if clock else None


# A copy of ../shared/seed/000_86f2966f36db17d2.txt, so the tests need nothing outside the repo.
SEED = Path(__file__).parent / "data" / "000_86f2966f36db17d2.txt"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "news.sqlite3"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(db_path)
    yield opened
    await opened.close()


# -- end to end: the real Application against the local Bot API emulator ---------------

ADMIN = 500
TOKEN = "123456:TEST-secret-token"


class Harness:
    """A running bot and its Bot API emulator, with helpers to talk like a reader."""

    def __init__(self, api: BotAPI, app: Application) -> None:  # type: ignore[type-arg]
        self.api = api
        self.app = app

    @property
    def services(self) -> Services:
        return self.app.bot_data[SERVICES_KEY]

    async def say(
        self, text: str, chat_id: int = 1001, user_id: int | None = None, **kwargs: Any
    ) -> str:
        """Send `text` as a user and return the text of the bot's next message to the chat."""
        before = len(self.api.sent(chat_id))
        self.api.inject_message(text, chat_id=chat_id, user_id=user_id or chat_id, **kwargs)
        sent = await self.api.wait_sent(before + 1, chat_id)
        return visible(sent[before])

    async def replies(self, text: str, n: int, chat_id: int = 1001) -> list[str]:
        before = len(self.api.sent(chat_id))
        self.api.inject_message(text, chat_id=chat_id, user_id=chat_id)
        sent = await self.api.wait_sent(before + n, chat_id)
        return [visible(m) for m in sent[before:]]

    def texts(self, chat_id: int, start: int = 0) -> list[str]:
        """What the reader sees of every message sent to the chat from `start` on."""
        return [visible(m) for m in self.api.sent(chat_id)[start:]]


async def import_seed(bot: Harness) -> None:
    """Import the seed page as `newsbot import` would, at this moment (ages count from now)."""
    page = parse_page(SEED.read_text(encoding="utf-8"), now=datetime.now(UTC), source="seed")
    await bot.services.intake.add_many([page.article, *reversed(page.briefs)])


def visible(sent: dict[str, Any]) -> str:
    """The text a reader sees: sendMessage's text with its HTML parsed like Telegram does."""
    text = str(sent["text"])
    if str(sent.get("parse_mode", "")).lower() == "html":
        return parse_html(text)
    return text


def make_settings(api: BotAPI, db: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "token": TOKEN, "api_url": api.base_url, "db": db, "admins": frozenset({ADMIN}),
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@asynccontextmanager
async def running_bot(settings: Settings, api: BotAPI, **build: Any) -> AsyncIterator[Harness]:
    """The bot, polling the emulator; `build` goes to build_application (limits, timings)."""
    async with running(build_application(settings, **build)) as app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        yield Harness(api, app)


@pytest.fixture
async def api() -> AsyncIterator[BotAPI]:
    async with BotAPI(token=TOKEN) as emulator:
        yield emulator


@pytest.fixture
async def bot(api: BotAPI, db_path: Path) -> AsyncIterator[Harness]:
    async with running_bot(make_settings(api, db_path), api) as harness:
        yield harness
