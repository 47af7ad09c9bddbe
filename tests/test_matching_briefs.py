"""Follow matching on whole wire briefs, against an editor's labels.

The held-out set (tests/data/briefs_heldout.tsv) was written before anyone tuned the
matcher against it; tuning happens on the dev sets (briefs_dev.tsv, briefs_dev2.tsv,
briefs_dev3.tsv), never on this one.
A second held-out set (briefs_heldout2.tsv), written without sight of the matcher's code
or data, measures generalisation: only its form is tested here (no goals yet), and
bench_dutch prints its figures but never lists its misses.
Both are scored through the bot's own path, in a real store on both backends
(tests/briefs_scoring.py).  The goals: should-recall >= 97 %, listed false alarms
<= 3 %, >= 90 % of briefs reach exactly the right followers.
"""

from __future__ import annotations

import pytest

from bench.bench_dutch import BRIEF_SETS, TUNING_SETS
from bot.news.match import resolve
from bot.news.regions import default_gazetteer
from storage import Store
from tests.briefs_scoring import DEV, DEV2, DEV3, HELDOUT, HELDOUT2, fire, load, report, score

BRIEF_KINDS = {"hierarchy", "district", "belgium", "caribbean", "samename", "dateline-word",
               "capital-standin", "expression", "sense", "forms", "standin",
               "abbreviation", "person", "plain"}
FOLLOW_KINDS = {"country", "province-nl", "belgium", "city", "caribbean", "keyword",
                "abbreviation", "phrase", "person"}


def test_the_sets_are_what_the_issue_asks_for() -> None:
    heldout, dev, dev2, dev3 = load(HELDOUT), load(DEV), load(DEV2), load(DEV3)
    assert len(heldout.briefs) >= 120 and len(heldout.follows) >= 35
    assert 35 <= len(dev.briefs) <= 60
    assert len(dev2.briefs) >= 100
    assert len(dev3.briefs) >= 120
    # The same follows and kinds in all, so tuning on dev aims at what held-out measures.
    assert heldout.follows == dev.follows == dev2.follows == dev3.follows
    assert {b.category for b in heldout.briefs} == BRIEF_KINDS
    assert {b.category for b in dev2.briefs} == BRIEF_KINDS
    assert {b.category for b in dev3.briefs} == BRIEF_KINDS
    assert {f.category for f in heldout.follows} == FOLLOW_KINDS
    # The third dev set is about tempting false alarms: most of its briefs list one.
    assert sum(1 for b in dev3.briefs if b.wrong) >= 0.6 * len(dev3.briefs)
    # No brief of the held-out set leaks into a dev set, not even its opening sentence;
    # the dev sets do not share briefs (nor brief ids) with each other either.
    opening = {b.text.split(". ")[0] for b in heldout.briefs}
    dev_sets = (dev, dev2, dev3)
    assert not [b.id for s in dev_sets for b in s.briefs if b.text.split(". ")[0] in opening]
    for n, one in enumerate(dev_sets):
        for other in dev_sets[n + 1:]:
            assert not {b.text.split(". ")[0] for b in one.briefs} & {
                b.text.split(". ")[0] for b in other.briefs}
            assert not {b.id for b in one.briefs} & {b.id for b in other.briefs}
    for briefs in (heldout, dev, dev2, dev3):
        for brief in briefs.briefs:
            assert brief.should | brief.wrong, brief.id  # every brief tests something
        # Every follow is tested both ways somewhere: wanted, and not wanted.
        for follow in briefs.follows:
            assert any(follow.term in b.should for b in briefs.briefs), follow.term
            assert any(follow.term not in b.should | b.borderline for b in briefs.briefs)


async def test_heldout_briefs_reach_the_followers_who_want_them(store: Store) -> None:
    """Two of the three goals on the held-out set: should-recall and briefs exactly right."""
    heldout = load(HELDOUT)
    fired = await fire(heldout, store, default_gazetteer())
    result = score(heldout, fired)
    print(report(heldout, fired, result))
    assert fired.refused == {}
    assert result.total.recall >= 0.97
    assert result.total.exact_share >= 0.90


@pytest.mark.xfail(strict=False, reason=(
    "listed false alarms on the held-out set are above the goal (7.5 % on 2026-12-08, goal "
    "3 %): word senses and city uses (figures in docs/benchmarks.md); remove this mark "
    "when the goal is met"))
async def test_heldout_briefs_fire_few_tempting_false_alarms(store: Store) -> None:
    heldout = load(HELDOUT)
    fired = await fire(heldout, store, default_gazetteer())
    result = score(heldout, fired)
    assert result.total.false_alarms <= 0.03


def test_the_second_heldout_set_is_well_formed() -> None:
    """briefs_heldout2.tsv: the size asked for, the first set's follows and more, every
    labelled term a declared follow (``load`` checks that), every follow wanted somewhere
    and not wanted somewhere, and no brief shared with another set."""
    heldout2, heldout = load(HELDOUT2), load(HELDOUT)
    assert len(heldout2.briefs) >= 130 and len(heldout2.follows) >= 70
    assert set(heldout.follows) <= set(heldout2.follows)
    assert {b.category for b in heldout2.briefs} == BRIEF_KINDS
    assert {f.category for f in heldout2.follows} == FOLLOW_KINDS
    for brief in heldout2.briefs:
        assert brief.should | brief.wrong, brief.id
        assert brief.text.split(" - ")[0].endswith(("(ANP)", "(BELGA)")), brief.id
    for follow in heldout2.follows:
        assert any(follow.term in b.should for b in heldout2.briefs), follow.term
        assert any(follow.term not in b.should | b.borderline for b in heldout2.briefs)
    # At least half the briefs carry a tempting false alarm.
    assert sum(1 for b in heldout2.briefs if b.wrong) * 2 >= len(heldout2.briefs)
    others = [b for s in (heldout, load(DEV), load(DEV2), load(DEV3)) for b in s.briefs]
    opening = {b.text.split(". ")[0] for b in others}
    assert not [b.id for b in heldout2.briefs if b.text.split(". ")[0] in opening]
    assert not {b.id for b in heldout2.briefs} & {b.id for b in others}


def test_every_follow_of_the_second_heldout_set_resolves_as_volg_does() -> None:
    gazetteer = default_gazetteer()
    for follow in load(HELDOUT2).follows:
        assert resolve(follow.term, gazetteer).key, follow.term


async def test_the_second_heldout_set_scores_through_the_bots_path(store: Store) -> None:
    """Every follow subscribed, every brief stored as its own item; no goal asserted."""
    heldout2 = load(HELDOUT2)
    fired = await fire(heldout2, store, default_gazetteer())
    assert fired.refused == {}
    assert set(fired.by_brief) == {b.id for b in heldout2.briefs}


def test_the_bench_measures_the_second_heldout_set_but_never_lists_its_misses() -> None:
    assert HELDOUT2.name in BRIEF_SETS
    assert HELDOUT2.name not in TUNING_SETS and HELDOUT.name not in TUNING_SETS


def test_the_bench_tunes_on_the_third_dev_set() -> None:
    """``bench_dutch --tuning --misses`` lists the third dev set's misses."""
    assert DEV3.name in BRIEF_SETS and DEV3.name in TUNING_SETS
