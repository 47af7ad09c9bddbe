"""The README and docs/ name only what exists, and document every setting.

What a reader of the documentation would notice when it goes stale: a file that is not
there, a `newsbot` subcommand or option the command line refuses, a `NEWSBOT_` variable
the bot ignores, a link to a page or heading that is gone, or a setting nobody wrote up.
Each check collects every problem first and fails once, naming the page, the line and
what is missing, so whoever adds a feature sees at once what to write or fix.

What counts as a name, to be strict without being brittle:

* File paths are read from inline code spans (`` `bot/app.py` ``), from link targets
  (``[usage](docs/usage.md)``) and from fenced shell blocks (only words that start with one
  of the repository's own top-level folders, so ``/etc/newsbot.env`` is not ours to check).
  A path with a folder must exist from the repository root, or as the tail of a path in it
  (``migrations/*.sql`` under ``storage/``); a bare file name (``sender.py``) must exist
  somewhere in the tree.  Absolute paths, URLs, Telegram commands (``/volg``) and words
  without a known source-file ending are not paths.
* Subcommands and their options come from the real parser (:func:`bot.cli.build_parser`),
  read wherever code (inline or fenced) says ``newsbot SUBCOMMAND``.
* Modules run with ``python -m`` must be the repository's own or installed.
* Settings come from the real :class:`bot.settings.Settings`; any other ``NEWSBOT_`` name a
  page mentions must be read by the code (``NEWSBOT_TEST_POSTGRES_URL`` in the tests).
  Every setting must be documented in docs/usage.md or docs/operations.md, and be in
  ``.env.example``.
* Every command the bot answers (as ``handlers/`` registers it on a real Application) must
  be in docs/usage.md, and every ``bench/bench_*.py`` needs its section in
  docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from telegram.ext import ApplicationBuilder, CommandHandler

import handlers
from bot.cli import build_parser
from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README_MAX_LINES = 150
# The pages the README's index promises; each must exist.
PAGES = ("usage", "operations", "architecture", "matching", "benchmarks", "development")
# Where a setting counts as documented.
SETTINGS_PAGES = ("usage.md", "operations.md")

# Endings of files that live in the repository (not a database, not a user's .env).
SOURCE_ENDINGS = (
    ".py",
    ".md",
    ".toml",
    ".sql",
    ".txt",
    ".tsv",
    ".json",
    ".json.gz",
    ".service",
    ".example",
    ".cfg",
    ".ini",
    ".yml",
    ".yaml",
    ".sh",
)
SKIP_DIRS = {".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", "node_modules"}
SHELL_SEPARATORS = {"&&", "||", "|", ";", ">", ">>", "<"}

CODE_SPAN = re.compile(r"(`+)(.+?)\1")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
SETTING = re.compile(r"\bNEWSBOT_[A-Z0-9_]*[A-Z0-9]")
# Lower-case module names only: `python -m bench.NAME` is a placeholder.
PYTHON_M = re.compile(r"\bpython[0-9.]*\s+-m\s+([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*)(?![\w.])")
SUBCOMMAND = re.compile(r"(?:^|[\s/(])newsbot\s+([a-z][a-z-]*)(.*)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def lines_of(path: Path) -> Iterator[tuple[int, str, bool]]:
    """(line number, text, inside a fenced block) for each line but the fences."""
    fenced = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        yield number, line, fenced


def code_of(path: Path) -> Iterator[tuple[int, str, bool]]:
    """Every piece of code on a page: inline spans, and each fenced line whole."""
    for number, line, fenced in lines_of(path):
        if fenced:
            yield number, line, True
        else:
            for match in CODE_SPAN.finditer(line):
                yield number, match.group(2).strip(), False


def repo_files() -> list[str]:
    """Every file and folder in the tree, as posix paths from the root (folders end in /)."""
    found = []
    stack = [ROOT]
    while stack:
        folder = stack.pop()
        for entry in folder.iterdir():
            if entry.name in SKIP_DIRS or entry.name.endswith(".egg-info"):
                continue
            if entry.is_dir():
                found.append(rel(entry) + "/")
                stack.append(entry)
            else:
                found.append(rel(entry))
    return found


def looks_like_path(word: str) -> bool:
    if not word or any(c.isspace() for c in word) or "://" in word:
        return False
    if word.startswith(("/", "~", "@", "-", "$", ".venv")):
        return False
    if not re.fullmatch(r"[\w.*/-]+", word):
        return False
    if word.endswith(SOURCE_ENDINGS) or word.endswith("/"):
        return True
    # A slash alone is no path (`Europe/Amsterdam`) unless it starts in the repository.
    return "/" in word and (ROOT / word.split("/")[0]).exists()


def path_exists(word: str, files: list[str]) -> bool:
    word = word.removeprefix("./")
    if "*" in word:
        pattern = re.compile("(^|/)" + re.escape(word).replace(r"\*", "[^/]*") + "$")
        return any(pattern.search(f.rstrip("/")) for f in files)
    if (ROOT / word).exists():
        return True
    tail = word.rstrip("/")
    if "/" in tail:
        return any(f.rstrip("/").endswith("/" + tail) for f in files)
    return any(f.rstrip("/").rsplit("/", 1)[-1] == tail for f in files)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.replace("`", "").strip().lower()
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in ("L", "N"))
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    result = set()
    for _, line, fenced in lines_of(path):
        match = None if fenced else HEADING.match(line)
        if match:
            base = slug(match.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            result.add(base if count == 0 else f"{base}-{count}")
    return result


def settings_names() -> set[str]:
    return {"NEWSBOT_" + name.upper() for name in Settings.model_fields}


def subparsers() -> dict[str, argparse.ArgumentParser]:
    parser, _ = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("bot.cli.build_parser has no subcommands")


def report(problems: list[str], what: str) -> str:
    return f"{len(problems)} {what}:\n  " + "\n  ".join(problems)


def test_readme_is_short_and_indexes_every_page() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    count = len(readme.splitlines())
    assert count <= README_MAX_LINES, (
        f"README.md has {count} lines, at most {README_MAX_LINES}: move the detail into docs/"
    )
    problems = [
        f"docs/{page}.md: missing, or not linked from README.md"
        for page in PAGES
        if not (DOCS / f"{page}.md").is_file() or f"](docs/{page}.md" not in readme
    ]
    assert not problems, report(problems, "pages missing from docs/ or its index")


def test_every_path_named_exists() -> None:
    files = repo_files()
    top = {f.rstrip("/").split("/")[0] for f in files}
    problems = []
    for page in doc_files():
        for number, code, fenced in code_of(page):
            if fenced or any(c.isspace() for c in code):
                # A command: only the words that start in the repository are ours.
                words = [w.strip("'\"(),") for w in code.split()]
                words = [w for w in words if w.split("/")[0] in top and "/" in w]
            else:
                words = [code]
            for word in words:
                if looks_like_path(word) and not path_exists(word, files):
                    problems.append(f"{rel(page)}:{number}: `{word}` does not exist")
        for number, line, fenced in lines_of(page):
            for target in [] if fenced else LINK.findall(line):
                if "://" in target or target.startswith(("mailto:", "#")):
                    continue
                file_part = target.split("#", 1)[0]
                if not (page.parent / file_part).resolve().exists():
                    problems.append(f"{rel(page)}:{number}: link to {target}: no such file")
    assert not problems, report(problems, "paths named in README.md or docs/ that do not exist")


def test_every_link_anchor_exists() -> None:
    problems = []
    for page in doc_files():
        for number, line, fenced in lines_of(page):
            for target in [] if fenced else LINK.findall(line):
                if "#" not in target or "://" in target:
                    continue
                file_part, anchor = target.split("#", 1)
                linked = (page.parent / file_part).resolve() if file_part else page
                if linked.suffix == ".md" and linked.is_file() and anchor not in anchors(linked):
                    problems.append(
                        f"{rel(page)}:{number}: link to {target}: no heading #{anchor} in"
                        f" {rel(linked)} (has: {', '.join(sorted(anchors(linked)))})"
                    )
    assert not problems, report(problems, "links to headings that do not exist")


def module_exists(name: str) -> bool:
    """A module `python -m` can run: the repository's own, or an installed one."""
    path = ROOT / name.replace(".", "/")
    if path.with_suffix(".py").is_file() or (path / "__main__.py").is_file():
        return True
    return "." not in name and importlib.util.find_spec(name) is not None


def test_every_module_run_with_python_m_exists() -> None:
    problems = []
    for page in doc_files():
        for number, code, _ in code_of(page):
            for name in PYTHON_M.findall(code):
                if not module_exists(name):
                    problems.append(f"{rel(page)}:{number}: `python -m {name}`: no such module")
    assert not problems, report(problems, "modules run with python -m that do not exist")


def test_every_newsbot_subcommand_and_option_named_exists() -> None:
    commands = subparsers()
    problems = []
    for page in doc_files():
        for number, code, _ in code_of(page):
            for match in SUBCOMMAND.finditer(code):
                name, rest = match.group(1), match.group(2)
                if name not in commands:
                    problems.append(
                        f"{rel(page)}:{number}: `newsbot {name}` is no subcommand"
                        f" (bot/cli.py has: {', '.join(sorted(commands))})"
                    )
                    continue
                known = {
                    option for action in commands[name]._actions for option in action.option_strings
                }
                for word in rest.split():
                    if word in SHELL_SEPARATORS or word.startswith("`"):
                        break
                    option = word.strip("[]").split("=", 1)[0]
                    if option.startswith("--") and option not in known:
                        problems.append(
                            f"{rel(page)}:{number}: `newsbot {name}` has no option {option}"
                        )
    assert not problems, report(problems, "newsbot subcommands or options that do not exist")


def test_every_newsbot_setting_named_exists() -> None:
    known = settings_names()
    read_by_code = set()
    for source in ROOT.rglob("*.py"):
        if SKIP_DIRS.isdisjoint(source.relative_to(ROOT).parts) and source != Path(__file__):
            read_by_code |= set(SETTING.findall(source.read_text(encoding="utf-8")))
    problems = []
    for page in doc_files():
        for number, line, _ in lines_of(page):
            for name in SETTING.findall(line):
                if name not in known and name not in read_by_code:
                    problems.append(
                        f"{rel(page)}:{number}: {name} is no setting in bot/settings.py"
                        " and no code reads it"
                    )
    assert not problems, report(problems, "NEWSBOT_ variables named that nothing reads")


def test_every_setting_is_documented() -> None:
    text = "\n".join((DOCS / page).read_text(encoding="utf-8") for page in SETTINGS_PAGES)
    missing = [
        f"{name} (Settings.{name.removeprefix('NEWSBOT_').lower()})"
        for name in sorted(settings_names())
        if f"`{name}" not in text
    ]
    assert not missing, report(
        missing,
        f"settings in bot/settings.py not documented in docs/{' or docs/'.join(SETTINGS_PAGES)}",
    )


def registered_commands() -> set[str]:
    """The commands the real application answers, as handlers/ registers them."""
    app = ApplicationBuilder().token("123456:TEST").build()
    handlers.register(app)
    return {
        command
        for group in app.handlers.values()
        for handler in group
        if isinstance(handler, CommandHandler)
        for command in handler.commands
    }


def test_every_command_is_documented() -> None:
    text = (DOCS / "usage.md").read_text(encoding="utf-8")
    missing = [
        f"/{command} (registered in handlers/, not in docs/usage.md)"
        for command in sorted(registered_commands())
        if not re.search(rf"`/{re.escape(command)}\b", text)
    ]
    assert not missing, report(missing, "bot commands not documented")


def test_env_example_names_every_setting() -> None:
    """`.env.example` is the operator's template (docs/usage.md says it lists them all)."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    missing = [name for name in sorted(settings_names()) if name not in SETTING.findall(text)]
    assert not missing, report(missing, "settings in bot/settings.py missing from .env.example")


def test_every_benchmark_has_its_section_with_a_command() -> None:
    page = (DOCS / "benchmarks.md").read_text(encoding="utf-8")
    sections = re.split(r"^## ", page, flags=re.M)[1:]
    problems = []
    for script in sorted((ROOT / "bench").glob("bench_*.py")):
        name = script.stem
        body = next((s for s in sections if s.splitlines()[0].endswith(f"({name})")), None)
        if body is None:
            problems.append(
                f"bench/{script.name}: no section '## ... ({name})' in docs/benchmarks.md"
            )
        elif f"bench/{name}.py" not in body and f"bench.{name}" not in body:
            problems.append(f"docs/benchmarks.md ({name}): the section names no command running it")
    assert not problems, report(problems, "benchmarks without their section")
