"""Stored keyword follows move to the lemma keys at open, on both backends, losing nothing.

Before, a keyword key was Snowball stems (``k:verkies`` for "verkiezing"); now it is
lemmas (``k:verkiezing``).  A database written by the older rules is upgraded when a
process opens it: every follow keeps working, two follows that are now one key become one
row, and the chat's alerts carry the new key.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.news.items import Item
from bot.news.match import FollowedKeys, item_keys, resolve
from bot.news.regions import default_gazetteer
from storage import open_store

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)

# (chat, old key as the Snowball rules stored it, label) — what a database of last week holds.
OLD_FOLLOWS = [
    (1, "k:verkies", "verkiezing (onderwerp)"),
    (1, "k:tweed kamer", "Tweede Kamer (onderwerp)"),
    (1, "r:UA", "Oekraïne (land)"),
    (2, "k:poetin", "Poetin (onderwerp)"),
    (2, "k:putin", "Putin (onderwerp)"),  # the same person: one follow afterwards
    (2, "k:staak", "staking (onderwerp)"),
    (3, "k:vereen natie", "Verenigde Naties (onderwerp)"),
]


def brief(text: str) -> Item:
    return Item(kind="brief", paragraphs=(text,), dateline="DEN HAAG", agencies=("ANP",),
                published_at=NOW, source="test")


async def _write_old_follows(target: Path | str) -> None:
    store = await open_store(target)
    try:
        async with store.transaction() as conn:
            for chat_id, key, label in OLD_FOLLOWS:
                await conn.execute(
                    "INSERT INTO chats (id, kind, created_at) VALUES (?, 'private', 0)"
                    " ON CONFLICT (id) DO NOTHING",
                    (chat_id,),
                )
                await conn.execute(
                    "INSERT INTO subscriptions (chat_id, thread_id, key, label, created_at)"
                    " VALUES (?, 0, ?, ?, ?)",
                    (chat_id, key, label, float(len(key))),
                )
            # A database from before the lemma rules has no record of them.
            await conn.execute("DELETE FROM meta WHERE name = 'match_keys'")
        # An alert still pending under the old key.
        [(stored, queued)] = await store.add_items(
            [(brief("De verkiezingen zijn in maart."), ["NL"], ["k:verkies"])]
        )
        assert stored is not None and queued == 1
    finally:
        await store.close()


@pytest.mark.both_backends
async def test_old_keyword_follows_move_to_lemma_keys(db_target: Path | str) -> None:
    await _write_old_follows(db_target)
    store = await open_store(db_target)
    try:
        one = {s.key: s.label for s in await store.subscriptions(1)}
        assert one == {
            "k:verkiezing": "verkiezing (onderwerp)",
            "k:tweede kamer": "Tweede Kamer (onderwerp)",
            "r:UA": "Oekraïne (land)",
        }
        two = await store.subscriptions(2)
        assert sorted(s.key for s in two) == ["k:staking", "k:vladimir poetin"]
        assert [s.key for s in await store.subscriptions(3)] == ["k:verenigen natie"]
        # Every key a chat follows now is what /volg of its label gives today.
        gaz = default_gazetteer()
        for chat_id, _key, label in OLD_FOLLOWS:
            name = label.rsplit(" (", 1)[0]
            keys = {s.key for s in await store.subscriptions(chat_id)}
            assert resolve(name, gaz).key in keys
        # The pending alert names the follow by its new key.
        [alert] = await store.chat_deliveries(1)
        assert alert.key == "k:verkiezing"
        # And the follows match: "Putin" reaches chat 2 through its one Poetin follow.
        assert "k:vladimir poetin" in store.followed.keys
        item = brief("Putin spreekt met de pers. Hij stoort zich aan de vragen.")
        keys = item_keys(item, gaz.find(item.text), store.followed)
        [(stored, queued)] = await store.add_items([(item, ["RU"], keys)])
        assert stored is not None and queued == 1
        assert [d.key for d in await store.chat_deliveries(2)] == ["k:vladimir poetin"]
    finally:
        await store.close()


@pytest.mark.both_backends
async def test_the_move_runs_once(db_target: Path | str) -> None:
    await _write_old_follows(db_target)
    store = await open_store(db_target)
    await store.close()
    store = await open_store(db_target)
    try:
        assert await store.rekey_follows() == 0
        assert len(await store.subscriptions(2)) == 2
    finally:
        await store.close()


def test_followed_keys_filter_agrees_with_the_full_key_list() -> None:
    """The intake's filtered keys are exactly the full list's keys that someone follows."""
    gaz = default_gazetteer()
    follows = ["staking", "Tweede Kamer", "bank", "VN", "vuur", "Poetin", "verkiezing"]
    followed = FollowedKeys(resolve(term, gaz).key for term in follows)
    for text in (
        "De Kamervoorzitter schorste het debat over de pilotenstaking.",
        "Zij zat op de bank en keek naar de verkiezingen.",
        "De Algemene Vergadering sprak over Putin en de vuurtoren.",
    ):
        item = brief(text)
        full = item_keys(item, gaz.find(text))
        filtered = item_keys(item, gaz.find(text), followed)
        assert set(filtered) == {key for key in full if key in followed.keys}


@pytest.mark.both_backends
async def test_items_stored_under_older_rules_get_todays_search_keys(
    db_target: Path | str,
) -> None:
    """An item stored before today's rules (here: before GEEL was a town in a dateline)
    is found by a search of today's rules once a process opens the database."""
    gaz = default_gazetteer()
    item = Item(kind="brief", paragraphs=("De stad viert haar traditie van gastgezinnen.",),
                dateline="GEEL", agencies=("BELGA",), published_at=NOW, source="test")
    geel = resolve("gemeente Geel", gaz).key
    store = await open_store(db_target)
    try:
        [(stored, _)] = await store.add_items([(item, ["BE"], [])])
        assert stored is not None and stored.id is not None
        async with store.transaction() as conn:
            # As the older rules indexed it: the words, not the town.
            await conn.execute(
                "DELETE FROM item_keys WHERE item_id = ? AND key NOT LIKE 'k:%'", (stored.id,)
            )
            await conn.execute("UPDATE meta SET value = '2' WHERE name = 'search_keys'")
        assert await store.search(geel, 10) == []
    finally:
        await store.close()
    store = await open_store(db_target)
    try:
        assert [found.id for found in await store.search(geel, 10)] == [stored.id]
        assert [found.id for found in await store.search("k:traditie", 10)] == [stored.id]
        assert await store.index_items() == 0  # once per rules version
    finally:
        await store.close()
