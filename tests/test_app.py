"""The bot starts, publishes its Dutch commands and answers through the real HTTP stack."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.logs import setup_logging
from bot.settings import Settings
from fakes.botapi import BotAPI
from tests.conftest import TOKEN, Harness, make_settings, running_bot

ROOT = Path(__file__).resolve().parents[1]


async def test_start_answers_in_dutch_and_commands_are_published(bot: Harness) -> None:
    reply = await bot.say("/start")
    assert "Welkom" in reply
    assert "/laatste" in reply and "/volg Oekraïne" in reply
    names = [name for name, _ in bot.api.commands]
    for required in ("start", "help", "laatste", "volg", "ontvolg", "mijn"):
        assert required in names
    descriptions = dict(bot.api.commands)
    assert descriptions["volg"] == "Volg een land, plaats of onderwerp"


async def test_help_gives_examples(bot: Harness) -> None:
    reply = await bot.say("/help")
    assert "/volg staking" in reply and "/zoek" in reply


async def test_unknown_command_gets_a_dutch_hint(bot: Harness) -> None:
    assert "ken ik niet" in await bot.say("/bestaatniet")


async def test_error_in_a_handler_is_answered_politely_and_bot_keeps_running(
    bot: Harness,
) -> None:
    async def broken(update: object, context: object) -> None:
        raise RuntimeError("boom")

    from telegram.ext import CommandHandler

    # First in group 0, before the unknown-command hint, like any real command.
    bot.app.handlers[0].insert(0, CommandHandler("kapot", broken))
    assert "er ging iets mis" in await bot.say("/kapot")
    assert "Welkom" in await bot.say("/start")


async def test_token_never_appears_in_log_lines(
    api: BotAPI, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """At the default level nothing logs the token; at DEBUG the handler filter redacts it."""
    secret = TOKEN.split(":", 1)[1]
    caplog.set_level(logging.INFO)
    api.fail_next("getUpdates", 502, "Bad Gateway", count=2)
    async with running_bot(make_settings(api, db_path), api) as harness:
        await harness.say("/volg Oekraïne")
    assert caplog.records, "expected the bot to log something"
    for record in caplog.records:
        assert secret not in record.getMessage()
        assert secret not in (record.exc_text or "")

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    out = io.StringIO()
    try:
        setup_logging(logging.DEBUG, secrets=[TOKEN], stream=out)
        async with running_bot(make_settings(api, db_path), api) as harness:
            await harness.say("/start")
    finally:
        root.handlers[:], root.level = saved
    assert "[REDACTED]" in out.getvalue()  # PTB logs its API URL at DEBUG
    assert secret not in out.getvalue()
    assert secret not in repr(make_settings(api, db_path))


def _cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, env={**clean, **env},
        capture_output=True, text=True, timeout=60,
    )


def test_run_without_token_explains_and_exits_2(tmp_path: Path) -> None:
    result = _cli("run", cwd=tmp_path, PYTHONPATH=str(ROOT))
    assert result.returncode == 2
    assert "NEWSBOT_TOKEN" in result.stderr and "@BotFather" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("NEWSBOT_ADMINS", "12,abc"),
        ("NEWSBOT_TIMEZONE", "Europe/Atlantis"),
        ("NEWSBOT_DB", "/nonexistent-folder/news.sqlite3"),
        ("NEWSBOT_DB", "mysql://root@db/news"),
        ("NEWSBOT_DB", "postgresql://newsbot:geheim@db:port/news"),
        ("NEWSBOT_DB", "postgresql://newsbot:geheim@db:5432"),
        ("NEWSBOT_PAID_BROADCAST", "misschien"),
    ],
)
def test_bad_setting_is_one_line_naming_the_variable(tmp_path: Path, name: str, value: str) -> None:
    result = _cli("run", cwd=tmp_path, PYTHONPATH=str(ROOT), NEWSBOT_TOKEN="1:x", **{name: value})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and name in lines[0]
    assert "Traceback" not in result.stderr
    assert "geheim" not in result.stderr  # a password in a URL never reaches the screen


def test_database_setting_takes_a_file_or_a_postgresql_url(tmp_path: Path) -> None:
    url = "postgresql://newsbot:geheim@db.example:5432/news"
    settings = Settings(_env_file=None, db=url)  # type: ignore[call-arg]
    assert settings.db == url
    assert settings.db_label == "postgresql://newsbot:***@db.example:5432/news"
    assert "geheim" not in repr(settings)
    file = Settings(_env_file=None, db=str(tmp_path / "n.sqlite3"))  # type: ignore[call-arg]
    assert file.db == tmp_path / "n.sqlite3" and file.db_label == str(tmp_path / "n.sqlite3")


async def test_a_bad_request_is_logged_as_an_error_with_its_traceback(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """A 400 from Telegram (in PTB 22 a NetworkError) is our bug, not
    network noise: logged at ERROR with the traceback; the reader still gets the apology."""
    caplog.set_level(logging.INFO)
    bot.api.fail_next("sendMessage", 400, "Bad Request: can't parse entities", chat_id=1001)
    assert "iets mis" in await bot.say("/help")
    [record] = [r for r in caplog.records if r.name == "handlers.errors"]
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert "parse entities" in str(record.exc_info[1])
