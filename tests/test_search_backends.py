"""/zoek gives the same items on SQLite and PostgreSQL, whatever a reader types.

Random Unicode, mixed with words of the seeded items and other spellings of them, goes
to both stores the way the handlers send it (``resolve``, then the store's search with
the key and what it leaves out).  Both must answer, and with the same items.  It guards
the case that once broke PostgreSQL: the ʻ of Oʻzbekiston, which ``unaccent`` folds to
a quote.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.news.items import Item
from bot.news.match import TermError, resolve
from bot.news.regions import default_gazetteer
from storage import Store, open_store

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
SEED = (
    "Aanval in Oekraïne.",
    "Stakingen in Frankrijk.",
    "Oʻzbekiston sluit de grens met Tadzjikistan.",
    "Weeramt: O'Brien en d'Hondt over straße en ĳsbaan.",
)
KNOWN = ("oekraine", "OEKRAÏNE", "staking", "Oʻzbekiston", "o'brien", "d'Hondt", "straße",
         "strasse", "ijsbaan", "ĳs", "Frankrijk", "in", "-", "zonder", "ʻ", "'", "_", "²")
QUERY = st.lists(st.one_of(st.sampled_from(KNOWN), st.text(max_size=12)), max_size=4).map(
    " ".join
)


async def _seed(store: Store) -> None:
    await store.add_items([
        (Item(kind="brief", paragraphs=(text,), dateline="PARIJS", agencies=("ANP",),
              published_at=NOW, source="test"), [], [])
        for text in SEED
    ])


@pytest.mark.parametrize("db_target", ["postgresql"], indirect=True)
async def test_search_gives_the_same_items_on_both_backends(
    db_target: str, db_path: Path
) -> None:
    sqlite, postgres = await open_store(db_path), await open_store(db_target)
    gazetteer = default_gazetteer()
    loop = asyncio.get_running_loop()

    async def both(key: str, excluding: tuple[str, ...]) -> list[list[int]]:
        return [
            [i.id for i in await store.search(key, 10, excluding=excluding)]
            for store in (sqlite, postgres)
        ]

    @given(QUERY)
    def same(text: str) -> None:
        try:
            topic = resolve(text, gazetteer)
        except TermError:
            return  # the reader gets resolve's Dutch explanation; no search runs
        excluding = tuple(topic.excluding)
        lite, pg = asyncio.run_coroutine_threadsafe(both(topic.key, excluding), loop).result()
        assert lite == pg, (text, topic.key)

    try:
        await _seed(sqlite)
        await _seed(postgres)
        # The stores live on this loop; hypothesis drives them from a thread.
        await asyncio.to_thread(same)
    finally:
        await sqlite.close()
        await postgres.close()
