"""What goes out: a planned delivery becomes the messages to send, text and buttons.

Composing is apart from sending and pure apart from the clock (``now`` is passed in;
the text cache reads a monotonic clock), so a new kind of message is one new method
here, and the gateway sends whatever it is given.

- A single alert: the item rendered with "Je volgt: <labels>" (every follow of the chat
  it matched, most specific first), an "Ontvolg <label>" button for each (at most four)
  and "Deel"; the newsroom's channel (``ALL_KEY``) has only "Deel" and no reason.
  One rendering serves an item's fan-out for a second (the text says the item's age
  in whole minutes, so it is as good as a new one).
- A combined alert: a chat's waiting alerts in one message, newest first, with one
  "Ontvolg" button per subscription that caused it (at most four, most alerts first).
- An overview: the chat's released alerts grouped by what it follows, at most three
  messages, silent when its moment falls in the chat's quiet hours.
- The same texts again for edits, when a correction or retraction re-renders a message.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.delivery.telegram import Outgoing
from bot.news.buttons import share_query, unfollow_alert
from bot.news.items import Item
from bot.news.match import ALL_KEY
from bot.news.overview import overview_minute
from bot.news.quiet import in_quiet_hours
from bot.news.render import (
    MAX_CAPTION,
    html_len,
    http_link,
    render_alert,
    render_combined,
    render_overview,
    render_overview_message,
)
from storage.outbox import Delivery

TEXT_FRESH = 1.0  # seconds one rendering of an alert serves its fan-out
TEXT_CACHE = 256  # (item, label) renderings kept
MAX_BUTTONS = 4  # unfollow buttons under a combined message
BUTTON_TEXT = 64  # Telegram's limit on a button's text
UNKNOWN_LABEL = "een onderwerp"  # a sent alert whose subscription has no label any more


class Entry(NamedTuple):
    """An alert that is still to go: its row, its item, and what the chat follows of it.

    `key`/`label` is the most specific follow of the chat the item matched; `also` the
    chat's other follows it matched, in order (bot.news.reasons): an alert names them all.
    """

    delivery: Delivery
    item: Item
    key: str
    label: str
    also: tuple[tuple[str, str], ...] = ()

    @property
    def reasons(self) -> list[tuple[str, str]]:
        """Every (key, label) of the chat this alert matched, most specific first."""
        return [(self.key, self.label), *self.also]


@dataclass(frozen=True)
class Message:
    """One message to send and the alerts it carries."""

    outgoing: Outgoing
    carried: tuple[Entry, ...]
    kind: str  # 'alert', 'combined' or 'overview'
    part: int = 0  # an overview's message number


def alert_reason(key: str, label: str) -> str | None:
    """The "Je volgt: ..." of an alert; None for the channel's posts, which have none."""
    return None if key == ALL_KEY else label


def alert_markup(item_id: int, reasons: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    """The buttons under an alert: unfollow each follow that matched it (at most four,
    most specific first), share it in any chat.

    A post in the newsroom's channel (ALL_KEY) has only "Deel": its readers cannot
    unfollow what the channel follows.
    """
    share = [InlineKeyboardButton("Deel", switch_inline_query=share_query(item_id))]
    if not reasons or reasons[0][0] == ALL_KEY:
        return InlineKeyboardMarkup([share])
    rows = [
        [InlineKeyboardButton(f"Ontvolg {label}"[:BUTTON_TEXT], callback_data=unfollow_alert(key))]
        for key, label in reasons[:MAX_BUTTONS]
    ]
    return InlineKeyboardMarkup([*rows, share])


def reasons_label(reasons: Sequence[tuple[str, str]]) -> str:
    """``staking, Rotterdam``: the labels an alert's "Je volgt:" names."""
    return ", ".join(dict.fromkeys(label for _, label in reasons))


def unfollow_markup(entries: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup | None:
    """One "Ontvolg X" per subscription that caused the message (most alerts first)."""
    counts: dict[str, int] = {}
    labels: dict[str, str] = {}
    for key, label in entries:
        counts[key] = counts.get(key, 0) + 1
        labels.setdefault(key, label)
    keys = sorted(counts, key=lambda k: -counts[k])[:MAX_BUTTONS]
    if not keys:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(f"Ontvolg {labels[k]}"[:BUTTON_TEXT],
                               callback_data=unfollow_alert(k))]
         for k in keys]
    )


def _groups(entries: Sequence[tuple[Item, str]]) -> list[tuple[str, list[Item]]]:
    grouped: dict[str, list[Item]] = {}
    for item, label in entries:
        grouped.setdefault(label, []).append(item)
    return list(grouped.items())


def _quiet(delivery: Delivery, minute: int) -> bool:
    return in_quiet_hours(delivery.quiet_from, delivery.quiet_until, minute)


class Composer:
    """Renders alerts, combined alerts and overviews for one time zone."""

    def __init__(self, tz: ZoneInfo, clock: Callable[[], float] = time.monotonic) -> None:
        self.tz = tz
        self.clock = clock
        self._texts: OrderedDict[tuple[int, str | None], tuple[float, str]] = OrderedDict()

    def forget(self, item_id: int) -> None:
        """The item changed: render it afresh."""
        for key in [k for k in self._texts if k[0] == item_id]:
            del self._texts[key]

    # -- new messages ------------------------------------------------------------------

    def messages(
        self, lead: Delivery, entries: Sequence[Entry], now: datetime
    ) -> list[Message]:
        """The messages that carry `entries` to the lead's chat (or topic)."""
        if lead.overview_at is not None:
            return self._overview(lead, entries, lead.overview_at, now)
        if len(entries) == 1:
            return [Message(self.alert(entries[0], now), (entries[0],), "alert")]
        local = now.astimezone(self.tz)
        text = render_combined([(e.item, e.label) for e in entries], now=now, tz=self.tz)
        outgoing = Outgoing(
            lead.chat_id, text, unfollow_markup([r for e in entries for r in e.reasons]),
            thread_id=lead.thread_id, silent=_quiet(lead, local.hour * 60 + local.minute),
        )
        return [Message(outgoing, tuple(entries), "combined")]

    def alert(self, entry: Entry, now: datetime) -> Outgoing:
        delivery, item = entry.delivery, entry.item
        local = now.astimezone(self.tz)
        reason = alert_reason(entry.key, reasons_label(entry.reasons))
        return self._with_media(
            item,
            reason,
            now,
            Outgoing(
                delivery.chat_id,
                self._alert_text(item, reason, now),
                alert_markup(item.id or 0, entry.reasons),
                thread_id=delivery.thread_id,
                silent=_quiet(delivery, local.hour * 60 + local.minute),
            ),
        )

    def _with_media(
        self, item: Item, reason: str | None, now: datetime, outgoing: Outgoing
    ) -> Outgoing:
        """An alert's photo or link preview.

        An item with a photo goes as the photo with the alert as its caption.  Text too
        long for a caption (1,024): a URL photo becomes the large preview above the whole
        text (one message, nothing cut); an uploaded photo (a file_id, which no preview
        can show) keeps a caption cut at a sentence, whose "Lees meer" and "Deel" lead
        to the whole item.  An item with a link and no photo shows the link's preview
        below the text.
        """
        text = outgoing.text
        if item.photo:
            if html_len(text) <= MAX_CAPTION:
                return replace(outgoing, photo=item.photo, full_text=text)
            if http_link(item.photo):
                preview = {"url": item.photo, "show_above_text": True,
                           "prefer_large_media": True}
                return replace(outgoing, preview=preview, photo=None, full_text=text)
            short = render_alert(item, reason=reason, now=now, tz=self.tz, limit=MAX_CAPTION)
            return replace(outgoing, text=short, photo=item.photo, full_text=text)
        link = http_link(item.link)
        if link:
            return replace(outgoing, preview={"url": link, "prefer_small_media": True})
        return outgoing

    def _overview(
        self, lead: Delivery, entries: Sequence[Entry], moment: float, now: datetime
    ) -> list[Message]:
        at = datetime.fromtimestamp(moment, UTC)
        by_item = {entry.item.id: entry for entry in entries}
        plans = render_overview(
            _groups([(e.item, e.label) for e in entries]), at=at, now=now, tz=self.tz
        )
        silent = _quiet(lead, overview_minute(at, self.tz))
        messages = []
        for part, plan in enumerate(plans):
            text = render_overview_message(plan, at=at, now=now, tz=self.tz, part=part)
            carried = tuple(by_item[item.id] for _, items in plan for item in items)
            markup = unfollow_markup([r for e in carried for r in e.reasons])
            outgoing = Outgoing(lead.chat_id, text, markup, lead.thread_id, silent)
            messages.append(Message(outgoing, carried, "overview", part))
        return messages

    def _alert_text(self, item: Item, label: str | None, now: datetime) -> str:
        """The alert's HTML, rendered once per (item, label) for a second of fan-out."""
        key = (item.id or 0, label)
        cached = self._texts.get(key)
        moment = self.clock()
        if cached is not None and moment - cached[0] < TEXT_FRESH:
            return cached[1]
        text = render_alert(item, reason=label, now=now, tz=self.tz)
        self._texts[key] = (moment, text)
        self._texts.move_to_end(key)
        if len(self._texts) > TEXT_CACHE:
            self._texts.popitem(last=False)
        return text

    # -- edits of sent messages --------------------------------------------------------

    def edited_alert(
        self, chat_id: int, item: Item, key: str, label: str | None, now: datetime
    ) -> Outgoing:
        """A single alert's corrected text and buttons."""
        label = label or UNKNOWN_LABEL
        reason = alert_reason(key, label)
        text = render_alert(item, reason=reason, now=now, tz=self.tz)
        return self._with_media(
            item, reason, now, Outgoing(chat_id, text, alert_markup(item.id or 0, [(key, label)]))
        )

    def edited_bundle(
        self,
        chat_id: int,
        kind: str,
        moment: float | None,
        part: int,
        entries: Sequence[tuple[Item, str, str]],
        now: datetime,
    ) -> Outgoing:
        """A combined message or an overview message again, from the items it still holds
        as (item, key, label)."""
        pairs = [(item, label) for item, _, label in entries]
        if kind == "overview" and moment is not None:
            at = datetime.fromtimestamp(moment, UTC)
            [plan] = render_overview(_groups(pairs), at=at, now=now, tz=self.tz, max_messages=1)
            text = render_overview_message(plan, at=at, now=now, tz=self.tz, part=part)
        else:
            text = render_combined(pairs, now=now, tz=self.tz)
        markup = unfollow_markup([(key, label) for _, key, label in entries])
        return Outgoing(chat_id, text, markup)
