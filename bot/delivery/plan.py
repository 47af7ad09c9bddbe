"""A chat's backlog, and the one re-check right before a request.

When the dispatcher hands a chat its turn, it takes every pending alert of that chat
(:meth:`Planner.backlogs`, one query per dispatch round), not just the row it read: a
chat that gathered several alerts (a busy hour, an outage, a page import, a fan-out
that took minutes at 30/s) gets one message that holds them all.  A chat whose
overview is due (`Delivery.overview_at`, set by bot/delivery/schedule.py) gets its
released alerts as the overview.  A forum's topics are apart, and the newsroom's
channel is never combined (each item its own post, so a correction edits and a
retraction deletes just that post).  A breaking item's alert is never combined: it goes
alone, ahead of the round's other chats.

Waiting for a permit can take seconds, and changes race the sends: the change must
win.  :meth:`Planner.recheck` looks at every alert again just before the request, the
same code for a single alert, a combined one, an overview and a channel post, and
says what still goes (a :class:`Plan`) and what ends here, with a typed reason:
the chat went dormant, was stopped or paused; the item was retracted, is older than
NEWSBOT_ALERT_MAX_AGE, or the chat no longer follows anything it matches.  The item's
text is read then too, so a correction reaches every alert not yet sent.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from bot.delivery.compose import Entry
from bot.delivery.inflight import InFlight
from bot.news.items import Item
from bot.news.match import ALL_KEY
from bot.news.reasons import most_specific_first
from storage import Store
from storage.outbox import Delivery, DeliveryId, Failed, Outcome, OverviewSent, Reason

MAX_BUNDLE = 500  # rows one message may carry (shown, or counted in "en N meer")
ITEM_CACHE = 256  # items kept between sends of a fan-out

# The words an outbox row keeps for each reason the re-check ends an alert.
_NOTES = {
    Reason.INACTIVE: "gesprek inactief",
    Reason.STOPPED: "gesprek gestopt",
    Reason.RETRACTED: "bericht ingetrokken",
    Reason.UNFOLLOWED: "niet meer gevolgd",
}


def bundle_ids(delivery: Delivery) -> list[DeliveryId]:
    """The outbox rows one dispatched delivery stands for (itself and what it carries)."""
    return [delivery.id, *(other.id for other in delivery.others)]


@dataclass
class Plan:
    """What goes to a chat after the re-check, and what ended before it."""

    lead: Delivery
    entries: list[Entry] = field(default_factory=list)
    ended: list[Outcome] = field(default_factory=list)
    # The chat itself may still be written to (not dormant, stopped or paused).
    chat_open: bool = True

    def nothing_to_send(self) -> list[Outcome]:
        """The outcomes when nothing is left to send: an open chat's overview is done."""
        moment = self.lead.overview_at
        if moment is None or not self.chat_open:
            return list(self.ended)
        return [*self.ended, OverviewSent(self.lead.chat_id, moment)]


class Planner:
    """Reads a chat's backlog and re-checks alerts before they go."""

    def __init__(
        self,
        store: Store,
        inflight: InFlight,
        *,
        max_age: float,
        match_keys: Callable[[Item], Sequence[str]] | None = None,
        combine: bool = True,
    ) -> None:
        self.store = store
        self.inflight = inflight
        self.max_age = max_age
        # The subscription keys an item matches, for an alert whose own subscription was
        # given up since it was queued (None: such an alert is dropped).
        self.match_keys = match_keys
        self.combine = combine  # False: every alert goes on its own (bench_combining)
        self._items: OrderedDict[int, Item | None] = OrderedDict()
        self._matches: OrderedDict[int, frozenset[str]] = OrderedDict()

    def forget(self, item_id: int) -> None:
        """The item changed: read it afresh from the store."""
        self._items.pop(item_id, None)
        self._matches.pop(item_id, None)

    # -- the backlog -------------------------------------------------------------------

    async def backlogs(
        self, rows: Sequence[Delivery], busy: set[DeliveryId], now: float
    ) -> list[Delivery]:
        """One delivery per chat in `rows`, carrying the chat's other pending alerts.

        `rows` is what the dispatcher read (newest items first); the chats keep that
        order.  Rows already in flight (`busy`) are left out.  A forum's topics are
        apart: one message holds one (chat, thread)'s alerts, and goes to that topic.
        """
        if not self.combine:
            return list(rows)
        # A breaking alert goes alone and first, never inside a combined message or an
        # overview (its chat's overview, if one is on its way, goes by its other rows).
        alone = [replace(d, overview_at=None) for d in rows if d.breaking and d.id not in busy]
        posts = [d for d in rows if d.key == ALL_KEY and d.id not in busy and not d.breaking]
        rows = [d for d in rows if d.key != ALL_KEY and not d.breaking]
        places = list(dict.fromkeys((d.chat_id, d.thread_id) for d in rows if d.id not in busy))
        if not places:
            return alone + posts
        chats = list(dict.fromkeys(chat_id for chat_id, _ in places))
        backlog: dict[tuple[int, int], list[Delivery]] = {}
        for delivery in await self.store.pending_for_chats(chats, now):
            if delivery.id not in busy and not delivery.breaking:
                backlog.setdefault((delivery.chat_id, delivery.thread_id), []).append(delivery)
        for delivery in rows:  # read a moment ago, gone from the second read: keep it
            place = (delivery.chat_id, delivery.thread_id)
            if delivery.id not in busy and place not in backlog:
                backlog[place] = [delivery]
        leads = []
        for place in places:
            group = backlog[place][:MAX_BUNDLE]
            leads.append(replace(group[0], others=tuple(group[1:])))
        return alone + posts + leads

    # -- the re-check ------------------------------------------------------------------

    @staticmethod
    def end_all(lead: Delivery, reason: Reason) -> list[Outcome]:
        """Every alert the delivery stands for ends, for one reason."""
        return [Failed(i, reason, _NOTES[reason]) for i in bundle_ids(lead)]

    def ended_early(self, lead: Delivery, read_at: float) -> list[Outcome] | None:
        """The cheap look, before waiting for anything: the chat is dormant or stopped."""
        if not lead.chat_active:  # blocked us since this row was queued
            return self.end_all(lead, Reason.INACTIVE)
        if self.inflight.stopped(lead.chat_id, read_at):
            return self.end_all(lead, Reason.STOPPED)
        return None

    async def recheck(self, lead: Delivery, read_at: float) -> Plan:
        """Every alert of the delivery, looked at again just before the request."""
        early = self.ended_early(lead, read_at)
        if early is not None:
            return Plan(lead, ended=early, chat_open=False)
        plan = Plan(lead)
        alone = replace(lead, others=()) if lead.others else lead
        for delivery in (alone, *lead.others):
            item = await self._item(delivery.item_id)
            if item is None or self.inflight.retracted(delivery.item_id):
                plan.ended.append(self._end(delivery, Reason.RETRACTED))
            elif self.expired(item):
                plan.ended.append(Failed(delivery.id, Reason.EXPIRED, self.expired_note()))
            elif (entry := await self._followed(delivery, item)) is None:
                plan.ended.append(self._end(delivery, Reason.UNFOLLOWED))
            else:
                plan.entries.append(entry)
        # The awaits above gave a /stop or a retraction their chance: the last look.
        if self.inflight.stopped(lead.chat_id, read_at):
            return Plan(lead, ended=self.end_all(lead, Reason.STOPPED), chat_open=False)
        for entry in [e for e in plan.entries if self.inflight.retracted(e.delivery.item_id)]:
            plan.entries.remove(entry)
            plan.ended.append(self._end(entry.delivery, Reason.RETRACTED))
        return plan

    @staticmethod
    def _end(delivery: Delivery, reason: Reason) -> Failed:
        return Failed(delivery.id, reason, _NOTES[reason])

    async def _item(self, item_id: int) -> Item | None:
        """The item as it reads now: read after its last change, not before it."""
        while True:
            version = self.inflight.version(item_id)
            item = await self._read(item_id)
            if version == self.inflight.version(item_id):
                return item

    async def _read(self, item_id: int) -> Item | None:
        if item_id in self._items:
            self._items.move_to_end(item_id)
            return self._items[item_id]
        version = self.inflight.version(item_id)
        item = await self.store.item(item_id, live=True)
        if version != self.inflight.version(item_id):
            return item  # changed while we read: do not keep what may be the old text
        self._items[item_id] = item
        if len(self._items) > ITEM_CACHE:
            self._items.popitem(last=False)
        return item

    async def _followed(self, delivery: Delivery, item: Item) -> Entry | None:
        """The alert with every follow of the chat the item matched, most specific first;
        None: the chat follows nothing it matches any more.

        The row records one subscription; the chat's others are looked up only when the
        item matches more than one followed key (a fan-out of one key costs nothing).
        """
        keys = self._keys(item) if self.match_keys is not None else None
        if delivery.label is not None and (keys is None or len(keys) < 2):
            return Entry(delivery, item, delivery.key, delivery.label)
        if keys is None:
            return None  # the row's subscription is gone and nothing else can match
        matched = [
            (subscription.key, subscription.label)
            for subscription in await self.store.subscriptions(
                delivery.chat_id, thread=delivery.thread_id
            )
            # A follow that leaves out a key the item has did not bring it.
            if subscription.key in keys and keys.isdisjoint(subscription.excluding)
        ]
        if not matched:
            if delivery.label is None:
                return None
            matched = [(delivery.key, delivery.label)]
        (key, label), *also = most_specific_first(matched, lambda reason: reason)
        return Entry(delivery, item, key, label, tuple(also))

    def _keys(self, item: Item) -> frozenset[str]:
        """The followed keys the item matches (not the channel's), kept per item."""
        assert self.match_keys is not None
        item_id = item.id or 0
        found = self._matches.get(item_id)
        if found is None:
            found = frozenset(self.match_keys(item)) - {ALL_KEY}
            self._matches[item_id] = found
            if len(self._matches) > ITEM_CACHE:
                self._matches.popitem(last=False)
        return found

    # -- expiry ------------------------------------------------------------------------

    def expired(self, item: Item) -> bool:
        """Queued longer ago than NEWSBOT_ALERT_MAX_AGE (its rows were made with the item)."""
        queued = item.received_at
        age = (datetime.now(UTC) - queued).total_seconds() if queued is not None else 0.0
        return age > self.max_age

    def expired_note(self) -> str:
        return f"verlopen: ouder dan {self.max_age:g} s"
