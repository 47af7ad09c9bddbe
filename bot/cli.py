"""The `newsbot` command line: `newsbot run` and the other subcommands.

Each subcommand is a function taking the parsed arguments and the settings and
returning an exit code; adding one is a parser entry plus a function.
Errors an operator can fix end in one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from bot.logs import setup_logging
from bot.settings import Settings, SettingsError, load_settings

EXIT_USAGE = 2

NO_TOKEN = """\
newsbot: NEWSBOT_TOKEN is niet gezet.
Vraag een token aan bij @BotFather in Telegram (stuur hem /newbot), en zet het dan
in de omgeving of in een .env-bestand in de map waar je newsbot start:
    NEWSBOT_TOKEN=123456789:AA...
Zie .env.example voor alle instellingen."""


class CliError(Exception):
    """An error the operator can fix: printed as one line, exit code 2."""


Command = Callable[[argparse.Namespace, Settings], int]


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Start the bot with long polling until SIGINT/SIGTERM."""
    if settings.token is None:
        print(NO_TOKEN, file=sys.stderr)
        return EXIT_USAGE
    from bot.app import build_application

    setup_logging(secrets=[settings.token.get_secret_value()])
    app = build_application(settings)
    # run_polling installs SIGINT/SIGTERM handlers and shuts down cleanly:
    # post_shutdown closes the database.
    app.run_polling(allowed_updates=["message", "callback_query", "my_chat_member"])
    return 0


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Command]]:
    parser = argparse.ArgumentParser(prog="newsbot", description="Telegram-bot voor nieuws.")
    sub = parser.add_subparsers(dest="command", metavar="COMMANDO")
    commands: dict[str, Command] = {}

    sub.add_parser("run", help="start de bot (long polling)")
    commands["run"] = cmd_run
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
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
