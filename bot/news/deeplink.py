"""Follow links: a topic packed into a Telegram start parameter, and back.

`https://t.me/<bot>?start=volg-<payload>` opens the bot with `/start volg-<payload>`.
Telegram allows a start parameter of at most 64 characters from `A-Za-z0-9_-`, and a
topic may be `Oekraïne`, `'s-Hertogenbosch` or `Tweede Kamer`, so the payload is one of
two forms:

- readable, for topics of plain ASCII letters and digits: the words joined by `_`
  (`volg-staking`, `volg-Tweede_Kamer`), so a link says what it follows;
- otherwise the topic's UTF-8 in URL-safe base64 without padding
  (`volg-T2VrcmHDr25l` for `Oekraïne`).

Decoding tries base64 first and takes it when it yields text that looks like a topic
(valid UTF-8; only letters of one script, digits, spaces and `'’-.&`); else it reads
the readable form.  A readable word can also be such base64 (`blog` is the base64 of
`nZ `, and dozens of English words are such base64); `encode` checks for
that and uses base64 for those topics, so every link it makes decodes to its own topic.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata

PREFIX = "volg-"
MAX_START = 64  # Telegram's limit for a start parameter, prefix included

_START_CHARS = re.compile(r"[A-Za-z0-9_-]+")
_READABLE_TOPIC = re.compile(r"[A-Za-z0-9]+(?: [A-Za-z0-9]+)*")
_READABLE_PAYLOAD = re.compile(r"[A-Za-z0-9]+(?:_[A-Za-z0-9]+)*")
_TOPIC_PUNCTUATION = frozenset(" '’-.&")


class Unlinkable(ValueError):
    """The topic has characters a link cannot carry back (brackets, symbols)."""


class TooLong(ValueError):
    """The topic does not fit in a start parameter; `length` is what it would need."""

    def __init__(self, length: int) -> None:
        super().__init__(f"start parameter of {length} characters (at most {MAX_START})")
        self.length = length


def _b64decode(payload: str) -> str | None:
    """The text a base64 payload holds, or None when it is not clean text."""
    if len(payload) % 4 == 1:
        return None
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    # Non-canonical base64 (stray bits in the last character) is not ours.
    if base64.urlsafe_b64encode(raw).decode().rstrip("=") != payload:
        return None
    if not text.strip() or not all(ch.isalnum() or ch in _TOPIC_PUNCTUATION for ch in text):
        return None
    scripts = {_script(ch) for ch in text if ch.isalpha()}
    if len(scripts) != 1 or "LATIN-EXT" in scripts:
        return None
    return text


def _script(ch: str) -> str:
    """A letter's script, with Latin beyond the European accents (U+0180 on) apart:
    random bytes decode to those far more often than a topic contains them."""
    if ch.isascii():
        return "LATIN"
    name = unicodedata.name(ch, "")
    if name.startswith("LATIN") and not "\u00c0" <= ch <= "\u017f":
        return "LATIN-EXT"
    return name.split(" ")[0]


def encode(topic: str) -> str:
    """The start parameter (`volg-...`) that follows `topic`.

    Raises TooLong when it needs more than 64 characters, Unlinkable when the topic has
    characters that would not decode as a topic.
    """
    topic = " ".join(topic.split())
    readable = topic.replace(" ", "_")
    if _READABLE_TOPIC.fullmatch(topic) and _b64decode(readable) is None:
        payload = readable
    else:
        payload = base64.urlsafe_b64encode(topic.encode("utf-8")).decode().rstrip("=")
    start = PREFIX + payload
    if _decode_payload(payload) != topic:
        raise Unlinkable(topic)
    if len(start) > MAX_START:
        raise TooLong(len(start))
    return start


def decode(start: str) -> str | None:
    """The topic in a start parameter, or None when it is not a follow link."""
    if not start.startswith(PREFIX) or len(start) > MAX_START:
        return None
    return _decode_payload(start[len(PREFIX):])


def _decode_payload(payload: str) -> str | None:
    if not _START_CHARS.fullmatch(payload):
        return None
    text = _b64decode(payload)
    if text is not None:
        return " ".join(text.split())
    if _READABLE_PAYLOAD.fullmatch(payload):
        return payload.replace("_", " ")
    return None


ITEM_PREFIX = "bericht-"
_ITEM_START = re.compile(r"bericht-(\d{1,18})")


def item_start(item_id: int) -> str:
    """The start parameter that opens one item in full (``bericht-12``): the button under
    a shared item in another chat brings the reader to the bot, which shows all of it."""
    return f"{ITEM_PREFIX}{item_id}"


def item_of(start: str) -> int | None:
    """The item a start parameter ``bericht-<id>`` opens, else None."""
    found = _ITEM_START.fullmatch(start)
    return int(found[1]) if found else None
