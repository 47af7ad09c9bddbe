"""The `newsbot` command line: `newsbot run` and the other subcommands.

Each subcommand is a function taking the parsed arguments and the settings and
returning an exit code; adding one is a parser entry plus a function.
Errors an operator can fix end in one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from bot.intake import Stored
from bot.logs import setup_logging
from bot.news.items import Item
from bot.news.text import parse_number
from bot.news.voice import country_name
from bot.settings import Settings, SettingsError, load_settings

EXIT_USAGE = 2
# `newsbot import` holds the write lock while it stores a page (one transaction, so a
# page lands whole or not at all); a page must be stored well within the bot's 5 s busy
# timeout, and 1 MB is far enough under it (the time per size: docs/benchmarks.md).
MAX_PAGE_BYTES = 1_000_000
MAX_LIMIT = 1_000_000  # `newsbot items --limit`

NO_TOKEN = """\
newsbot: NEWSBOT_TOKEN is niet gezet.
Vraag een token aan bij @BotFather in Telegram (stuur hem /newbot), en zet het dan
in de omgeving of in een .env-bestand in de map waar je newsbot start:
    NEWSBOT_TOKEN=123456789:AA...
Zie .env.example voor alle instellingen."""


TOKEN_REFUSED = (
    "newsbot: Telegram weigert NEWSBOT_TOKEN (401 Unauthorized): controleer het token bij"
    " @BotFather (/mybots, API Token)."
)


class CliError(Exception):
    """An error the operator can fix: printed as one line, exit code 2."""


Command = Callable[[argparse.Namespace, Settings], int]


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Start the bot until SIGINT/SIGTERM: webhook mode when NEWSBOT_WEBHOOK_URL is set,
    else long polling."""
    if settings.token is None:
        print(NO_TOKEN, file=sys.stderr)
        return EXIT_USAGE
    from bot.app import TokenRefused, serve_polling
    from storage.lease import SQLiteFileBusy, lock_sqlite_file

    sender_lock = None
    if isinstance(settings.db, Path):
        # One sender per SQLite file (PostgreSQL has its lease instead): a second `run`
        # would send every alert again and fight the first over getUpdates.  Taken
        # before anything is sent or polled, and held until this function returns.
        try:
            sender_lock = lock_sqlite_file(settings.db)
        except SQLiteFileBusy:
            raise CliError(
                f"er draait al een newsbot run op {settings.db}"
                f" (slot {settings.db}.lock is bezet); stop die eerst"
            ) from None
    secrets = [settings.token.get_secret_value()]
    if settings.webhook_secret is not None:
        secrets.append(settings.webhook_secret.get_secret_value())
    setup_logging(secrets=secrets, fmt=settings.log_format)
    # Both wait for Telegram first (a WARNING line per attempt, up to 30 s apart), and
    # stop cleanly on SIGINT/SIGTERM, also during that wait: exit code 0.
    try:
        if settings.webhook_url:
            from bot.webhook import serve

            asyncio.run(serve(settings))
        else:
            asyncio.run(serve_polling(settings))
    except TokenRefused:
        print(TOKEN_REFUSED, file=sys.stderr)
        return EXIT_USAGE
    finally:
        if sender_lock is not None:
            sender_lock.close()
    return 0


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    """A consistent copy of the live database (SQLite's online backup API)."""
    from storage.backup import BackupError, backup_sqlite

    if str(settings.db).startswith("postgres"):
        raise CliError("NEWSBOT_DB is PostgreSQL: maak een backup met pg_dump")
    target = Path(args.path).expanduser()
    try:
        size = backup_sqlite(Path(settings.db).expanduser(), target)
    except BackupError as exc:
        raise CliError(str(exc)) from None
    print(f"backup {target}: {size} bytes ({size / 1024 / 1024:.1f} MiB)")
    return 0


def cmd_migrate_db(args: argparse.Namespace, settings: Settings) -> int:
    """Copy the SQLite database (NEWSBOT_DB) into an empty PostgreSQL database."""
    from storage import is_postgres_url
    from storage.copy import CopyError, copy_to_postgres

    if not isinstance(settings.db, Path):
        raise CliError("NEWSBOT_DB is al PostgreSQL; migrate-db kopieert een SQLite-bestand")
    if not settings.db.exists():
        raise CliError(f"databasebestand niet gevonden: {settings.db}")
    if not is_postgres_url(args.to):
        raise CliError("--to moet een postgresql://-URL zijn")
    try:
        copied = asyncio.run(copy_to_postgres(settings.db, args.to))
    except CopyError as exc:
        raise CliError(str(exc)) from None
    for row in copied:
        print(f"{row.table:16} {row.source:>10} -> {row.target:>10}")
    total = sum(row.target for row in copied)
    print(f"klaar: {len(copied)} tabellen, {total} rijen gekopieerd en geteld."
          " Zet NEWSBOT_DB op de postgresql://-URL en start de bot.")
    return 0


def _now(args: argparse.Namespace, settings: Settings) -> datetime:
    """`--now` (ISO 8601; without an offset it is read in NEWSBOT_TIMEZONE), else the clock."""
    if args.now is None:
        return datetime.now(settings.tz)
    try:
        value = datetime.fromisoformat(args.now)
    except ValueError:
        raise CliError(
            f"--now: {args.now!r} is geen ISO 8601-tijd (bijv. 2026-11-25T14:05)"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=settings.tz)


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    """Import a news page file: the lead story and its briefs, in one transaction."""
    from bot.news.parse import ParseError, parse_page

    path = Path(args.path)
    try:
        size = path.stat().st_size
        if size > MAX_PAGE_BYTES:
            raise CliError(
                f"{path}: {size} bytes is groter dan de grens van {MAX_PAGE_BYTES} bytes"
                " (1 MB) voor een pagina; splits hem in kleinere pagina's"
            )
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CliError(f"bestand niet gevonden: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"kan {path} niet lezen: {exc}") from None
    now = _now(args, settings)
    try:
        page = parse_page(text, now=now, source=f"pagina:{path.name}", section=args.section)
    except ParseError as exc:
        raise CliError(f"{path}: {exc}") from None
    # Oldest brief first, so that ids grow with time (and break ties in age the page's way).
    results = asyncio.run(_store_items(settings, [page.article, *reversed(page.briefs)]))

    new = [r.item for r in results if r.item is not None]
    articles = sum(1 for item in new if item.kind == "article")
    print(
        f"{path.name}: {articles} artikel, {len(new) - articles} berichten opgeslagen,"
        f" {len(results) - len(new)} al bekend, {sum(r.queued for r in results)} meldingen"
        " klaar om te versturen."
    )
    # Listed as on the page: the article, then the briefs newest first.
    for item in sorted(new, key=lambda i: (i.kind != "article", -(i.id or 0))):
        age = ""
        if item.published_at is not None:
            # Timestamps, not aware-datetime subtraction: two times in one zone subtract
            # on the wall clock, which is an hour off across a DST change.
            minutes = round((now.timestamp() - item.published_at.timestamp()) / 60)
            age = f", {minutes} min oud"
        regions = ", ".join(country_name(code) for code in item.regions) or "-"
        kind = "artikel" if item.kind == "article" else "bericht"
        print(f"  #{item.id} {kind:7} {item.dateline or '-':16} [{regions}]{age}")
    return 0


async def _store_items(settings: Settings, items: list[Item]) -> list[Stored]:
    from bot.intake import Intake
    from bot.news.regions import default_gazetteer
    from storage import open_store

    store = await open_store(settings.db)
    try:
        return await Intake(store, default_gazetteer()).add_many(items)
    finally:
        await store.close()


def cmd_items(args: argparse.Namespace, settings: Settings) -> int:
    """List stored items, newest first."""
    limit = parse_number(args.limit, low=1, high=MAX_LIMIT)
    if limit is None:
        raise CliError(f"--limit moet een geheel getal van 1 tot {MAX_LIMIT} zijn")
    items = asyncio.run(_newest(settings, limit))
    for item in items:
        if args.json:
            print(json.dumps(item.as_json(settings.tz), ensure_ascii=False))
        else:
            kind = "artikel" if item.kind == "article" else "bericht"
            lead = " (opening)" if item.lead else ""
            summary = item.title or item.body[:70]
            print(f"#{item.id} {kind}{lead} {item.dateline or '-'} [{', '.join(item.regions)}]"
                  f" {summary}")
    return 0


async def _newest(settings: Settings, limit: int) -> list[Item]:
    from storage import open_store

    store = await open_store(settings.db)
    try:
        return await store.newest(limit)
    finally:
        await store.close()


def cmd_console(args: argparse.Namespace, settings: Settings) -> int:
    """Chat with the bot in this terminal: same handlers and database, no Telegram, no token."""
    from bot.console import run_console

    # Alerts for other chats in a shared database wait in the outbox (the console answers
    # them with a 429); the sender's warning for each would drown the conversation.
    for name in ("bot.delivery.sender", "bot.delivery.telegram", "bot.delivery.retry"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        asyncio.run(run_console(settings))
    except KeyboardInterrupt:
        print()  # Ctrl-C at the prompt: end the line, then stop like /quit
    return 0


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Command]]:
    parser = argparse.ArgumentParser(prog="newsbot", description="Telegram-bot voor nieuws.")
    sub = parser.add_subparsers(dest="command", metavar="COMMANDO")
    commands: dict[str, Command] = {}

    sub.add_parser("run", help="start de bot (long polling, of webhook met NEWSBOT_WEBHOOK_URL)")
    commands["run"] = cmd_run

    backup = sub.add_parser("backup", help="kopie van de database terwijl de bot draait")
    backup.add_argument("path", help="bestand voor de kopie")
    commands["backup"] = cmd_backup

    mig = sub.add_parser(
        "migrate-db", help="kopieer de SQLite-database naar een lege PostgreSQL-database"
    )
    mig.add_argument("--to", required=True, metavar="URL", help="postgresql://gebruiker@host/db")
    commands["migrate-db"] = cmd_migrate_db

    imp = sub.add_parser("import", help="lees een nieuwspagina in")
    imp.add_argument("path", help="tekstbestand met de pagina")
    imp.add_argument("--now", help="tijd van de pagina (ISO 8601), standaard nu")
    imp.add_argument("--section", help="rubriek, in plaats van die uit 'Meer uit ...'")
    commands["import"] = cmd_import

    items = sub.add_parser("items", help="toon opgeslagen berichten, nieuwste eerst")
    items.add_argument("--json", action="store_true", help="een JSON-object per regel")
    # Read as text and checked in cmd_items: argparse's own int() error is two lines and
    # lets 99999999999999999999 through to SQLite.
    items.add_argument("--limit", default="20", help=f"hoeveel, 1 tot {MAX_LIMIT} (standaard 20)")
    commands["items"] = cmd_items

    sub.add_parser("console", help="praat met de bot in deze terminal, zonder Telegram")
    commands["console"] = cmd_console
    return parser, commands


def main(argv: Sequence[str] | None = None) -> int:
    parser, commands = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    logging.basicConfig(level=logging.WARNING)
    try:
        settings = load_settings()
        return commands[args.command](args, settings)
    except (SettingsError, CliError) as exc:
        print(f"newsbot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:
        from storage import is_connection_error

        if not is_connection_error(exc):
            raise
        # Not our bug but the operator's setup: one line, never the URL (it may hold a password).
        print(f"newsbot: database onbereikbaar ({type(exc).__name__}: {exc})", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
