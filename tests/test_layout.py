"""The tree keeps its levels: the news domain stays pure, imports run one way.

Read from the source (ast), not by importing, so a forbidden import anywhere in a
module fails here even when the code path that uses it never runs in a test.  An import
inside a function counts like one at the top (it runs, only later); an import under
``if TYPE_CHECKING:`` alone does not (it never runs).
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


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def runtime_imports(path: Path, known: set[str]) -> set[str]:
    """The product modules `path` imports when it runs: at the top or inside a function,
    but not under ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(id(n) for child in node.body for n in ast.walk(child))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            candidates = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            found.update(name for name in candidates if name in known)
    return found


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(cycles)


def test_no_import_cycles_among_the_product_modules() -> None:
    paths = {module_name(p): p for folder in PRODUCT for p in modules_under(folder)}
    graph = {name: runtime_imports(path, set(paths)) - {name} for name, path in paths.items()}
    assert import_cycles(graph) == []


def test_the_cycle_check_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    # The check itself: a function-level import closes a cycle, a TYPE_CHECKING one does not.
    (tmp_path / "a.py").write_text("import b\n")
    (tmp_path / "b.py").write_text("def f():\n    import a\n")
    (tmp_path / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                   "    import a\n")
    known = {"a", "b", "c"}
    graph = {m: runtime_imports(tmp_path / f"{m}.py", known) - {m} for m in known}
    assert import_cycles(graph) == [["a", "b"]]
    graph["c"] |= {"a"}
    graph["a"] |= {"c"}
    assert import_cycles(graph) == [["a", "b", "c"]]


def test_the_application_layer_does_not_import_a_delivery_implementation() -> None:
    # The intake talks to the sender through its AlertSender protocol, given to it.
    assert imports_any(ROOT / "bot" / "intake.py", ("bot.delivery",)) == []
