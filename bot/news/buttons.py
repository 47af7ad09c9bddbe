"""The data behind inline buttons: built and read here, and nowhere else.

Telegram gives a pressed button's ``callback_data`` back to the bot as it was sent, at most
64 bytes.  These kinds exist:

- ``u:<token>``            "Ontvolg X" under an alert (the sender builds it);
- ``m:<token>``            a line of /mijn, "❌ X" (the reader handlers build it);
- ``z:<before>:<shown>:<words>``  "Meer ▸" under /zoek results: the next page holds the
  matches older than item ``before`` (the last one shown), ``shown`` of them were on the
  pages before.  A cursor, not an offset: a match stored between two pages cannot push a
  result onto the next page again or hide one;
- ``d:<token>``, ``o:<token>``  beside a line of /mijn when the chat has an overview: make
  the subscription ``direct`` (d) or put it back ``in overzicht`` (o).

- ``f:<a|w>:<term>``  "🔔 Volg X" (free-text answers, /start, the other reading of a
  section's name): follow `term` by the same rules as ``/volg <term>`` (``a``), or as the
  plain word even when it names a section (``w``).  The term, not a key, travels: the
  press resolves it afresh, so a button follows exactly what /volg would today;
- ``i:<item id>``  a number under a list (/laatste 5, /zoek, free text): the whole item;
- ``x:<action>``  a confirmation: ``x:stop`` (stop and erase), ``x:alles`` (unfollow
  everything), ``x:nee`` (cancel either), ``x:regio`` (the region picker of /start).
- ``a:<action>:<item id>``  the newsroom's buttons (admins only, checked on every press):
  ``a:r`` asks to retract the item (under /berichten), ``a:j`` retracts it (the "Ja"
  of that question or of /intrekken's), ``a:n`` keeps it, ``a:b`` shows its reach.

Beside those, "Deel" under an alert opens inline mode in a chat the reader picks, with
the query ``#<item id>`` typed for them (``switch_inline_query``); inline mode answers
that query with the item.

A token is 16 hex digits of a subscription key's SHA-1: keys can be longer than 64 bytes,
and a fixed-size token keeps every button valid.  The handler finds the subscription whose
key has that token.  Data of an old bot version that does not parse here is simply stale.

A button's data is the client's to forge: ``parse`` bounds-checks every field (a cursor
beyond a 64-bit row id, a count beyond nine digits, non-ASCII digits are stale), and a new
kind of button adds its prefix to ``PREFIXES``, where the property test draws from.

Plain strings in, plain strings out: both ``bot/delivery`` and ``handlers`` import this
module, so it sits below both, in the domain.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

MAX_DATA_BYTES = 64  # Telegram's limit for callback_data

_UNFOLLOW_ALERT = "u"
_UNFOLLOW_LIST = "m"
_MORE = "z"
_DIRECT = "d"
_IN_OVERVIEW = "o"
# Every kind of button data; the property test forges data after each of them.
PREFIXES = (_UNFOLLOW_ALERT, _UNFOLLOW_LIST, _MORE, _DIRECT, _IN_OVERVIEW, "f", "i", "x", "a")
MAX_ID = 2**63 - 1  # the largest row id either database stores (a signed 64-bit integer)
MAX_SHOWN = 999_999_999
_DIRECT_RE = re.compile(r"([do]):([0-9a-f]{16})")
_UNFOLLOW_RE = re.compile(r"([um]):([0-9a-f]{16})")
# ASCII digits only: Python's \d and int() also take "٣" and the like.
_MORE_RE = re.compile(r"z:([0-9]{1,19}):([0-9]{1,9}):(.+)", re.DOTALL)
_SHARE_RE = re.compile(r"#([0-9]{1,18})")
_FOLLOW_RE = re.compile(r"f:([aw]):(.+)", re.DOTALL)
_OPEN_RE = re.compile(r"i:([0-9]{1,19})")
_CONFIRM_RE = re.compile(r"x:(stop|alles|nee|regio)")
_NEWSROOM_RE = re.compile(r"a:([rjnb]):([0-9]{1,18})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def topic_token(key: str) -> str:
    """A short fixed-size stand-in for a subscription key."""
    return hashlib.sha1(key.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class _OnSubscription:
    """A press on a button made for one subscription, named by its key's token."""

    token: str

    def is_for(self, key: str) -> bool:
        """Whether this button was made for the subscription `key`."""
        return topic_token(key) == self.token


@dataclass(frozen=True)
class Unfollow(_OnSubscription):
    """A press on "Ontvolg X" (under an alert) or on a line of /mijn (`from_list`)."""

    from_list: bool


@dataclass(frozen=True)
class More:
    """A press on "Meer ▸": the /zoek results for `words` older than item `before`;
    `shown` results came before them."""

    before: int
    shown: int
    words: list[str]


@dataclass(frozen=True)
class Direct(_OnSubscription):
    """A press on `direct` (``direct`` True) or `in overzicht` beside a line of /mijn."""

    direct: bool


@dataclass(frozen=True)
class Follow:
    """A press on "🔔 Volg X": follow `term` (as the plain word with `as_word`)."""

    term: str
    as_word: bool = False


@dataclass(frozen=True)
class Open:
    """A press on an item's number under a list: show the whole item."""

    item_id: int


@dataclass(frozen=True)
class Confirm:
    """A press on a confirmation button: ``stop``, ``alles``, ``nee`` or ``regio``."""

    action: str


@dataclass(frozen=True)
class Newsroom:
    """A press on an admin's button about item `item_id`: ``ask`` (retract?), ``retract``,
    ``keep`` or ``reach``."""

    action: str
    item_id: int


_NEWSROOM_ACTIONS = {"r": "ask", "j": "retract", "n": "keep", "b": "reach"}


def newsroom(action: str, item_id: int) -> str:
    """The data of an admin's button: `action` is ask, retract, keep or reach."""
    code = next(code for code, name in _NEWSROOM_ACTIONS.items() if name == action)
    return f"a:{code}:{item_id}"


def follow_term(term: str, *, as_word: bool = False) -> str | None:
    """The data of "🔔 Volg `term`"; None when the term does not fit in 64 bytes."""
    term = " ".join(term.split())
    data = f"f:{'w' if as_word else 'a'}:{term}"
    if not term or _CONTROL.search(term) or len(data.encode()) > MAX_DATA_BYTES:
        return None
    return data


def open_item(item_id: int) -> str:
    """The data of an item's number under a list."""
    return f"i:{item_id}"


def confirm(action: str) -> str:
    """The data of a confirmation button (``stop``, ``alles``, ``nee``, ``regio``)."""
    data = f"x:{action}"
    assert _CONFIRM_RE.fullmatch(data), action
    return data


def direct_toggle(key: str, direct: bool) -> str:
    """The data of the button that makes `key` direct (True) or puts it in the overview."""
    return f"{_DIRECT if direct else _IN_OVERVIEW}:{topic_token(key)}"


def unfollow_alert(key: str) -> str:
    """The data of the "Ontvolg X" button under an alert for the subscription `key`."""
    return f"{_UNFOLLOW_ALERT}:{topic_token(key)}"


def unfollow_list(key: str) -> str:
    """The data of the button beside a subscription in /mijn."""
    return f"{_UNFOLLOW_LIST}:{topic_token(key)}"


def more_results(before: int, shown: int, words: list[str]) -> str | None:
    """The data of "Meer ▸" for the /zoek page after item `before` (the last one shown),
    `shown` results in; None when the words do not fit."""
    data = f"{_MORE}:{before}:{shown}:{' '.join(words)}"
    return data if len(data.encode()) <= MAX_DATA_BYTES else None


def share_query(item_id: int) -> str:
    """The inline query "Deel" types for the reader: the item, by number."""
    return f"#{item_id}"


def shared_item(query: str) -> int | None:
    """The item an inline query `#<id>` asks for, else None."""
    found = _SHARE_RE.fullmatch(query.strip())
    return int(found[1]) if found else None


def parse(
    data: object,
) -> Unfollow | More | Direct | Follow | Open | Confirm | Newsroom | None:
    """What a pressed button asks for; None for data this bot does not make (stale).

    Data comes back as the client sent it, so anyone may forge it: every field is
    checked against what this module could have built (a number the database cannot
    hold, or one this bot never makes, is stale), so what parses is safe to use.
    """
    if not isinstance(data, str) or len(data.encode()) > MAX_DATA_BYTES:
        return None
    if found := _NEWSROOM_RE.fullmatch(data):
        return Newsroom(_NEWSROOM_ACTIONS[found[1]], int(found[2]))
    if found := _FOLLOW_RE.fullmatch(data):
        term = found[2]
        if term != " ".join(term.split()) or _CONTROL.search(term):
            return None
        return Follow(term, as_word=found[1] == "w")
    if (found := _OPEN_RE.fullmatch(data)) and 1 <= int(found[1]) <= MAX_ID:
        return Open(int(found[1]))
    if found := _CONFIRM_RE.fullmatch(data):
        return Confirm(found[1])
    if found := _UNFOLLOW_RE.fullmatch(data):
        return Unfollow(found[2], from_list=found[1] == _UNFOLLOW_LIST)
    if found := _DIRECT_RE.fullmatch(data):
        return Direct(found[2], direct=found[1] == _DIRECT)
    if (found := _MORE_RE.fullmatch(data)) and (words := found[3].split()):
        before, shown = int(found[1]), int(found[2])
        if 1 <= before <= MAX_ID and shown <= MAX_SHOWN:
            return More(before, shown, words)
    return None


def is_unfollow(data: object) -> bool:
    return isinstance(parse(data), Unfollow)


def is_more(data: object) -> bool:
    return isinstance(parse(data), More)


def is_direct(data: object) -> bool:
    return isinstance(parse(data), Direct)


def is_follow(data: object) -> bool:
    return isinstance(parse(data), Follow)


def is_open(data: object) -> bool:
    return isinstance(parse(data), Open)


def is_confirm(data: object) -> bool:
    return isinstance(parse(data), Confirm)


def is_newsroom(data: object) -> bool:
    return isinstance(parse(data), Newsroom)
