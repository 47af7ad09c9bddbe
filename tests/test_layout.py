"""The tree keeps its levels: the news domain stays pure, imports run one way.

Read from the source (ast), not by importing, so a forbidden import anywhere in a
module fails here even when the code path that uses it never runs in a test.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules_under(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def imports_any(path: Path, roots: tuple[str, ...]) -> list[str]:
    return sorted(
        name for name in imported_modules(path) if any(
            name == root or name.startswith(root + ".") for root in roots
        )
    )


@pytest.mark.parametrize("path", modules_under("bot/news"), ids=lambda p: p.name)
def test_news_domain_is_pure(path: Path) -> None:
    forbidden = ("telegram", "aiosqlite", "aiohttp", "asyncpg", "asyncio", "storage",
                 "handlers", "bot.delivery", "bot.app", "sqlite3", "socket", "urllib.request")
    assert imports_any(path, forbidden) == []
    # Inside bot/, the domain only imports itself.
    assert [n for n in imports_any(path, ("bot",)) if not n.startswith("bot.news")] == []


@pytest.mark.parametrize("path", modules_under("storage"), ids=lambda p: p.name)
def test_storage_knows_only_the_domain(path: Path) -> None:
    assert imports_any(path, ("telegram", "handlers")) == []
    assert [n for n in imports_any(path, ("bot",)) if not n.startswith("bot.news")] == []


@pytest.mark.parametrize("path", modules_under("bot/delivery"), ids=lambda p: p.name)
def test_delivery_does_not_reach_the_handlers(path: Path) -> None:
    assert imports_any(path, ("handlers", "bot.app", "bot.cli", "bot.console")) == []


PRODUCT = ("bot", "handlers", "storage")


@pytest.mark.parametrize(
    "path", [*modules_under("bot"), *modules_under("handlers"), *modules_under("storage"),
             *modules_under("bench"), *modules_under("fakes")],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_code_never_imports_tests(path: Path) -> None:
    # Benchmarks and the stand-ins for Telegram are not tests: they use the product and
    # fakes/, never a test module, so a test can change without breaking a benchmark.
    assert imports_any(path, ("tests",)) == []


@pytest.mark.parametrize(
    "path", [p for folder in PRODUCT for p in modules_under(folder)],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_product_never_imports_the_stand_ins(path: Path) -> None:
    # The console's in-process Bot API is bot/localapi.py; the HTTP emulator stays out.
    assert imports_any(path, ("fakes", "bench")) == []
