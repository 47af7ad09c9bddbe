"""Matching quality on the labelled Dutch sets in tests/data/ (see bench/bench_dutch.py).

Fails below the floors: regions recall 98%, no wrong country in 99% of cases,
keywords 95% agreement with what a reader expects.
"""

from __future__ import annotations

from pathlib import Path

from bot.news.items import Item
from bot.news.match import FollowedKeys, item_keys, resolve
from bot.news.regions import default_gazetteer

DATA = Path(__file__).parent / "data"


def rows(name: str) -> list[list[str]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line and not line.startswith("#")]


def test_regions_recall_and_no_wrong_country() -> None:
    gaz = default_gazetteer()
    cases = rows("regions_nl.tsv")
    assert len(cases) >= 300
    found = expected_total = clean = 0
    for _category, expected_s, text in cases:
        expected = set() if expected_s == "-" else set(expected_s.split(","))
        got = set(gaz.regions(text))
        expected_total += len(expected)
        found += len(expected & got)
        clean += got <= expected
    recall, clean_share = found / expected_total, clean / len(cases)
    print(f"regions: recall {recall:.1%}, no wrong country in {clean_share:.1%} of {len(cases)}")
    assert recall >= 0.98
    assert clean_share >= 0.99


def test_keywords_agree_with_the_reader() -> None:
    gaz = default_gazetteer()
    cases = rows("keywords_nl.tsv")
    assert len(cases) >= 150
    agree = 0
    for _category, term, want, text in cases:
        key = resolve(term, gaz).key
        item = Item(kind="brief", paragraphs=(text,))
        reached = key in item_keys(item, gaz.find(item.text), FollowedKeys([key]))
        agree += reached == (want == "yes")
    share = agree / len(cases)
    print(f"keywords: agreement {share:.1%} of {len(cases)}")
    assert share >= 0.95
