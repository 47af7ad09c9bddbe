"""Matching quality and speed on the labelled Dutch sets in ``tests/data/``.

Prints, for ``tests/data/regions_nl.tsv`` (sentence -> the countries a Dutch reader
says it concerns) and ``tests/data/keywords_nl.tsv`` (``/volg`` term + sentence ->
should it reach the reader):

* regions: recall (expected countries found), precision (countries returned that
  are right), cases with no wrong country, per category;
* keywords: agreement with the reader, per category;
* speed: tagging plus keys per brief (``Gazetteer.find`` + ``item_keys`` with a
  followed-keys filter, as the intake does), median and p95 over the sets' sentences
  and the seed page's briefs;
* loading: time and resident memory added by loading the data files
  (gazetteer, lexicon, aliases) in a fresh process.

Targets: recall >= 98%, no wrong country in >= 99% of cases, keyword
agreement >= 95%; median tagging plus keys < 0.5 ms; data load < 0.5 s and < 60 MB.
``--misses`` lists every case that disagrees.

Run from the repository root::

    .venv/bin/python bench/bench_dutch.py [--misses]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from bot.news.items import Item
from bot.news.match import FollowedKeys, item_keys, resolve
from bot.news.regions import default_gazetteer

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"


def rows(name: str) -> list[list[str]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line and not line.startswith("#")]


def brief(text: str) -> Item:
    return Item(kind="brief", paragraphs=(text,))


def regions_quality(misses: bool) -> None:
    gaz = default_gazetteer()
    found_total = expected_total = returned_total = right_total = clean = 0
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    cases = rows("regions_nl.tsv")
    for category, expected_s, text in cases:
        expected = set() if expected_s == "-" else set(expected_s.split(","))
        got = set(gaz.regions(text))
        expected_total += len(expected)
        found_total += len(expected & got)
        returned_total += len(got)
        right_total += len(got & expected)
        ok = got == expected
        clean += got <= expected
        per[category][0] += ok
        per[category][1] += 1
        if misses and not ok:
            print(f"  MISS [{category}] want {sorted(expected)} got {sorted(got)}: {text}")
    print(f"regions: {len(cases)} cases")
    print(f"  recall (expected countries found)      {found_total / expected_total:7.1%}")
    print(f"  precision (returned countries right)   {right_total / max(returned_total, 1):7.1%}")
    print(f"  cases with no wrong country            {clean / len(cases):7.1%}"
          f"  ({len(cases) - clean} with one)")
    for category, (ok, n) in sorted(per.items()):
        print(f"    {category:12} {ok:3}/{n:<3} exactly right")


def keywords_quality(misses: bool) -> None:
    gaz = default_gazetteer()
    agree = 0
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    cases = rows("keywords_nl.tsv")
    for category, term, want, text in cases:
        key = resolve(term, gaz).key
        item = brief(text)
        places = gaz.find(item.text)
        got = key in item_keys(item, places, FollowedKeys([key]))
        ok = got == (want == "yes")
        agree += ok
        per[category][0] += ok
        per[category][1] += 1
        if misses and not ok:
            print(f"  MISS [{category}] /volg {term} -> {key} want {want}: {text}")
    print(f"keywords: {len(cases)} cases")
    print(f"  agreement with the reader              {agree / len(cases):7.1%}")
    for category, (ok, n) in sorted(per.items()):
        print(f"    {category:12} {ok:3}/{n:<3}")


def speed() -> None:
    gaz = default_gazetteer()
    texts = [r[-1] for r in rows("regions_nl.tsv")] + [r[-1] for r in rows("keywords_nl.tsv")]
    seed = (DATA / "000_86f2966f36db17d2.txt").read_text(encoding="utf-8").split("\n")[8:15]
    texts += seed
    followed = FollowedKeys(resolve(t, gaz).key for t in {r[1] for r in rows("keywords_nl.tsv")})
    items = [brief(t) for t in texts]
    for item in items:  # warm the per-word caches the way a running bot has them
        item_keys(item, gaz.find(item.text), followed)
    times = []
    for _ in range(5):
        for item in items:
            t0 = time.perf_counter()
            item_keys(item, gaz.find(item.text), followed)
            times.append((time.perf_counter() - t0) * 1000)
    cold = []
    from bot.news import lexicon

    for item in items:
        lexicon.clear_caches()
        t0 = time.perf_counter()
        item_keys(item, gaz.find(item.text), followed)
        cold.append((time.perf_counter() - t0) * 1000)
    full = []
    for _ in range(5):
        for item in items:
            t0 = time.perf_counter()
            item_keys(item, gaz.find(item.text))
            full.append((time.perf_counter() - t0) * 1000)
    seed_items = items[-len(seed):]
    seed_times = []
    for _ in range(20):
        for item in seed_items:
            t0 = time.perf_counter()
            item_keys(item, gaz.find(item.text), followed)
            seed_times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    print(f"speed: tagging + keys per brief over {len(items)} briefs")
    p95 = times[int(len(times) * 0.95)]
    print(f"  warm median {statistics.median(times):.3f} ms, p95 {p95:.3f} ms (target < 0.5 ms)")
    print(f"  cold (word caches cleared) median {statistics.median(cold):.3f} ms")
    print(f"  the seed page's 7 briefs: median {statistics.median(seed_times):.3f} ms")
    print(f"  full key list, no followed-keys filter: median {statistics.median(full):.3f} ms")


LOAD = """
import time
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS'):
            return int(line.split()[1]) / 1024
import bot.news.match, bot.news.regions, bot.news.lexicon
out = []
for load in (bot.news.regions.default_gazetteer, bot.news.lexicon.default_lexicon,
             bot.news.lexicon.default_aliases):
    before = rss()
    t0 = time.perf_counter()
    load()
    out += [time.perf_counter() - t0, rss() - before]
print(*out)
"""


def loading() -> None:
    """Median of 3 fresh processes: seconds and resident MB each data file adds."""
    runs = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", LOAD], capture_output=True, text=True, check=True
        )
        runs.append([float(x) for x in out.stdout.split()])
    gaz_s, gaz_mb, lex_s, lex_mb, alias_s, alias_mb = (
        statistics.median(run[i] for run in runs) for i in range(6)
    )
    print("loading (median of 3 fresh processes):")
    print(f"  gazetteer {gaz_s:.3f} s +{gaz_mb:.1f} MB; lexicon {lex_s:.3f} s +{lex_mb:.1f} MB;"
          f" aliases {alias_s:.3f} s +{alias_mb:.1f} MB")
    print(f"  total {gaz_s + lex_s + alias_s:.3f} s (target < 0.5 s),"
          f" +{gaz_mb + lex_mb + alias_mb:.1f} MB (target < 60 MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list every disagreeing case")
    args = parser.parse_args()
    regions_quality(args.misses)
    keywords_quality(args.misses)
    speed()
    loading()


if __name__ == "__main__":
    main()
