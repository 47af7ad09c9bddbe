"""Shared fixtures: a real store (SQLite file or PostgreSQL database), loopback without proxies.

Storage runs on both backends through ONE parametrized fixture, `db_target`: a SQLite file
in the test's folder, or a fresh PostgreSQL database copied from a migrated template (a
`CREATE DATABASE ... TEMPLATE` is quicker than migrating each one).  Tests
that use `store` get both; other tests opt in with `@pytest.mark.both_backends`, the rest
run on SQLite only.  PostgreSQL is at NEWSBOT_TEST_POSTGRES_URL; without it those tests
are skipped with one line in the summary, and `--postgres-required` (CI) makes that a
failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from telegram.ext import Application

from bot.app import build_application, running
from bot.intake import Intake
from bot.news.parse import parse_brief, parse_page
from bot.news.regions import default_gazetteer
from bot.services import SERVICES_KEY, Services
from bot.settings import Settings
from fakes.botapi import BotAPI
from fakes.telegram_html import parse_html
from storage import Store, open_store
from storage.pgconn import connect_admin, migrate

# Tests only talk to 127.0.0.1: never through a proxy from the environment.
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
for _name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(_name, None)


PG_URL_VAR = "NEWSBOT_TEST_POSTGRES_URL"
BACKENDS = ("sqlite", "postgresql")


# Property tests draw the same examples on every run ("stable"), so a CI run cannot fail by
# the luck of the draw; `pytest --hypothesis-profile=explore` draws new, many more, and is
# how such edge cases get found (one did: a header of only a soft hyphen).
hypothesis.settings.register_profile("stable", derandomize=True, deadline=None, database=None)
hypothesis.settings.register_profile("explore", max_examples=2000, deadline=None)
hypothesis.settings.load_profile("stable")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--postgres-required",
        action="store_true",
        help=f"fail (not skip) the PostgreSQL tests when {PG_URL_VAR} is unset or the "
        "server is unreachable, and fail the run if none of them passed (CI)",
    )
    parser.addoption(
        "--clock",
        metavar="ISO",
        help="run the whole suite as if the wall clock read ISO (e.g. 2027-12-06T23:30+01:00); "
        "it keeps ticking. Catches tests that depend on today's date or the hour.",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "both_backends: run this test on SQLite and on PostgreSQL (db_target)"
    )
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


# -- the two backends -----------------------------------------------------------------

def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_target" in metafunc.fixturenames and (
        "store" in metafunc.fixturenames
        or metafunc.definition.get_closest_marker("both_backends") is not None
    ):
        metafunc.parametrize("db_target", BACKENDS, indirect=True)


class _PgTests:
    """What the session learnt about PostgreSQL: the template, and how many tests ran."""

    def __init__(self) -> None:
        self.url = os.environ.get(PG_URL_VAR, "")
        self.template: str | None = None
        self.problem: str | None = None if self.url else f"{PG_URL_VAR} is not set"
        self.names = itertools.count(1)
        self.passed = 0
        self.skipped = 0

    def database_url(self, name: str) -> str:
        base, _, query = self.url.partition("?")
        return base.rsplit("/", 1)[0] + "/" + name + (f"?{query}" if query else "")


_PG = _PgTests()


async def _pg_admin(sql: str) -> None:
    conn = await connect_admin(_PG.url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _pg_template() -> str:
    """Create (once per session) a database with every migration applied, to copy from."""
    if _PG.template is None:
        name = f"newsbot_tpl_{os.getpid()}"

        async def build() -> None:
            await _pg_admin(f"DROP DATABASE IF EXISTS {name}")
            await _pg_admin(f"CREATE DATABASE {name}")
            conn = await connect_admin(_PG.database_url(name))
            try:
                await migrate(conn)
            finally:
                await conn.close()

        asyncio.run(build())
        _PG.template = name
    return _PG.template


@pytest.fixture(scope="session", autouse=True)
def _pg_session() -> Iterator[None]:
    yield
    if _PG.template is not None:
        with contextlib.suppress(Exception):
            asyncio.run(_pg_admin(f"DROP DATABASE IF EXISTS {_PG.template} WITH (FORCE)"))


@asynccontextmanager
async def _scratch_postgres(tag: str, template: str | None = None) -> AsyncIterator[str]:
    """A PostgreSQL database of this test's own (a copy of `template`, or empty), dropped after."""
    name = f"newsbot_{tag}_{os.getpid()}_{next(_PG.names)}"
    await _pg_admin(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    try:
        yield _PG.database_url(name)
    finally:
        await _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
async def db_target(request: pytest.FixtureRequest, db_path: Path) -> AsyncIterator[Path | str]:
    """Where the test's database lives: a SQLite file, or a fresh PostgreSQL database URL."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        yield db_path
        return
    required = request.config.getoption("--postgres-required")
    if _PG.problem is None:
        try:
            await asyncio.to_thread(_pg_template)
        except Exception as exc:
            _PG.problem = f"PostgreSQL at {PG_URL_VAR} unusable: {type(exc).__name__}: {exc}"
    if _PG.problem is not None:
        if required:
            pytest.fail(_PG.problem)
        _PG.skipped += 1
        pytest.skip(_PG.problem)
    async with _scratch_postgres("t", template=_PG.template) as url:
        yield url


@pytest.fixture
async def empty_postgres(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A fresh PostgreSQL database with nothing in it (no migrations): for upgrade tests."""
    if not _PG.url:
        if request.config.getoption("--postgres-required"):
            pytest.fail(f"{PG_URL_VAR} is not set")
        _PG.skipped += 1
        pytest.skip(f"{PG_URL_VAR} is not set")
    async with _scratch_postgres("e") as url:
        yield url


@pytest.fixture
async def store(db_target: Path | str) -> AsyncIterator[Store]:
    opened = await open_store(db_target)
    yield opened
    await opened.close()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed and "[postgresql]" in report.nodeid:
        _PG.passed += 1


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if _PG.skipped:
        terminalreporter.write_line(
            f"PostgreSQL tests skipped ({_PG.skipped}): {_PG.problem}", yellow=True
        )
    elif _PG.passed:
        terminalreporter.write_line(f"PostgreSQL tests passed: {_PG.passed}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if session.config.getoption("--postgres-required") and not _PG.passed and exitstatus == 0:
        # Nothing failed, yet not one PostgreSQL test ran: CI must not call that a pass.
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


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
    """The text a reader sees: sendMessage's text (sendPhoto's caption) with its HTML parsed
    like Telegram does."""
    text = str(sent["text"] if "text" in sent else sent.get("caption", ""))
    if str(sent.get("parse_mode", "")).lower() == "html":
        return parse_html(text)
    return text


# The emulator runs on the test's own event loop, so it reads a request only when that loop
# gets to it: on a busy machine, seconds after the bot marked the request as leaving.  Its
# answer is then the only bound on when it counted the request.  Tests that assert "no 429
# at all" give the limiter a skew beyond any loop lag, so each permit is held one window
# past the emulator's answer: the pacing is what they test, not the skew's production value.
IN_PROCESS_SKEW = 60.0


def make_settings(api: BotAPI, db: Path | str, **overrides: Any) -> Settings:
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
async def bot(api: BotAPI, db_target: Path | str) -> AsyncIterator[Harness]:
    async with running_bot(make_settings(api, db_target), api) as harness:
        yield harness


async def follow_in_bulk(db: Path | str, chats: range, key: str, label: str) -> None:
    """Private chats that each follow `key`, written directly (thousands in one go)."""
    store = await open_store(db)
    try:
        async with store.transaction() as conn:
            await conn.executemany(
                "INSERT INTO chats (id, kind, created_at) VALUES (?, 'private', 0)",
                [(c,) for c in chats],
            )
            await conn.executemany(
                "INSERT INTO subscriptions (chat_id, key, label, created_at)"
                " VALUES (?, ?, ?, 0)",
                [(c, key, label) for c in chats],
            )
    finally:
        await store.close()


async def queue_brief(db: Path | str, text: str, *, queued: int) -> None:
    """Store a brief from outside the bot, as `newsbot import` does; `queued` alerts follow.

    The store is opened afresh, as another process would: it reads the followed keys then.
    """
    store = await open_store(db)
    try:
        item = parse_brief(text, now=datetime.now().astimezone())
        [stored] = await Intake(store, default_gazetteer()).add_many([item])
        assert stored.queued == queued
    finally:
        await store.close()
