"""Follow matching on whole wire briefs, against an editor's labels.

The held-out set (tests/data/briefs_heldout.tsv) was written before anyone tuned the
matcher against it; tuning happens on the dev set (briefs_dev.tsv), never on this one.
Both are scored through the bot's own path, in a real store on both backends
(tests/briefs_scoring.py).  The goals: should-recall >= 97 %, listed false alarms
<= 3 %, >= 90 % of briefs reach exactly the right followers.
"""

from __future__ import annotations

import pytest

from bot.news.regions import default_gazetteer
from storage import Store
from tests.briefs_scoring import DEV, DEV2, HELDOUT, fire, load, report, score

BRIEF_KINDS = {"hierarchy", "district", "belgium", "caribbean", "samename", "dateline-word",
               "capital-standin", "expression", "sense", "forms", "standin",
               "abbreviation", "person", "plain"}
FOLLOW_KINDS = {"country", "province-nl", "belgium", "city", "caribbean", "keyword",
                "abbreviation", "phrase", "person"}


def test_the_sets_are_what_the_issue_asks_for() -> None:
    heldout, dev, dev2 = load(HELDOUT), load(DEV), load(DEV2)
    assert len(heldout.briefs) >= 120 and len(heldout.follows) >= 35
    assert 35 <= len(dev.briefs) <= 60
    assert len(dev2.briefs) >= 100
    # The same follows and kinds in all, so tuning on dev aims at what held-out measures.
    assert heldout.follows == dev.follows == dev2.follows
    assert {b.category for b in heldout.briefs} == BRIEF_KINDS
    assert {b.category for b in dev2.briefs} == BRIEF_KINDS
    assert {f.category for f in heldout.follows} == FOLLOW_KINDS
    # No brief of the held-out set leaks into a dev set, not even its opening sentence;
    # the two dev sets do not share briefs either.
    opening = {b.text.split(". ")[0] for b in heldout.briefs}
    assert not [b.id for b in dev.briefs + dev2.briefs if b.text.split(". ")[0] in opening]
    assert not {b.text.split(". ")[0] for b in dev.briefs} & {
        b.text.split(". ")[0] for b in dev2.briefs}
    assert not {b.id for b in dev.briefs} & {b.id for b in dev2.briefs}
    for briefs in (heldout, dev, dev2):
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
    "listed false alarms on the held-out set are above the goal: city stand-ins and word "
    "senses (figures in docs/benchmarks.md); remove this mark when the goal is met"))
async def test_heldout_briefs_fire_few_tempting_false_alarms(store: Store) -> None:
    heldout = load(HELDOUT)
    fired = await fire(heldout, store, default_gazetteer())
    result = score(heldout, fired)
    assert result.total.false_alarms <= 0.03
