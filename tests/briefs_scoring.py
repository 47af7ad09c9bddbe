"""Score follow matching on the labelled whole-brief sets (tests/data/briefs_*.tsv).

The file format and the editorial rules are described at the top of each set.  In short:
every brief lists the follows that *should* reach it, the tempting false alarms that are
*wrong*, and *borderline* pairs that count for nothing; every other follow declared in
the file must not fire either (an *unlisted* false alarm).

Which follows fire is decided by the bot's own path, not by calling the matcher
directly, so the figures stay true whatever the matcher does inside (keys, hierarchy in
SQL, exclusions):

- each follow is resolved as ``/volg`` resolves it (:func:`bot.news.match.resolve`) and
  subscribed in a real store by its own chat (``Store.subscribe``, as ``/volg`` does);
- each brief is read as an import reads it (:func:`bot.news.parse.parse_brief`) and
  stored through :class:`bot.intake.Intake` (tagging and fan-out in one transaction);
- a follow fired on a brief when its chat got a pending alert for it.

A follow ``/volg`` refuses fires nothing, and is reported.

``bench/bench_dutch.py`` prints the same figures; the benchmarks may not import tests,
so it carries its own short copy of this procedure (keep the two in step).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.intake import Intake
from bot.news.match import TermError, resolve
from bot.news.parse import parse_brief
from bot.news.regions import Gazetteer
from storage import Store

DATA = Path(__file__).parent / "data"
HELDOUT = DATA / "briefs_heldout.tsv"
# A second held-out set, written without sight of the matcher's code, data or the other
# sets' briefs: it measures generalisation, so it is scored but never tuned on.
HELDOUT2 = DATA / "briefs_heldout2.tsv"
DEV = DATA / "briefs_dev.tsv"
DEV2 = DATA / "briefs_dev2.tsv"  # a second tuning set, written when the first was used up
DEV3 = DATA / "briefs_dev3.tsv"  # a third one, aimed at the tempting false alarms

# The briefs' publication moment: fixed, so nothing depends on today's date.
PUBLISHED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
FIRST_CHAT = 700_000  # chat ids of the followers: one chat per follow


@dataclass(frozen=True)
class Follow:
    term: str  # exactly as typed after /volg
    category: str  # country, province-nl, belgium, city, caribbean, keyword, ...


@dataclass(frozen=True)
class Brief:
    id: str
    category: str  # what the brief mainly tests: hierarchy, sense, standin, ...
    text: str  # the whole wire brief, dateline included
    should: frozenset[str]
    wrong: frozenset[str]
    borderline: frozenset[str]


@dataclass(frozen=True)
class BriefSet:
    name: str
    follows: tuple[Follow, ...]
    briefs: tuple[Brief, ...]

    def follow(self, term: str) -> Follow:
        return next(f for f in self.follows if f.term == term)


def load(path: Path) -> BriefSet:
    """Read a set; raises ValueError naming the line for anything malformed."""
    follows: list[Follow] = []
    briefs: list[Brief] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        cols = line.split("\t")
        where = f"{path.name}:{number}"
        if cols[0] == "follow" and len(cols) == 3:
            follows.append(Follow(term=cols[2], category=cols[1]))
        elif cols[0] == "brief" and len(cols) == 7:
            lists = [frozenset() if c == "-" else frozenset(c.split(";")) for c in cols[3:6]]
            briefs.append(Brief(cols[1], cols[2], cols[6], *lists))
        else:
            raise ValueError(f"{where}: neither a follow row nor a brief row")
        if cols[0] == "brief":
            brief = briefs[-1]
            known = {f.term for f in follows}
            for term in brief.should | brief.wrong | brief.borderline:
                if term not in known:
                    raise ValueError(f"{where}: {term!r} is not a declared follow")
            if (brief.should & brief.wrong or brief.should & brief.borderline
                    or brief.wrong & brief.borderline):
                raise ValueError(f"{where}: a follow has two labels")
    terms = [f.term for f in follows]
    if len(set(terms)) != len(terms):
        raise ValueError(f"{path.name}: a follow is declared twice")
    ids = [b.id for b in briefs]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path.name}: a brief id is used twice")
    return BriefSet(path.stem, tuple(follows), tuple(briefs))


@dataclass
class Fired:
    """Which follows reached which brief, and which follows /volg refused."""

    by_brief: dict[str, set[str]]
    refused: dict[str, str] = field(default_factory=dict)  # term -> the Dutch reply


async def fire(briefs: BriefSet, store: Store, gazetteer: Gazetteer) -> Fired:
    """Follow every term in its own chat and import every brief; see the module doc.

    ``store`` must be empty (a fresh database): every pending alert in it is counted.
    """
    chat_term: dict[int, str] = {}
    refused: dict[str, str] = {}
    for n, follow in enumerate(briefs.follows):
        chat_id = FIRST_CHAT + n
        try:
            topic = resolve(follow.term, gazetteer)
        except TermError as exc:
            refused[follow.term] = str(exc)
            continue
        await store.touch_chat(chat_id, "private")
        await store.subscribe(chat_id, topic.key, topic.name)
        chat_term[chat_id] = follow.term
    items = [parse_brief(b.text, now=PUBLISHED, source="briefs") for b in briefs.briefs]
    stored = await Intake(store, gazetteer).add_many(items)
    item_brief: dict[int, str] = {}
    for brief, result in zip(briefs.briefs, stored, strict=True):
        if result.item is None or result.item.id is None:
            raise ValueError(f"{brief.id}: stored as a duplicate of another brief")
        item_brief[result.item.id] = brief.id
    by_brief: dict[str, set[str]] = {b.id: set() for b in briefs.briefs}
    # Every alert the fan-out queued, read as stored: on PostgreSQL `pending_for_chats`
    # returns only rows this process's sender has claimed, and nothing claims here.
    for chat_id, term in chat_term.items():
        for record in await store.chat_deliveries(chat_id):
            if record.status == "pending":
                by_brief[item_brief[record.item_id]].add(term)
    return Fired(by_brief, refused)


@dataclass
class Tally:
    """Counts for one slice of a set (all of it, a follow category or a brief category)."""

    should: int = 0
    should_fired: int = 0
    wrong: int = 0
    wrong_fired: int = 0
    unlisted: int = 0
    unlisted_fired: int = 0
    briefs: int = 0
    exact: int = 0

    @property
    def recall(self) -> float:
        return self.should_fired / self.should if self.should else 1.0

    @property
    def false_alarms(self) -> float:
        """Share of the listed wrong pairs that fired."""
        return self.wrong_fired / self.wrong if self.wrong else 0.0

    @property
    def exact_share(self) -> float:
        return self.exact / self.briefs if self.briefs else 1.0


@dataclass
class Score:
    total: Tally
    by_follow_category: dict[str, Tally]
    by_brief_category: dict[str, Tally]
    misses: list[str]  # one line per pair that went wrong, for reading


def score(briefs: BriefSet, fired: Fired) -> Score:
    total = Tally()
    by_follow: dict[str, Tally] = defaultdict(Tally)
    by_brief: dict[str, Tally] = defaultdict(Tally)
    misses: list[str] = []
    for brief in briefs.briefs:
        got = fired.by_brief[brief.id]
        exact = True
        for follow in briefs.follows:
            term, hit = follow.term, follow.term in got
            if term in brief.borderline:
                continue
            label = ("should" if term in brief.should
                     else "wrong" if term in brief.wrong else "unlisted")
            for tally in (total, by_follow[follow.category], by_brief[brief.category]):
                setattr(tally, label, getattr(tally, label) + 1)
                setattr(tally, label + "_fired", getattr(tally, label + "_fired") + hit)
            if hit != (label == "should"):
                exact = False
                what = "missed" if label == "should" else f"fired ({label})"
                misses.append(f"{brief.id} [{brief.category}] /volg {term}: {what}")
        for tally in (total, by_brief[brief.category]):
            tally.briefs += 1
            tally.exact += exact
    return Score(total, dict(by_follow), dict(by_brief), misses)


def _row(name: str, t: Tally, briefs: bool) -> str:
    exact = f"{t.exact:4}/{t.briefs:<4} {t.exact_share:6.1%}" if briefs else " " * 17
    return (f"  {name:16} {t.should_fired:4}/{t.should:<4} {t.recall:6.1%}"
            f"   {t.wrong_fired:3}/{t.wrong:<3} {t.false_alarms:6.1%}"
            f"   {t.unlisted_fired:4}/{t.unlisted:<5}  {exact}")


def report(briefs: BriefSet, fired: Fired, result: Score) -> str:
    """The figures as a table: all, per follow category, per brief category."""
    head = (f"  {'':16} {'should-recall':>18}   {'listed false alarms':>17}"
            f"   {'unlisted':>10}  {'exactly right':>17}")
    lines = [f"{briefs.name}: {len(briefs.briefs)} briefs x {len(briefs.follows)} follows",
             head, _row("all", result.total, True), "  by follow category"]
    lines += [_row(c, t, False) for c, t in sorted(result.by_follow_category.items())]
    lines.append("  by brief category")
    lines += [_row(c, t, True) for c, t in sorted(result.by_brief_category.items())]
    for term, reply in sorted(fired.refused.items()):
        lines.append(f"  /volg {term} refused: {reply}")
    return "\n".join(lines)
