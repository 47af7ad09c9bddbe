"""`newsbot console`: a scripted conversation, read back as the user sees it in the terminal."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.console import INTRO, NO_BUTTONS, run_console, terminal_text
from bot.settings import Settings
from tests.conftest import SEED

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def seeded(db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A database with the seed page imported through the CLI, and settings for it."""
    for name in [n for n in os.environ if n.startswith("NEWSBOT_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no .env from the working copy
    monkeypatch.setenv("NEWSBOT_DB", str(db_path))
    assert main(["import", str(SEED)]) == 0
    return Settings(_env_file=None, db=db_path)  # type: ignore[call-arg]


async def script(lines: list[str]) -> AsyncIterator[str]:
    for line in lines:
        yield line


class Screen(io.StringIO):
    """The console's output, which a script can wait on (alerts come later than replies)."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = asyncio.Event()

    def write(self, text: str) -> int:
        self.changed.set()
        return super().write(text)

    async def shows(self, text: str) -> None:
        async with asyncio.timeout(5):
            while text not in self.getvalue():
                self.changed.clear()
                await self.changed.wait()


def after(output: str, line: str) -> str:
    """What was printed after the user typed `line`, up to the next typed line."""
    return output.split(f"> {line}\n", 1)[1].split("\n> ", 1)[0]


async def test_a_new_user_tries_the_bot(seeded: Settings) -> None:
    out = io.StringIO()
    lines = [
        "/start",
        "/laatste",
        "/volg Oekraïne",
        "/mijn",
        "!1",
        "!1",
        "/zoek staking",
        "/plaats PARIJS (AFP) - Test van de console.",
        "hallo",
        "/onzin",
        "/quit",
        "/help",  # never read: the session ended
    ]
    await asyncio.wait_for(run_console(seeded, script(lines), out), 20)
    seen = out.getvalue()

    assert seen.startswith(INTRO)
    assert "Welkom bij het nieuws!" in after(seen, "/start")
    assert "<b>" not in seen and "\x1b[" not in seen  # HTML rendered, no colours off a TTY
    latest = after(seen, "/laatste")
    assert "Rusland trekt troepen terug uit Izjoem en Balaklia" in latest
    assert "Spoorrails" in latest
    assert "Je volgt nu Oekraïne" in after(seen, "/volg Oekraïne")
    mine = after(seen, "/mijn")
    assert "• Oekraïne" in mine and "  [1] ❌ Oekraïne" in mine
    unfollowed = after(seen, "!1")
    assert "» Je volgt Oekraïne niet meer." in unfollowed
    assert "(bewerkt) Je volgt nog niets." in unfollowed
    assert NO_BUTTONS in seen.split("> !1\n")[2]  # the edit took the buttons away
    assert "Louvre" in after(seen, "/zoek staking")
    assert "Bericht opgeslagen als #" in after(seen, "/plaats PARIJS (AFP) - Test van de console.")
    assert "Typ een onderwerp" in after(seen, "hallo")  # free text is answered
    assert "Zo werkt het" not in seen.split("> /quit\n", 1)[1]
    assert "ken ik niet" in after(seen, "/onzin")
    assert seen.count("ken ik niet") == 1  # known commands get their answer, not also a hint


async def test_an_alert_arrives_and_its_button_unfollows(seeded: Settings) -> None:
    out = Screen()

    async def lines() -> AsyncIterator[str]:
        yield "/volg staking"
        yield "/plaats DEN HAAG (ANP) - De staking bij de NS gaat morgen door."
        await out.shows("Ontvolg staking")
        yield "!1"
        yield "/opening Kabinet valt\\"
        yield "DEN HAAG (ANP) - Het kabinet is gevallen."

    await asyncio.wait_for(run_console(seeded, lines(), out), 20)
    seen = out.getvalue()
    assert "1 melding onderweg" in seen
    assert "De staking bij de NS gaat morgen door" in seen
    assert "  [1] Ontvolg staking" in seen
    pressed = after(seen, "!1")
    # The unfollow button goes, "Deel" stays.
    assert "» Je volgt staking niet meer." in pressed and "[1] Deel" in pressed
    assert "Ontvolg" not in pressed
    assert "Openingsverhaal opgeslagen als #" in seen  # two lines joined by the backslash


def test_telegram_html_becomes_terminal_text() -> None:
    html = '<b>KYIV</b> (AFP) - A &amp; B <i>nu</i> <a href="https://x.nl/a">Lees meer</a>'
    assert terminal_text(html) == "KYIV (AFP) - A & B nu Lees meer (https://x.nl/a)"
    assert terminal_text(html, styled=True).startswith("\x1b[1mKYIV\x1b[22m (AFP)")
    assert terminal_text("<b>plain</b>", parse_mode=None) == "<b>plain</b>"


def test_newsbot_console_needs_no_token_and_ends_at_end_of_input(tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env = {**clean, "PYTHONPATH": str(ROOT), "NEWSBOT_DB": str(tmp_path / "c.sqlite3")}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console"], input="/help\n", cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert INTRO in result.stdout and "Zo werkt het" in result.stdout
    assert "Traceback" not in result.stderr

