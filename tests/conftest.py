"""Shared fixtures: a real SQLite store in a temporary folder, loopback without proxies."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import Store

# Tests only talk to 127.0.0.1: never through a proxy from the environment.
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
for _name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(_name, None)

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
