"""Rendering items to Telegram HTML (``parse_mode=HTML``).

Every piece of item text is escaped, and the only tags produced are ``<b>``, ``<i>``
and ``<a href>``.  Telegram counts a message's length after entity parsing, in UTF-16
code units; we budget on the raw HTML in UTF-16 units instead, which is never less, so
a result that fits our budget always fits Telegram's.  Text is cut while it is still
plain (before escaping and tagging), so no tag or entity is ever split.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bot.news.items import Item
from bot.news.text import strip_format
from bot.news.timefmt import corrected, when

MAX_MESSAGE = 4096
MAX_CAPTION = 1024  # a photo's caption
MAX_ARTICLE_MESSAGES = 5
ELLIPSIS = "…"

# Caps, in UTF-16 units of escaped HTML, for the short pieces of a message, so that
# together they always leave room for the text itself.
_TITLE_CAP = 300
_DATELINE_CAP = 60
_AGENCIES_CAP = 60
_SECTION_CAP = 60
_REASON_CAP = 150
_LINK_CAP = 1000
_HEADER_CAP = 200
_SENTENCE_CAP = 200
_ALERT_ARTICLE_TEXT = 1000  # an alert previews an article; "Lees meer" or /laatste has the rest
_ALERT_SECOND_PARAGRAPH_BELOW = 400  # add the second paragraph when the first is this short

_SEP = "\n\n"
BREAKING_MARK = "⚡"
BREAKING_HEAD = f"{BREAKING_MARK} <b>Belangrijk nieuws</b>"
PHOTO_MARK = "📷"

# The end of a sentence: closing punctuation, optionally closing quotes or brackets,
# followed by whitespace.  The match ends just before the whitespace.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*(?=\s)")
_SPACE = re.compile(r"\s")

Cost = Callable[[str], int]


def _char_len(ch: str) -> int:
    return 1


def _html_len(ch: str) -> int:
    """UTF-16 units of one character once escaped."""
    if ch == "&":
        return 5  # &amp;
    if ch in "<>":
        return 4  # &lt; &gt;
    return 2 if ord(ch) > 0xFFFF else 1


def _u16(s: str) -> int:
    """Length in UTF-16 code units, as Telegram counts."""
    return len(s.encode("utf-16-le")) // 2


def _esc(text: str) -> str:
    # Out as in: no invisible format characters, whatever was stored before they were
    # cleaned on the way in.
    return html.escape(strip_format(text), quote=False)


def _one_line(text: str) -> str:
    """Collapse all whitespace (newlines included) to single spaces."""
    return " ".join(text.split())


def _prefix_lengths(text: str, cost: Cost) -> list[int]:
    """``out[n]`` is the cost of ``text[:n]``."""
    out = [0]
    for ch in text:
        out.append(out[-1] + cost(ch))
    return out


def _boundary(text: str, n: int, *, sentences: bool = True) -> int:
    """Where to cut ``text`` so that at most ``n`` characters stay: a sentence end,
    else a word boundary, else ``n`` itself.  A boundary in the first half of the
    window is not used, as it would throw away too much."""
    if n >= len(text):
        return len(text)
    floor = n // 2
    if sentences:
        best = -1
        for m in _SENTENCE_END.finditer(text, 0, n + 1):
            if m.end() <= n:
                best = m.end()
        if best > floor:
            return best
    for i in range(n, floor, -1):
        if _SPACE.match(text, i):
            return i
    return n


def _cut(text: str, budget: int, cost: Cost) -> str:
    """``text`` if it fits ``budget``, else its start cut at a boundary plus "…"."""
    prefix = _prefix_lengths(text, cost)
    if prefix[-1] <= budget:
        return text
    if budget < 1:
        return ""
    # The most characters that fit with room left for the ellipsis.
    n = 0
    while n < len(text) and prefix[n + 1] <= budget - 1:
        n += 1
    cut = _boundary(text, n)
    head = text[:cut].rstrip()
    if head and head[-1] in ".!?…\"'”’»)]" and prefix[cut] + 2 <= budget:
        return f"{head} {ELLIPSIS}"  # a whole sentence: "… voorbij. …"
    head = head.rstrip(" ,;:-–—")
    return f"{head}{ELLIPSIS}"


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters at a sentence end, else a word
    boundary, else anywhere, ending with "…" when it cut."""
    return _cut(text, limit, _char_len)


ECHO_CAP = 100  # what a reply repeats of the reader's input, in UTF-16 units of HTML


def quoted(text: str, cap: int = ECHO_CAP) -> str:
    """What a reader typed, as escaped HTML of at most `cap` UTF-16 units ("…" if cut).

    Every reply that repeats input goes through here: the input can be as long as a
    message (4,096), escaping makes ``&`` five characters, and a reply that repeats it
    twice would pass Telegram's limit and fail.
    """
    return _esc(_fit(text, cap))


def _fit(text: str, budget: int) -> str:
    """Like :func:`truncate`, measured as escaped HTML in UTF-16 units."""
    return _cut(text, budget, _html_len)


def html_len(html_text: str) -> int:
    """What a piece of HTML costs of a message's 4096, in UTF-16 units (never less than
    Telegram counts)."""
    return _u16(html_text)


def fit_escaped(texts: Sequence[str], budget: int) -> list[str]:
    """Each text as escaped HTML, together at most ``budget`` UTF-16 units.

    Short texts stay whole; when they do not all fit, the longest are cut (ending in
    "…") to an equal share of what the short ones leave, so no one text eats the room
    of the others.  Used for lists whose lines are all needed (/mijn's 50 labels).
    """
    escaped = [_esc(text) for text in texts]
    costs = [_u16(text) for text in escaped]
    if sum(costs) <= budget:
        return escaped
    caps = [0] * len(texts)
    remaining, left = max(budget, 0), len(texts)
    for i in sorted(range(len(texts)), key=costs.__getitem__):
        caps[i] = min(costs[i], remaining // left)
        remaining -= caps[i]
        left -= 1
    return [
        text if costs[i] <= caps[i] else _esc(_fit(strip_format(texts[i]), caps[i]))
        for i, text in enumerate(escaped)
    ]


def _split(text: str, budget: int) -> tuple[str, str]:
    """Split ``text`` so that the head fits ``budget`` (escaped, UTF-16): no text is
    lost and no ellipsis added; the tail continues in the next message."""
    prefix = _prefix_lengths(text, _html_len)
    n = 0
    while n < len(text) and prefix[n + 1] <= budget:
        n += 1
    cut = _boundary(text, n)
    return text[:cut].rstrip(), text[cut:].lstrip()


def first_sentence(text: str) -> str:
    """The first sentence of ``text`` (all of it when it has no sentence end)."""
    text = text.strip()
    m = _SENTENCE_END.search(text)
    return text[: m.end()] if m else text


def _time_of(item: Item) -> datetime | None:
    return item.published_at or item.received_at


def _meta(item: Item, now: datetime, tz: ZoneInfo) -> str:
    """``Buitenland · 16 minuten geleden`` as plain text ("" when there is neither)."""
    parts = []
    if item.section and item.section.strip():
        parts.append(_fit(_one_line(item.section), _SECTION_CAP))
    stamp = _time_of(item)
    if stamp is not None:
        parts.append(when(stamp, now, tz))
    return " · ".join(parts)


def _dateline_html(item: Item) -> str:
    """``<b>KYIV</b> (AFP/RTR)``, or what there is of it ("" when neither)."""
    parts = []
    dateline = _one_line(item.dateline)
    if dateline:
        parts.append(f"<b>{_esc(_fit(dateline, _DATELINE_CAP))}</b>")
    agencies = "/".join(a for a in (_one_line(a) for a in item.agencies) if a)
    if agencies:
        parts.append(f"({_esc(_fit(agencies, _AGENCIES_CAP))})")
    return " ".join(parts)


def _link_html(item: Item) -> str:
    """``<a href="...">Lees meer</a>`` for an http(s) link, else ""."""
    link = (item.link or "").strip()
    if not link or any(ch.isspace() or ord(ch) < 32 for ch in link):
        return ""
    try:
        parts = urlsplit(link)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    href = html.escape(link, quote=True)
    if _u16(href) > _LINK_CAP:
        return ""
    return f'<a href="{href}">Lees meer</a>'


def _text_paragraphs(item: Item) -> list[str]:
    """The non-heading paragraphs, stripped, empty ones left out."""
    return [
        p.strip() for i, p in enumerate(item.paragraphs) if i not in item.headings and p.strip()
    ]


def _bold(text: str) -> str:
    # Escaping drops invisible characters: a header of only those is no header at all.
    escaped = _esc(text)
    return f"<b>{escaped}</b>" if escaped.strip() else ""


def render_alert(
    item: Item, *, reason: str | None, now: datetime, tz: ZoneInfo, footer: str = "",
    limit: int = MAX_MESSAGE,
) -> str:
    """A pushed alert, reading like a newspaper brief.

    ``<b>KYIV</b> (AFP/RTR) - text``, then ``<i>Buitenland · 16 minuten geleden</i>``,
    ``Je volgt: Oekraïne`` and a "Lees meer" link; an article starts with its title.
    Without a ``reason`` (the newsroom's channel, a shared item) there is no "Je volgt"
    line; ``footer`` is one more line of ready HTML at the end (a link to the bot).
    ``limit`` bounds the whole (a photo's caption: :data:`MAX_CAPTION`); the text is cut
    at a sentence to fit.  A
    breaking item opens with :data:`BREAKING_HEAD`; a corrected one says when it was
    corrected under its time ("Gecorrigeerd om 17:42").
    """
    title = ""
    if item.kind == "article":
        title = _bold(_fit(_one_line(item.title), _TITLE_CAP))
    if item.breaking:
        title = "\n".join(part for part in (BREAKING_HEAD, title) if part)
    dateline = _dateline_html(item)
    meta = _meta(item, now, tz)
    tail = [f"<i>{_esc(meta)}</i>"] if meta else []
    if item.corrected_at is not None:
        tail.append(f"<i>{corrected(item.corrected_at, now, tz)}</i>")
    if reason is not None:
        tail.append(f"Je volgt: {_esc(_fit(_one_line(reason), _REASON_CAP))}")
    link = _link_html(item)
    if link:
        tail.append(link)
    if footer:
        tail.append(footer)
    tail_html = "\n".join(tail)

    paragraphs = _text_paragraphs(item)
    if item.kind == "article":
        shown = paragraphs[:1]
        if len(paragraphs) > 1 and len(paragraphs[0]) < _ALERT_SECOND_PARAGRAPH_BELOW:
            shown.append(paragraphs[1])
    else:
        shown = paragraphs
    text = _SEP.join(shown)

    lead = f"{dateline} - " if dateline and text else dateline
    fixed = _u16(title) + 1 + _u16(lead) + _u16(_SEP) + _u16(tail_html)
    budget = max(0, limit - fixed)
    if item.kind == "article":
        budget = min(budget, _ALERT_ARTICLE_TEXT)
    body = lead + _esc(_fit(text, budget))
    head = "\n".join(part for part in (title, body) if part)
    return _SEP.join(part for part in (head, tail_html) if part) or "<i>(geen tekst)</i>"


def headline(item: Item, limit: int = 100) -> str:
    """Plain text for a title line: ``KYIV — Rusland trekt troepen terug uit…``.

    The dateline and the article's title, or for a brief its first words.
    """
    paragraphs = _text_paragraphs(item)
    words = _one_line(item.title) if item.kind == "article" else ""
    if not words and paragraphs:
        words = _one_line(paragraphs[0])
    dateline = _one_line(item.dateline)
    text = " — ".join(part for part in (dateline, words) if part) or "(geen tekst)"
    return truncate(text, limit)


def age(item: Item, *, now: datetime, tz: ZoneInfo) -> str:
    """How old the item is, in words ("16 minuten geleden"); "" when it has no time."""
    stamp = _time_of(item)
    return when(stamp, now, tz) if stamp is not None else ""


def render_brief_line(item: Item, *, now: datetime, tz: ZoneInfo) -> str:
    """One compact line: ``<b>KYIV</b> First sentence. · <i>16 minuten geleden</i>``."""
    # A title has no full stop of its own: a dash keeps it apart from the first sentence
    # where bold does not show (notifications, screen readers, the console).
    titled = item.kind == "article" and bool(_one_line(item.title))
    if titled:
        label = _bold(_fit(_one_line(item.title), _TITLE_CAP))
    else:
        label = _bold(_fit(_one_line(item.dateline), _DATELINE_CAP))
    paragraphs = _text_paragraphs(item)
    sentence = _one_line(first_sentence(paragraphs[0])) if paragraphs else ""
    sentence = _esc(_fit(sentence, _SENTENCE_CAP))
    line = (" — " if titled else " ").join(part for part in (label, sentence) if part)
    stamp = _time_of(item)
    if stamp is not None:
        moment = f"<i>{_esc(when(stamp, now, tz))}</i>"
        line = f"{line} · {moment}" if line else moment
    return line or "<i>(geen tekst)</i>"


def render_list(
    items: list[Item], *, header: str, now: datetime, tz: ZoneInfo, first: int = 0
) -> str:
    """A bold header and one brief line per item; items that do not fit are left out
    and counted ("… en nog 3 berichten").

    With ``first`` (the number of the first row), each line starts with its number, the
    one on the button that opens the whole item (``3.``)."""
    out = _bold(_fit(_one_line(header), _HEADER_CAP)) or "<b>Berichten</b>"
    # Room for the note about what was left out, whatever the count.
    reserve = _u16(_SEP) + _u16("<i>… en nog 9999999999 berichten</i>")
    used = _u16(out)
    for shown, item in enumerate(items):
        line = render_brief_line(item, now=now, tz=tz)
        if first:
            line = f"{first + shown}. {line}"
        cost = _u16(_SEP) + _u16(line)
        is_last = shown == len(items) - 1
        if used + cost + (0 if is_last else reserve) > MAX_MESSAGE:
            left = len(items) - shown
            noun = "bericht" if left == 1 else "berichten"
            return f"{out}{_SEP}<i>… en nog {left} {noun}</i>"
        out += _SEP + line
        used += cost
    return out


def render_article(item: Item, *, now: datetime, tz: ZoneInfo) -> list[str]:
    """The full story for /laatste, split over at most five messages.

    Title in bold; the dateline and agencies open the first paragraph; subheadings
    in bold on their own; an italic meta line and the link close it.  Messages
    break at paragraph boundaries; a paragraph longer than a message continues in
    the next one; only what does not fit in five messages is cut, with "…".
    """
    # Blocks of (opening HTML, plain text, tag around the text).
    blocks: list[tuple[str, str, str]] = []
    title = item.title.strip()
    if title:
        blocks.append(("", title, "b"))
    dateline = _dateline_html(item)
    for i, paragraph in enumerate(item.paragraphs):
        text = paragraph.strip()
        if not text:
            continue
        if i in item.headings:
            blocks.append(("", text, "b"))
        elif dateline:
            blocks.append((f"{dateline} - ", text, ""))
            dateline = ""
        else:
            blocks.append(("", text, ""))
    if dateline:  # no text paragraph to open
        blocks.append((dateline, "", ""))

    meta = _meta(item, now, tz)
    tail = [f"<i>{_esc(meta)}</i>"] if meta else []
    link = _link_html(item)
    if link:
        tail.append(link)
    tail_html = "\n".join(tail)
    tail_cost = _u16(_SEP) + _u16(tail_html) if tail_html else 0

    messages: list[str] = []
    current: list[str] = []
    used = 0

    def flush() -> None:
        nonlocal current, used
        if current:
            messages.append(_SEP.join(current))
        current, used = [], 0

    def add(piece: str) -> None:
        nonlocal used
        used += (_u16(_SEP) if current else 0) + _u16(piece)
        current.append(piece)

    def wrap(opening: str, text: str, tag: str) -> str:
        body = _esc(text)
        if tag and text:
            body = f"<{tag}>{body}</{tag}>"
        return opening + body

    truncated = False
    for opening, text, tag in blocks:
        while not truncated:
            last = len(messages) == MAX_ARTICLE_MESSAGES - 1
            # On the last message keep room for the tail and an ellipsis.
            reserve = tail_cost + _u16(_SEP) + 1 if last else 0
            overhead = _u16(opening) + (2 * len(tag) + 5 if tag else 0)
            sep = _u16(_SEP) if current else 0
            room = MAX_MESSAGE - used - sep - reserve - overhead
            whole = sum(_html_len(ch) for ch in text)
            if whole <= room:
                add(wrap(opening, text, tag))
                break
            fits_fresh = whole + overhead + (tail_cost if last else 0) <= MAX_MESSAGE
            if not last and current and (fits_fresh or room < MAX_MESSAGE // 8):
                flush()  # start the block on a fresh message
                continue
            if last:
                cut = _fit(text, room) if room > 0 else ""
                add(wrap(opening, cut, tag) if cut else ELLIPSIS)
                truncated = True
                break
            head, text = _split(text, room)
            add(wrap(opening, head, tag))
            opening = ""
            flush()
        if truncated:
            break

    if tail_html:
        if current and used + tail_cost > MAX_MESSAGE:
            flush()
        add(tail_html)
    flush()
    return messages or ["<i>(geen tekst)</i>"]


# -- combined alerts and overviews ----------------------------------------------------
#
# A chat with several waiting alerts gets one message that holds them (newest first, a
# compact block each), and a chat with `/overzicht` gets them grouped by what it follows
# at set times.  Both keep to the same rules as every message: escaped HTML, within
# 4096 UTF-16 units (counted on the raw HTML, which is never less than Telegram's count).

MAX_OVERVIEW_MESSAGES = 3
_BLOCK_TEXT = 500  # plain characters of a block's text: its first sentences
_BLOCK_MIN = 120  # a block squeezed below this is left out and counted instead
_MORE_TOPICS = 3  # topics named in the "en N meer" tail


def _newest_first(entries: list[tuple[Item, str]]) -> list[tuple[Item, str]]:
    def key(entry: tuple[Item, str]) -> tuple[float, int]:
        stamp = _time_of(entry[0])
        return (stamp.timestamp() if stamp else 0.0, entry[0].id or 0)

    return sorted(entries, key=key, reverse=True)


def render_block(item: Item, *, now: datetime, tz: ZoneInfo, budget: int = MAX_MESSAGE) -> str:
    """One compact block: ``<b>KYIV</b> (AFP) - first sentences… · <i>5 minuten geleden</i>``.

    An article opens with its bold title on a line of its own.  An item with a photo is
    marked 📷 (a combined message or overview stays text), a corrected one ends with
    ``· gecorrigeerd om 17:42``.  ``budget`` bounds the
    block (UTF-16 units of HTML); the text is cut to fit it, never a tag.
    """
    title = ""
    if item.kind == "article" and _one_line(item.title):
        title = _bold(_fit(_one_line(item.title), _TITLE_CAP))
    dateline = _dateline_html(item)
    if item.photo:  # the message stays text: the mark says there is a picture to it
        dateline = f"{PHOTO_MARK} {dateline}" if dateline else PHOTO_MARK
    if item.breaking:
        dateline = f"{BREAKING_MARK} {dateline}"
    text = _one_line(" ".join(_text_paragraphs(item)))
    lead = f"{dateline} - " if dateline and text else dateline
    stamp = _time_of(item)
    age = f" · <i>{_esc(when(stamp, now, tz))}</i>" if stamp is not None else ""
    if item.corrected_at is not None:
        age += f" · <i>{corrected(item.corrected_at, now, tz).lower()}</i>"
    fixed = (_u16(title) + 1 if title else 0) + _u16(lead) + _u16(age)
    room = min(budget - fixed, _BLOCK_TEXT)
    body = lead + (_esc(_fit(text, room)) if room > 0 else "")
    block = "\n".join(part for part in (title, body) if part) + age
    return block if block.strip() else "<i>(geen tekst)</i>"


def _reasons_line(labels: list[str]) -> str:
    """``Je volgt: Oekraïne, staking``: most alerts first, then the newest."""
    counts: dict[str, int] = {}
    for label in labels:
        name = _one_line(label)
        if name:
            counts[name] = counts.get(name, 0) + 1
    names = ", ".join(sorted(counts, key=lambda name: -counts[name]))
    return f"Je volgt: {_esc(_fit(names, _REASON_CAP))}" if names else ""


def _more_line(left: list[tuple[Item, str]]) -> str:
    """``en 3 meer: /laatste Oekraïne, /laatste staking`` for the blocks left out."""
    counts: dict[str, int] = {}
    for _, label in left:
        name = _one_line(label)
        if name:
            counts[name] = counts.get(name, 0) + 1
    topics = sorted(counts, key=lambda name: -counts[name])[:_MORE_TOPICS]
    commands = ", ".join(f"/laatste {_esc(_fit(name, _REASON_CAP // 3))}" for name in topics)
    return f"<i>en {len(left)} meer: {commands or '/laatste'}</i>"


# Room kept for a "more" line whatever its count and topics.
_MORE_RESERVE = _u16("<i>en 9999999 meer: </i>") + _MORE_TOPICS * (
    _u16("/laatste , ") + _REASON_CAP // 3
)


def _fill(
    head: str, entries: list[tuple[Item, str]], *, now: datetime, tz: ZoneInfo, reserve: int
) -> tuple[list[str], int]:
    """Blocks for as many entries (in order) as fit after `head` with `reserve` kept free.

    Returns the blocks and how many entries they hold.
    """
    used = _u16(head)
    blocks: list[str] = []
    for shown, (item, _) in enumerate(entries):
        is_last = shown == len(entries) - 1
        keep = reserve if is_last else reserve + _u16(_SEP) + _MORE_RESERVE
        room = MAX_MESSAGE - used - _u16(_SEP) - keep
        if room < _BLOCK_MIN:
            return blocks, shown
        block = render_block(item, now=now, tz=tz, budget=room)
        blocks.append(block)
        used += _u16(_SEP) + _u16(block)
    return blocks, len(entries)


def render_combined(entries: list[tuple[Item, str]], *, now: datetime, tz: ZoneInfo) -> str:
    """Several waiting alerts in one message: ``entries`` are (item, label followed).

    Newest first, a compact block each; what does not fit ends in "en N meer: /laatste
    <onderwerp>"; the last line says why the reader got them (``Je volgt: A, B``).
    """
    ordered = _newest_first(entries)
    count = len(ordered)
    head = _bold(f"{count} nieuwe berichten" if count != 1 else "Nieuw bericht")
    reasons = _reasons_line([label for _, label in ordered])
    reserve = _u16(_SEP) + _u16(reasons) if reasons else 0
    blocks, shown = _fill(head, ordered, now=now, tz=tz, reserve=reserve)
    parts = [head, *blocks]
    if shown < count:
        parts.append(_more_line(ordered[shown:]))
    if reasons:
        parts.append(reasons)
    return _SEP.join(parts)


def overview_heading(at: datetime, now: datetime, tz: ZoneInfo, *, part: int = 0) -> str:
    """``<b>Je overzicht van 08:00</b>`` (with the date when it is not today's)."""
    local, today = at.astimezone(tz), now.astimezone(tz).date()
    title = f"Je overzicht van {local.hour:02d}:{local.minute:02d}"
    if local.date() == today - timedelta(days=1):
        title += " (gisteren)"
    elif local.date() != today:
        title += f" ({local.day}-{local.month}-{local.year})"
    if part:
        title += " (vervolg)"
    return _bold(title)


def render_overview(
    groups: list[tuple[str, list[Item]]],
    *,
    at: datetime,
    now: datetime,
    tz: ZoneInfo,
    max_messages: int = MAX_OVERVIEW_MESSAGES,
) -> list[list[tuple[str, list[Item]]]]:
    """Plan an overview: which items go in which message (at most ``max_messages``).

    ``groups`` are (label followed, items); groups are shown by their newest item, each
    group's items newest first.  Returns per message the groups it holds; render each
    with :func:`render_overview_message`.  Nothing to show: no messages.
    """
    ordered: list[tuple[str, list[Item]]] = []
    for label, items in groups:
        if items:
            newest = _newest_first([(item, label) for item in items])
            ordered.append((label, [item for item, _ in newest]))
    ordered.sort(
        key=lambda g: max((_time_of(i).timestamp() if _time_of(i) else 0.0) for i in g[1]),
        reverse=True,
    )
    flat = [(item, label) for label, items in ordered for item in items]
    plans: list[list[tuple[str, list[Item]]]] = []
    while flat and len(plans) < max_messages:
        last = len(plans) == max_messages - 1
        heading = overview_heading(at, now, tz, part=len(plans))
        shown = _plan_message(heading, flat, now=now, tz=tz, last=last)
        shown = max(shown, 1) if not last else shown
        taken, flat = flat[:shown], flat[shown:]
        if last and flat:  # what did not fit rides along, for the "en N meer" line
            taken, flat = taken + flat, []
        plan: list[tuple[str, list[Item]]] = []
        for item, label in taken:
            if plan and plan[-1][0] == label:
                plan[-1][1].append(item)
            else:
                plan.append((label, [item]))
        plans.append(plan)
    return plans


def _group_head(label: str) -> str:
    return _bold(_fit(_one_line(label), _REASON_CAP)) or "<b>Overig</b>"


def _plan_message(
    heading: str, flat: list[tuple[Item, str]], *, now: datetime, tz: ZoneInfo, last: bool
) -> int:
    """How many of `flat` fit one overview message (group headings counted)."""
    used = _u16(heading)
    current = None
    for shown, (item, label) in enumerate(flat):
        extra = 0
        if label != current:
            extra = _u16(_SEP) + _u16(_group_head(label))
        is_final = shown == len(flat) - 1
        keep = 0 if (is_final or not last) else _u16(_SEP) + _MORE_RESERVE
        room = MAX_MESSAGE - used - extra - _u16(_SEP) - keep
        if room < _BLOCK_MIN:
            return shown
        block = render_block(item, now=now, tz=tz, budget=room)
        used += extra + _u16(_SEP) + _u16(block)
        current = label
    return len(flat)


def render_overview_message(
    plan: list[tuple[str, list[Item]]], *, at: datetime, now: datetime, tz: ZoneInfo,
    part: int = 0,
) -> str:
    """One overview message: the heading, then per group its bold label and blocks.

    Blocks that do not fit (the last message of a long overview, or a correction that
    made a text longer) end in "en N meer: /laatste <onderwerp>".
    """
    heading = overview_heading(at, now, tz, part=part)
    flat = [(item, label) for label, items in plan for item in items]
    parts = [heading]
    used = _u16(heading)
    current = None
    for shown, (item, label) in enumerate(flat):
        extra = ""
        if label != current:
            extra = _group_head(label)
        is_final = shown == len(flat) - 1
        keep = 0 if is_final else _u16(_SEP) + _MORE_RESERVE
        room = MAX_MESSAGE - used - (_u16(_SEP) + _u16(extra) if extra else 0) - _u16(_SEP) - keep
        if room < _BLOCK_MIN:
            parts.append(_more_line(flat[shown:]))
            break
        if extra:
            parts.append(extra)
            used += _u16(_SEP) + _u16(extra)
        block = render_block(item, now=now, tz=tz, budget=room)
        parts.append(block)
        used += _u16(_SEP) + _u16(block)
        current = label
    return _SEP.join(parts)


def http_link(link: str | None) -> str | None:
    """The link when it is one a reader can open (http or https, no spaces), else None."""
    return link.strip() if _link_html(Item(kind="brief", paragraphs=(), link=link)) else None
