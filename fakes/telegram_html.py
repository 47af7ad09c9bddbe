"""Telegram-faithful validator for ``parse_mode=HTML`` message text (test helper).

Telegram's Bot API parses HTML with TDLib's ``parse_html`` (td/telegram/MessageEntity.cpp);
this module is a port of that algorithm so that the local Bot API emulator
(fakes/botapi.py) rejects exactly the messages Telegram would reject, with the same
error texts, e.g.::

    Unsupported start tag "p" at byte offset 0
    Unmatched end tag at byte offset 9, expected "</b>", found "</i>"
    Can't find end tag corresponding to start tag "b"

(the server prefixes them with ``Bad Request: can't parse entities: ``).  Byte offsets are UTF-8
byte offsets into the original text, as Telegram reports them.

Supported tags (https://core.telegram.org/bots/api#html-style): b, strong, i, em, u, ins, s,
strike, del, span class="tg-spoiler", tg-spoiler, a href, tg-emoji emoji-id, code (class
"language-x" inside pre), pre, blockquote (optionally ``expandable``).  Tag and attribute syntax
follows TDLib: attributes may be quoted or bare name tokens, unknown attributes are ignored,
``</>`` closes the innermost tag, empty tags create no entity.

Strict mode (the default) additionally enforces what the Bot API documentation *requires* but
TDLib silently tolerates, because each of these means the bot forgot to escape something:

* a bare ``>`` outside a tag (TDLib keeps it literally);
* an ``&`` that does not start a recognised entity -- both a lone ``&`` ("AT&T") and unknown
  named entities such as ``&nbsp;`` (TDLib shows them literally, which is never what we want);
* a recognised entity without its terminating ``;`` (``&lt`` -- TDLib decodes it anyway);
* a numeric entity TDLib would not decode (``&#0;``, out of range, too long);
* ``<a>`` without an absolute ``href`` (http(s)://, tg://, ton://, mailto:) -- TDLib silently
  drops such links or guesses a scheme.

Strict-only errors end with `` [strict]`` so they are recognisable as emulator checks.  Pass
``strict=False`` to get TDLib's exact behaviour.  Nesting rules from the docs (e.g. formatting
inside ``code``) are not errors in TDLib either (it keeps or drops entities), so we do not
enforce them.

The public helpers are :func:`parse_html` (plain text), :func:`parse_html_entities` (plain text
plus Bot API ``MessageEntity`` dicts with UTF-16 offsets) and :func:`utf16_len`.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["HTMLParseError", "parse_html", "parse_html_entities", "utf16_len"]

_ALLOWED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    }
)
_SIMPLE_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",  # only class="tg-spoiler" is accepted
}
# TDLib's sort order for entities sharing offset and length (MessageEntity::get_type_priority).
_TYPE_PRIORITY = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "pre": 11,
    "code": 20,
    "text_link": 49,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "custom_emoji": 99,
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACES = " \t\r\n\v\f"
_NAME_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")

_SPECIAL_RE = re.compile(r"[<>&]")
_SIMPLE_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z-]*)>")
_NAME_END_RE = re.compile(r"[ \t\r\n\v\f>]")
_ENTITY_RE = re.compile(r"&(?:#x([0-9a-fA-F]*)|#([0-9]*)|([A-Za-z]*))(;?)")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_INT64_RE = re.compile(r"-?[0-9]{1,19}")
_STRICT_URL_RE = re.compile(r"(?:(?:https?|tg|ton)://[^\s]+|mailto:[^\s]+)", re.IGNORECASE)

_MAX_INT64 = 2**63 - 1


class HTMLParseError(ValueError):
    """Raised for text Telegram (or strict mode) refuses; ``str(err)`` is the reason."""


def utf16_len(s: str) -> int:
    """Length of ``s`` in UTF-16 code units, the unit Telegram uses for lengths and offsets."""
    if s.isascii():
        return len(s)
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


def _byte_offset(text: str, pos: int) -> int:
    return len(text[:pos].encode("utf-8", "surrogatepass"))


def _decode_entity(text: str, pos: int) -> tuple[str | None, int, bool]:
    """Decode the character reference at ``text[pos] == '&'`` like TDLib.

    Returns ``(char, end, has_semicolon)``; ``char`` is None when TDLib would keep the ``&``
    literally (``end`` then still points past the would-be reference, for error messages).
    """
    m = _ENTITY_RE.match(text, pos)
    assert m is not None  # the pattern matches any "&"
    hex_digits, dec_digits, name, semicolon = m.groups()
    end = m.end()
    has_semicolon = bool(semicolon)
    if hex_digits is not None:
        if not hex_digits or 3 + len(hex_digits) >= 10:
            return None, end, has_semicolon
        code = int(hex_digits, 16)
    elif dec_digits is not None:
        if not dec_digits or 2 + len(dec_digits) >= 10:
            return None, end, has_semicolon
        code = int(dec_digits)
    else:
        return _NAMED_ENTITIES.get(name), end, has_semicolon
    if code == 0 or code >= 0x10FFFF:
        return None, end, has_semicolon
    return chr(code), end, has_semicolon


def _skip_spaces(text: str, j: int, n: int) -> int:
    while j < n and text[j] in _SPACES:
        j += 1
    return j


class _OpenTag:
    __slots__ = ("argument", "begin", "expandable", "name", "offset", "result_index")

    def __init__(self, name: str, argument: str, begin: int, offset: int, result_index: int):
        self.name = name
        self.argument = argument
        self.begin = begin  # index of "<" in the source (for strict-mode messages)
        self.offset = offset  # UTF-16 offset in the plain text
        self.result_index = result_index  # index into the output chunk list
        self.expandable = False


def parse_html_entities(text: str, *, strict: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML; return ``(plain_text, entities)`` or raise :class:`HTMLParseError`.

    Entities are Bot API ``MessageEntity`` dicts (type, offset, length and url / language /
    custom_emoji_id where applicable) in TDLib's order (offset, longer first, type priority).
    Links to ``tg://user?id=N`` are reported as ``text_link`` entities (the emulator knows no
    users).
    """
    out: list[str] = []
    entities: list[dict[str, Any]] = []
    stack: list[_OpenTag] = []
    u16 = 0  # UTF-16 length of "".join(out)
    n = len(text)
    pos = 0

    def fail(message: str, at: int | None = None, *, strict_only: bool = False) -> HTMLParseError:
        if at is not None:
            message = f"{message} at byte offset {_byte_offset(text, at)}"
        if strict_only:
            message += " [strict]"
        return HTMLParseError(message)

    while True:
        m = _SPECIAL_RE.search(text, pos)
        if m is None:
            chunk = text[pos:]
            if chunk:
                out.append(chunk)
                u16 += utf16_len(chunk)
            break
        i = m.start()
        if i > pos:
            chunk = text[pos:i]
            out.append(chunk)
            u16 += utf16_len(chunk)
        c = text[i]

        if c == "&":
            ch, end, has_semicolon = _decode_entity(text, i)
            if ch is None:
                if strict:
                    ref = text[i:end]
                    if len(ref) > 1 and ref.endswith(";"):
                        raise fail(f'Unsupported HTML entity "{ref}"', i, strict_only=True)
                    raise fail('Unescaped "&" (use &amp;)', i, strict_only=True)
                out.append("&")
                u16 += 1
                pos = i + 1
                continue
            if strict and not has_semicolon:
                raise fail(f'HTML entity "{text[i:end]}" lacks the final ";"', i, strict_only=True)
            out.append(ch)
            u16 += 2 if ord(ch) > 0xFFFF else 1
            pos = end
            continue

        if c == ">":
            if strict:
                raise fail('Unescaped ">" (use &gt;)', i, strict_only=True)
            out.append(">")
            u16 += 1
            pos = i + 1
            continue

        # c == "<": a start or end tag.
        begin = i
        simple = _SIMPLE_TAG_RE.match(text, i)
        if simple is not None and simple[2].lower() in _SIMPLE_ENTITY_TYPES and simple[2] != "span":
            # Fast path for attribute-less formatting tags such as <b> and </i>.
            name = simple[2].lower()
            if not simple[1]:
                stack.append(_OpenTag(name, "", begin, u16, len(out)))
            else:
                if not stack:
                    raise fail("Unexpected end tag", begin)
                tag = stack[-1]
                if name != tag.name:
                    raise fail(
                        f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
                        f'expected "</{tag.name}>", found "</{name}>"'
                    )
                stack.pop()
                if u16 > tag.offset:
                    entities.append(
                        {
                            "type": _SIMPLE_ENTITY_TYPES[name],
                            "offset": tag.offset,
                            "length": u16 - tag.offset,
                        }
                    )
            pos = simple.end()
            continue
        j = i + 1
        if j < n and text[j] == "/":
            # End tag.
            if not stack:
                raise fail("Unexpected end tag", begin)
            m = _NAME_END_RE.search(text, j + 1)
            j = m.start() if m else n
            end_name = text[begin + 2 : j].lower()
            j = _skip_spaces(text, j, n)
            if j >= n or text[j] != ">":
                raise fail("Unclosed end tag", begin)
            tag = stack[-1]
            if end_name and end_name != tag.name:
                raise fail(
                    f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
                    f'expected "</{tag.name}>", found "</{end_name}>"'
                )
            stack.pop()
            if u16 > tag.offset:
                _close_entity(tag, u16, out, entities)
            pos = j + 1
            continue

        # Start tag.
        m = _NAME_END_RE.search(text, j)
        j = m.start() if m else n
        if j >= n:
            raise fail("Unclosed start tag", begin)
        name = text[begin + 1 : j].lower()
        if name not in _ALLOWED_TAGS:
            raise fail(f'Unsupported start tag "{name}"', begin)
        argument = ""
        expandable = False
        while True:
            j = _skip_spaces(text, j, n)
            if j >= n:
                raise fail("Unclosed start tag", begin)
            if text[j] == ">":
                break
            attr_begin = j
            while j < n and text[j] not in _SPACES and text[j] != "=" and text[j] != ">":
                j += 1
            attr_name = text[attr_begin:j]
            if not attr_name:
                raise fail(f'Empty attribute name in the tag "{name}"', begin)
            j = _skip_spaces(text, j, n)
            if j >= n:
                raise fail("Unclosed start tag", begin)
            if text[j] != "=":
                # An attribute without a value; only "expandable" on blockquote means anything.
                if name == "blockquote" and attr_name == "expandable":
                    expandable = True
                continue
            j = _skip_spaces(text, j + 1, n)
            if j >= n:
                raise fail(f'Unclosed start tag "{name}"', begin)
            quote = text[j]
            if quote != '"' and quote != "'":
                # A name token: letters, digits, periods, hyphens; case-insensitive.
                token_begin = j
                while j < n and text[j] in _NAME_TOKEN_CHARS:
                    j += 1
                value = text[token_begin:j].lower()
                if j >= n or (text[j] not in _SPACES and text[j] != ">"):
                    raise fail("Unexpected end of name token", token_begin)
            else:
                j += 1
                parts: list[str] = []
                while j < n and text[j] != quote:
                    if text[j] == "&":
                        ch, end, has_semicolon = _decode_entity(text, j)
                        if ch is not None and (has_semicolon or not strict):
                            parts.append(ch)
                            j = end
                            continue
                        if strict:
                            raise fail(
                                'Unescaped "&" in attribute value (use &amp;)', j, strict_only=True
                            )
                    parts.append(text[j])
                    j += 1
                value = "".join(parts)
                if j < n:
                    j += 1  # closing quote
            if j >= n:
                raise fail("Unclosed start tag", begin)
            if name == "a" and attr_name == "href":
                argument = value
            elif name == "code" and attr_name == "class" and value.startswith("language-"):
                argument = value[9:]
            elif name == "span" and attr_name == "class" and value.startswith("tg-"):
                argument = value[3:]
            elif name == "tg-emoji" and attr_name == "emoji-id":
                argument = value
            elif name == "blockquote" and attr_name == "expandable":
                expandable = True
        if name == "span" and argument != "spoiler":
            raise fail('Tag "span" must have class "tg-spoiler"', begin)
        if strict and name == "a" and not _STRICT_URL_RE.fullmatch(argument):
            raise fail(f'Tag "a" needs an absolute href, got "{argument}"', begin, strict_only=True)
        tag = _OpenTag(name, argument, begin, u16, len(out))
        tag.expandable = expandable
        stack.append(tag)
        pos = j + 1

    if stack:
        raise HTMLParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')

    plain = "".join(out)
    if _SURROGATE_RE.search(plain):
        raise HTMLParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, check for "
            "unmatched surrogate code units"
        )
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    entities.sort(key=lambda e: (e["offset"], -e["length"], _TYPE_PRIORITY[e["type"]]))
    return plain, entities


def _close_entity(
    tag: _OpenTag,
    u16: int,
    out: list[str],
    entities: list[dict[str, Any]],
) -> None:
    """Append the entity for a closed, non-empty tag (TDLib's end-tag branch)."""
    offset = tag.offset
    length = u16 - offset
    name = tag.name
    simple = _SIMPLE_ENTITY_TYPES.get(name)
    if simple is not None:
        entities.append({"type": simple, "offset": offset, "length": length})
    elif name == "tg-emoji":
        arg = tag.argument
        if not _INT64_RE.fullmatch(arg) or int(arg) == 0 or abs(int(arg)) > _MAX_INT64:
            raise HTMLParseError("Invalid custom emoji identifier specified")
        entities.append(
            {"type": "custom_emoji", "offset": offset, "length": length, "custom_emoji_id": arg}
        )
    elif name == "a":
        url = tag.argument or "".join(out[tag.result_index :])
        entities.append({"type": "text_link", "offset": offset, "length": length, "url": url})
    elif name == "pre":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last["type"] == "code"
            and last["offset"] == offset
            and last["length"] == length
            and last.get("language")
        ):
            last["type"] = "pre"
        else:
            entities.append({"type": "pre", "offset": offset, "length": length})
    elif name == "code":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last["type"] == "pre"
            and last["offset"] == offset
            and last["length"] == length
            and tag.argument
        ):
            last["language"] = tag.argument
        else:
            entity: dict[str, Any] = {"type": "code", "offset": offset, "length": length}
            if tag.argument:
                entity["language"] = tag.argument  # dropped at the end unless merged into pre
            entities.append(entity)
    elif name == "blockquote":
        kind = "expandable_blockquote" if tag.expandable else "blockquote"
        entities.append({"type": kind, "offset": offset, "length": length})


def parse_html(text: str, *, strict: bool = True) -> str:
    """Return the plain text of Telegram HTML ``text`` or raise ``ValueError(reason)``.

    See the module docstring for what ``strict`` adds on top of Telegram's own checks.
    """
    return parse_html_entities(text, strict=strict)[0]
