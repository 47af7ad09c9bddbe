"""`newsbot import` and `newsbot items`: the seed page read right, bad input refused whole."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot.cli import MAX_PAGE_BYTES
from fakes.process import bot_env, newsbot
from tests.conftest import SEED

ROOT = Path(__file__).resolve().parents[1]

# (dateline, agencies, minutes old, regions) for the seed's briefs, newest first.
SEED_BRIEFS = [
    ("PARIJS", ["ANP", "AFP"], 16, ["FR"]),
    ("KYIV", ["AFP", "RTR"], 37, ["RU", "UA"]),
    ("MOSKOU", ["ANP", "RTR"], 49, ["RU", "UA"]),
    ("PARIJS", ["ANP", "RTR", "AFP"], 55, ["FR"]),
    ("OSLO", ["ANP"], 59, ["NO"]),
    ("TOKIO", ["ANP", "RTR"], 60, ["CN", "JP"]),
    ("ARNHEM", ["ANP"], 60, ["NL"]),
]


def test_seed_import_reads_exactly_what_the_seed_readme_says(db_path: Path) -> None:
    result = newsbot("import", str(SEED), "--now", "2026-11-25T14:05:00+01:00", db=db_path)
    assert result.returncode == 0, result.stderr
    assert "1 artikel, 7 berichten opgeslagen" in result.stdout

    listed = newsbot("items", "--json", "--limit", "20", db=db_path)
    items = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(items) == 8
    [article] = [i for i in items if i["kind"] == "article"]
    assert article["title"] == "Rusland trekt troepen terug uit Izjoem en Balaklia"
    assert article["dateline"] == "MOSKOU" and article["agencies"] == ["ANP", "RTR", "AFP"]
    assert article["regions"] == ["RU", "UA"] and article["lead"] is True
    assert article["section"] == "Buitenland" and article["published_at"] is None
    assert article["subheadings"] == ["Spoorrails"]
    briefs = [i for i in items if i["kind"] == "brief"]
    assert [b["dateline"] for b in briefs] == [d for d, *_ in SEED_BRIEFS]  # newest first
    for brief, (dateline, agencies, minutes, regions) in zip(briefs, SEED_BRIEFS, strict=True):
        assert brief["agencies"] == agencies and brief["regions"] == regions, dateline
        assert brief["section"] == "Buitenland" and brief["lead"] is False
        hh, mm = divmod(14 * 60 + 5 - minutes, 60)
        assert brief["published_at"] == f"2026-11-25T{hh:02d}:{mm:02d}:00+01:00"
        for field in ("id", "title", "body", "source"):
            assert field in brief

    again = newsbot("import", str(SEED), db=db_path)
    assert again.returncode == 0
    assert "0 artikel, 0 berichten opgeslagen, 8 al bekend" in again.stdout


def test_a_page_of_the_wrong_shape_is_refused_naming_the_line(
    db_path: Path, tmp_path: Path
) -> None:
    lines = SEED.read_text(encoding="utf-8").split("\n")
    broken = tmp_path / "kapot.txt"
    # The age between the first two briefs went missing: two briefs in a row.
    broken.write_text("\n".join([*lines[:9], lines[9].split("geleden")[1]]), encoding="utf-8")
    result = newsbot("import", str(broken), db=db_path)
    assert result.returncode == 2
    assert "regel 10" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert newsbot("items", "--json", db=db_path).stdout == ""  # nothing stored


def test_cli_errors_are_one_line_and_exit_2(db_path: Path) -> None:
    for args in (["import", "bestaat-niet.txt"], ["import", str(SEED), "--now", "gisteren"],
                 ["items", "--limit", "0"]):
        result = newsbot(*args, db=db_path)
        assert result.returncode == 2, args
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_import_at_the_spring_dst_change_stores_real_ages(db_path: Path, tmp_path: Path) -> None:
    """A page imported at 03:30 on the last Sunday of March (the clocks
    went 02:00 -> 03:00) stores "1 uur" and "2 uur geleden" one and two real hours back."""
    page = tmp_path / "zomertijd.txt"
    page.write_text(
        "Zomertijd gaat in\nDEN HAAG (ANP) - De klok gaat een uur vooruit.\n"
        "Meer uit Binnenland\n"
        "UTRECHT (ANP) - De treinen rijden weer na de storing.\n1 uur geleden\n"
        "ARNHEM (ANP) - Het bezoekerscentrum gaat open.\n2 uur geleden\n",
        encoding="utf-8",
    )
    result = newsbot("import", str(page), "--now", "2026-03-29T03:30", db=db_path)
    assert result.returncode == 0, result.stderr
    assert "60 min oud" in result.stdout and "120 min oud" in result.stdout
    assert "[Nederland]" in result.stdout and "[NL]" not in result.stdout  # names, not codes
    listed = newsbot("items", "--json", db=db_path)
    briefs = {i["dateline"]: i for i in map(json.loads, listed.stdout.splitlines())}
    assert briefs["UTRECHT"]["published_at"] == "2026-03-29T01:30:00+01:00"
    assert briefs["ARNHEM"]["published_at"] == "2026-03-29T00:30:00+01:00"


def test_items_limit_out_of_range_is_one_line_and_exit_2(db_path: Path) -> None:
    """A --limit past SQLite's integers (or not a number) is refused."""
    for limit in ("99999999999999999999", "²", "abc", "-3"):
        result = newsbot("items", "--limit", limit, db=db_path)
        assert result.returncode == 2, limit
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "Traceback" not in result.stderr and "--limit" in result.stderr


def test_db_with_a_tilde_is_opened_in_the_home_folder(tmp_path: Path) -> None:
    """NEWSBOT_DB=~/x.sqlite3 is the file in $HOME, for every command."""
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir(), cwd.mkdir()
    env = {**bot_env("~/x.sqlite3"), "HOME": str(home)}
    for args in (["import", str(SEED)], ["items", "--limit", "3"]):
        result = subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
    assert "#" in result.stdout  # the items just imported were found again
    assert (home / "x.sqlite3").is_file()
    assert not (cwd / "~").exists()


def test_an_empty_token_gets_the_how_to_help_and_exit_2(tmp_path: Path) -> None:
    """`NEWSBOT_TOKEN=` (as .env.example ships it) is no token at all."""
    (tmp_path / ".env").write_text("NEWSBOT_TOKEN=\n", encoding="utf-8")
    without = bot_env(tmp_path / "n.sqlite3")  # the .env's empty token is read
    for env in (without, bot_env(tmp_path / "n.sqlite3", token="  ")):
        result = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 2
        assert "@BotFather" in result.stderr and "Traceback" not in result.stderr


def test_import_refuses_a_page_over_the_size_cap(db_path: Path, tmp_path: Path) -> None:
    """A page over 1 MB would hold the write lock past the bot's busy
    timeout: refused in one line with exit 2, nothing stored."""
    big = tmp_path / "groot.txt"
    body = SEED.read_text(encoding="utf-8")
    filler = "\n".join(
        f"OSLO (ANP) - Bericht nummer {n} over de noorderlichtjes boven de fjorden.\n"
        f"{n % 50 + 1} minuten geleden"
        for n in range(15_000)
    )
    big.write_text(body.rstrip() + "\n" + filler + "\n", encoding="utf-8")
    assert big.stat().st_size > MAX_PAGE_BYTES
    result = newsbot("import", str(big), db=db_path)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "1 MB" in result.stderr
    assert newsbot("items", "--json", db=db_path).stdout == ""
