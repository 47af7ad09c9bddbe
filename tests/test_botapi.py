"""Tests of the Bot API emulator, the HTML validator and the aiohttp PTB transport.

Everything runs against real python-telegram-bot objects talking real HTTP to
``fakes.botapi.BotAPI`` on 127.0.0.1, so these tests also pin down how PTB maps the emulator's
answers to exceptions (BadRequest, RetryAfter, Forbidden, ChatMigrated, TimedOut, ...).
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import os
import socket
import time
import warnings
from collections.abc import AsyncIterator

import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

from bot.delivery.telegram_http import AiohttpRequest
from fakes.botapi import BotAPI
from fakes.telegram_html import parse_html, parse_html_entities, utf16_len

# Never send test traffic to a proxy configured in the environment.
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"

# PTB 22 warns whenever a RetryAfter is created unless PTB_TIMEDELTA is set.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")

CHAT = 4242


def make_bot(api: BotAPI, token: str | None = None, **request_kwargs: float) -> telegram.Bot:
    return telegram.Bot(
        token or api.token,
        base_url=api.base_url,
        base_file_url=api.base_file_url,
        request=AiohttpRequest(**request_kwargs),  # type: ignore[arg-type]
        get_updates_request=AiohttpRequest(**request_kwargs),  # type: ignore[arg-type]
    )


def retry_seconds(err: RetryAfter) -> float:
    """RetryAfter.retry_after is an int or a timedelta depending on PTB_TIMEDELTA."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = err.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


@pytest.fixture
async def api() -> AsyncIterator[BotAPI]:
    async with BotAPI() as server:
        yield server


@pytest.fixture
async def bot(api: BotAPI) -> AsyncIterator[telegram.Bot]:
    async with make_bot(api) as client:
        yield client


# ---------------------------------------------------------------------- HTML validator


@pytest.mark.parametrize(
    ("markup", "plain"),
    [
        ("plain text", "plain text"),
        ("<b>vet</b> &amp; <i>schuin</i>", "vet & schuin"),
        ("<strong>a</strong><em>b</em><u>c</u><ins>d</ins><s>e</s><strike>f</strike>", "abcdef"),
        ('<del>x</del><tg-spoiler>y</tg-spoiler><span class="tg-spoiler">z</span>', "xyz"),
        ('<a href="https://nos.nl/artikel/1?a=1&amp;b=2">NOS</a>', "NOS"),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍"),
        ('<pre><code class="language-python">x = 1 &lt; 2</code></pre>', "x = 1 < 2"),
        ("<blockquote expandable>quote</blockquote>", "quote"),
        ("&lt;&gt;&quot;&#65;&#x42;", '<>"AB'),
        ("<B>HOOFDLETTERS</B>", "HOOFDLETTERS"),
        ("<b>a<i>b</>c</>", "abc"),
    ],
)
def test_validator_accepts(markup: str, plain: str) -> None:
    assert parse_html(markup) == plain


@pytest.mark.parametrize(
    ("markup", "reason"),
    [
        ("<p>alinea</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("<br/>", 'Unsupported start tag "br/" at byte offset 0'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("é <b", "Unclosed start tag at byte offset 3"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("&#xD800;", "Text contains invalid Unicode characters"),
        # Strict-only: Telegram shows these literally, which always means a missing escape.
        ("1 > 2", 'Unescaped ">"'),
        ("AT&T", 'Unescaped "&"'),
        ("&nbsp;", 'Unsupported HTML entity "&nbsp;"'),
        ("&lt", 'HTML entity "&lt" lacks the final ";"'),
        ('<a href="/relatief">x</a>', 'Tag "a" needs an absolute href'),
    ],
)
def test_validator_refuses(markup: str, reason: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_html(markup)
    assert str(info.value).startswith(reason)


def test_validator_lenient_mode_matches_telegram() -> None:
    assert parse_html("1 > 2 & AT&T &nbsp; &lt", strict=False) == "1 > 2 & AT&T &nbsp; <"
    assert parse_html('<a href="/rel">x</a>', strict=False) == "x"


def test_validator_entities_use_utf16_offsets() -> None:
    plain, entities = parse_html_entities(
        '😀 <b>vet</b> <a href="https://x.nl">link</a> '
        '<pre><code class="language-py">c</code></pre>'
    )
    assert plain == "😀 vet link c"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 3},
        {"type": "text_link", "offset": 7, "length": 4, "url": "https://x.nl"},
        {"type": "pre", "offset": 12, "length": 1, "language": "py"},
    ]
    assert utf16_len("😀a") == 3
    assert utf16_len("abc") == 3


# ---------------------------------------------------------------------- basic methods


async def test_get_me_and_send_html(api: BotAPI, bot: telegram.Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "newsbot_test_bot", True)

    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Meer", callback_data="more:1")]])
    message = await bot.send_message(
        CHAT,
        "<b>Kabinet valt</b> &amp; meer",
        parse_mode="HTML",
        reply_markup=markup,
        disable_notification=True,
        link_preview_options=telegram.LinkPreviewOptions(is_disabled=True),
    )
    assert message.text == "Kabinet valt & meer"
    assert message.entities[0].type == "bold"
    assert message.reply_markup == markup
    assert message.chat.id == CHAT
    assert message.from_user is not None and message.from_user.id == 123456

    second = await bot.send_message(CHAT, "tweede")
    assert second.message_id == message.message_id + 1

    sent = api.sent(CHAT)
    assert [m["message_id"] for m in sent] == [message.message_id, second.message_id]
    assert sent[0]["disable_notification"] is True
    assert sent[0]["link_preview_options"] == {"is_disabled": True}
    assert sent[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "more:1"
    stored = api.messages[CHAT][message.message_id]
    assert stored["raw_text"] == "<b>Kabinet valt</b> &amp; meer"
    assert stored["text"] == "Kabinet valt & meer"
    assert api.stats["sent"] == 2
    assert [call.method for call in api.calls] == ["getMe", "getMe", "sendMessage", "sendMessage"]


async def test_text_validation_errors(api: BotAPI, bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest) as info:
        await bot.send_message(CHAT, "<b>open", parse_mode="HTML")
    # PTB strips "Bad Request: " and str.capitalize()s the rest (lower-casing it!).
    assert str(info.value).lower() == (
        "can't parse entities: can't find end tag corresponding to start tag \"b\""
    )
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(CHAT, "<b> </b>", parse_mode="html")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(CHAT, "😀" * 2049)  # 4098 UTF-16 code units
    await bot.send_message(CHAT, "<b>" + "😀" * 2048 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)must be encoded in utf-8"):
        await bot.send_message(CHAT, "lone surrogate \ud800")
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(
            CHAT,
            "x",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("b", callback_data="x" * 65)]]
            ),
        )
    assert api.stats["400"] == 5
    assert len(api.sent(CHAT)) == 1


async def test_default_httpx_backend_and_get_requests(api: BotAPI) -> None:
    """PTB's own HTTPXRequest sends form-urlencoded bodies; they must decode identically."""
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Open", url="https://nos.nl")]])
    async with telegram.Bot(api.token, base_url=api.base_url) as bot:
        message = await bot.send_message(
            CHAT, "<i>httpx</i>", parse_mode="HTML", reply_markup=markup
        )
    assert message.text == "httpx"
    assert api.sent(CHAT)[0]["reply_markup"] == markup.to_dict()
    assert api.sent(CHAT)[0]["chat_id"] == CHAT

    request = AiohttpRequest()
    async with request:
        url = f"{api.base_url}{api.token}/SENDMESSAGE?chat_id={CHAT}&text=via+GET"
        status, body = await request.do_request(url, "GET")
    assert status == 200, body
    assert api.sent(CHAT)[1]["text"] == "via GET"


async def test_unknown_method_is_bad_request_not_invalid_token(bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)method not found"):
        await bot.do_api_request("no_such_method", api_kwargs={"chat_id": CHAT})


async def test_wrong_token_is_invalid_token(api: BotAPI) -> None:
    with pytest.raises(InvalidToken):
        async with make_bot(api, token="999:wrong"):
            pass
    assert api.stats["401"] == 1


async def test_any_token_mode() -> None:
    async with BotAPI(any_token=True) as api, make_bot(api, token="777:other") as bot:
        assert bot.id == 777
        assert (await bot.send_message(1, "x")).from_user.id == 777  # type: ignore[union-attr]


# ---------------------------------------------------------------------- failure injection


async def test_injected_429_and_5xx(api: BotAPI, bot: telegram.Bot) -> None:
    api.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(CHAT, "x")
    assert retry_seconds(info.value) == 7

    api.fail_next("sendmessage", 502, count=2, chat_id=CHAT)
    await bot.send_message(CHAT + 1, "other chat is not affected")
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(CHAT, "x")
    await bot.send_message(CHAT, "recovered")
    assert [m["text"] for m in api.sent()] == ["other chat is not affected", "recovered"]
    assert (api.stats["429"], api.stats["502"]) == (1, 2)


@pytest.mark.parametrize(
    ("configure", "error", "text"),
    [
        (BotAPI.block, Forbidden, "Forbidden: bot was blocked by the user"),
        (BotAPI.deactivate, Forbidden, "Forbidden: user is deactivated"),
        (BotAPI.kick, Forbidden, "Forbidden: bot was kicked from the group chat"),
        (BotAPI.chat_not_found, BadRequest, "Chat not found"),
    ],
)
async def test_chat_failures(
    api: BotAPI,
    bot: telegram.Bot,
    configure: object,
    error: type[Exception],
    text: str,
) -> None:
    configure(api, CHAT)  # type: ignore[operator]
    with pytest.raises(error) as info:
        await bot.send_message(CHAT, "x")
    assert str(info.value) == text
    api.unblock(CHAT)
    await bot.send_message(CHAT, "x")


async def test_migrate(api: BotAPI, bot: telegram.Bot) -> None:
    api.migrate(-55, -1005555)
    with pytest.raises(ChatMigrated) as info:
        await bot.send_message(-55, "x")
    assert info.value.new_chat_id == -1005555
    message = await bot.send_message(-1005555, "x")
    assert message.chat.type == "supergroup"


async def test_delay_gives_timed_out_but_message_is_delivered(api: BotAPI) -> None:
    api.delay = 0.4
    async with make_bot(api, read_timeout=5.0) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(CHAT, "slow", read_timeout=0.1)
        # Like Telegram: the request was processed although the client gave up.
        assert [m["text"] for m in await api.wait_sent(1, CHAT, timeout=2)] == ["slow"]


async def test_transport_errors_do_not_leak_the_token() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    request = AiohttpRequest(connect_timeout=1.0)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as info:
            await request.post(f"http://127.0.0.1:{port}/bot123:SECRET-token/getMe")
        assert "SECRET" not in str(info.value)
        assert info.value.__cause__ is None
    finally:
        await request.shutdown()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:1/", "GET")


async def test_env_proxy_is_honoured(api: BotAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    dead_proxy = "http://127.0.0.1:9"  # the discard port: nothing listens
    monkeypatch.setenv("HTTP_PROXY", dead_proxy)
    monkeypatch.setenv("http_proxy", dead_proxy)
    # NO_PROXY=127.0.0.1 (set at import) bypasses it ...
    async with make_bot(api) as bot:
        assert bot.id == 123456
    # ... without it, requests go to the (dead) proxy.
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.setenv("no_proxy", "")
    with pytest.raises(NetworkError):
        async with make_bot(api):
            pass


# ---------------------------------------------------------------------- updates


async def test_long_poll_returns_injected_update(api: BotAPI) -> None:
    # A short default read timeout: PTB adds the long-poll timeout for getUpdates.
    async with make_bot(api, read_timeout=0.3) as bot:
        started = time.monotonic()
        assert await bot.get_updates(timeout=1) == ()
        assert 0.9 < time.monotonic() - started < 1.5

        asyncio.get_running_loop().call_later(
            0.1, lambda: api.inject_message("/start@newsbot_test_bot nu", chat_id=CHAT)
        )
        started = time.monotonic()
        updates = await bot.get_updates(timeout=5)
        assert time.monotonic() - started < 1.0
        message = updates[0].message
        assert message is not None and message.text == "/start@newsbot_test_bot nu"
        assert message.entities[0].type == "bot_command"
        assert message.entities[0].length == len("/start@newsbot_test_bot")

        # Unconfirmed updates are returned again; offset confirms them.
        assert await bot.get_updates() == updates
        assert await bot.get_updates(offset=updates[-1].update_id + 1) == ()


async def test_edit_delete_and_callbacks(api: BotAPI, bot: telegram.Bot) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Stop", callback_data="stop")]])
    message = await bot.send_message(CHAT, "<b>a</b>", parse_mode="HTML", reply_markup=markup)
    callback_id = api.inject_callback("stop", chat_id=CHAT)
    update = (await bot.get_updates())[-1]
    assert update.callback_query is not None
    assert update.callback_query.data == "stop"
    assert update.callback_query.message.message_id == message.message_id  # type: ignore[union-attr]
    await bot.answer_callback_query(callback_id, text="Gestopt")
    assert api.callback_answers == [{"callback_query_id": callback_id, "text": "Gestopt"}]
    with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
        await bot.answer_callback_query("nope")

    edited = await bot.edit_message_text("<i>b</i>", CHAT, message.message_id, parse_mode="HTML")
    assert isinstance(edited, telegram.Message) and edited.text == "b"
    stored = api.messages[CHAT][message.message_id]
    assert (stored["text"], stored["raw_text"]) == ("b", "<i>b</i>")
    assert "reply_markup" not in stored  # editMessageText without markup drops the keyboard
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("<i>b</i>", CHAT, message.message_id, parse_mode="HTML")
    await bot.edit_message_reply_markup(CHAT, message.message_id, reply_markup=markup)
    assert api.messages[CHAT][message.message_id]["reply_markup"] == markup.to_dict()

    assert await bot.delete_message(CHAT, message.message_id)
    assert message.message_id not in api.messages[CHAT]
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(CHAT, message.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", CHAT, message.message_id)


async def test_commands_chat_and_members(api: BotAPI, bot: telegram.Bot) -> None:
    await bot.set_my_commands([("start", "Begin"), ("help", "Hulp")])
    await bot.set_my_commands([("alleen_nl", "NL")], language_code="nl")
    assert api.commands == [("start", "Begin"), ("help", "Hulp")]
    assert api.commands_for(language_code="nl") == [("alleen_nl", "NL")]
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([("Start", "hoofdletter")])

    api.set_admins(-77, [11], creator=10)
    statuses = [(await bot.get_chat_member(-77, uid)).status for uid in (10, 11, 12)]
    assert statuses == ["creator", "administrator", "member"]
    admins = await bot.get_chat_administrators(-77)
    assert [a.user.id for a in admins] == [10, 11]

    api.inject_message("hoi", chat_id=-77, user_id=12, chat_type="group", chat_title="Redactie")
    chat = await bot.get_chat(-77)
    assert (chat.type, chat.title) == ("group", "Redactie")


async def test_multipart_upload(api: BotAPI, bot: telegram.Bot) -> None:
    message = await bot.send_document(
        CHAT,
        document=b"id,title\n1,x\n",
        filename="export.csv",
        caption="<b>Export</b>",
        parse_mode="HTML",
    )
    assert message.document is not None and message.document.file_name == "export.csv"
    assert message.caption == "Export"
    upload = api.calls_to("sendDocument")[0].params["document"]
    assert (upload["filename"], upload["data"]) == ("export.csv", b"id,title\n1,x\n")


async def test_photos_captions_and_their_limits(api: BotAPI, bot: telegram.Bot) -> None:
    """sendPhoto by URL, by an issued file_id and by upload; captions within 1024; refusals."""
    by_url = await bot.send_photo(
        CHAT, "https://nos.nl/foto.jpg", caption="<b>Brand</b> in Utrecht", parse_mode="HTML"
    )
    assert by_url.caption == "Brand in Utrecht" and by_url.photo
    assert by_url.caption_entities[0].type == "bold"
    file_id = by_url.photo[-1].file_id
    again = await bot.send_photo(CHAT, file_id, caption="x" * 1024)  # exactly the limit
    assert again.photo[-1].file_id == file_id
    upload = await bot.send_photo(CHAT, b"\x89PNG fake", caption="geupload")
    assert upload.photo[-1].file_size == len(b"\x89PNG fake")
    sent = api.sent(CHAT)
    assert [m.get("caption") for m in sent] == ["<b>Brand</b> in Utrecht", "x" * 1024, "geupload"]
    assert "text" not in api.messages[CHAT][by_url.message_id]

    with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
        await bot.send_photo(CHAT, file_id, caption="<b>" + "😀" * 513 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier/http url specified"):
        await bot.send_photo(CHAT, "AgACAgQAAxkBAAIB-niet-uitgegeven")
    api.unreachable_url("https://nos.nl/weg.jpg")
    with pytest.raises(BadRequest, match=r"(?i)failed to get http url content"):
        await bot.send_photo(CHAT, "https://nos.nl/weg.jpg")
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_photo(CHAT, file_id, caption="<b>open", parse_mode="HTML")
    assert len(api.sent(CHAT)) == 3


async def test_edit_caption_and_what_telegram_refuses(api: BotAPI, bot: telegram.Bot) -> None:
    photo = await bot.send_photo(CHAT, "https://nos.nl/foto.jpg", caption="oud")
    text = await bot.send_message(CHAT, "tekst")
    edited = await bot.edit_message_caption(
        CHAT, photo.message_id, caption="<i>nieuw</i>", parse_mode="HTML"
    )
    assert isinstance(edited, telegram.Message) and edited.caption == "nieuw"
    stored = api.messages[CHAT][photo.message_id]
    assert (stored["caption"], stored["raw_text"]) == ("nieuw", "<i>nieuw</i>")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_caption(
            CHAT, photo.message_id, caption="<i>nieuw</i>", parse_mode="HTML"
        )
    with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
        await bot.edit_message_caption(CHAT, photo.message_id, caption="y" * 1025)
    with pytest.raises(BadRequest, match=r"(?i)there is no caption in the message to edit"):
        await bot.edit_message_caption(CHAT, text.message_id, caption="z")
    with pytest.raises(BadRequest, match=r"(?i)there is no text in the message to edit"):
        await bot.edit_message_text("z", CHAT, photo.message_id)
    assert await bot.delete_message(CHAT, photo.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_caption(CHAT, photo.message_id, caption="weg")
    assert api.stats["edited"] == 1


@pytest.mark.filterwarnings("ignore:Please use 'Bot.sendMessage':UserWarning")
async def test_link_preview_options_echoed_and_checked(api: BotAPI, bot: telegram.Bot) -> None:
    options = telegram.LinkPreviewOptions(
        url="https://nos.nl/artikel/1", prefer_large_media=True, show_above_text=True
    )
    message = await bot.send_message(
        CHAT, "Lees meer: https://nos.nl/artikel/1", link_preview_options=options
    )
    assert message.link_preview_options == options
    assert api.sent(CHAT)[0]["link_preview_options"]["show_above_text"] is True
    with pytest.raises(BadRequest, match=r"(?i)both small and large"):
        await bot.send_message(
            CHAT,
            "x",
            link_preview_options=telegram.LinkPreviewOptions(
                prefer_small_media=True, prefer_large_media=True
            ),
        )
    with pytest.raises(BadRequest, match=r"(?i)link preview options"):
        await bot.do_api_request(
            "sendMessage", api_kwargs={"chat_id": CHAT, "text": "x", "link_preview_options": "ja"}
        )


async def test_injected_photo_with_command_caption(api: BotAPI, bot: telegram.Bot) -> None:
    api.inject_photo("/plaats Brand in Utrecht", chat_id=CHAT, file_id="PHOTO-redactie")
    message = (await bot.get_updates())[-1].message
    assert message is not None and message.photo[-1].file_id == "PHOTO-redactie"
    assert message.caption == "/plaats Brand in Utrecht"
    assert message.caption_entities[0].type == "bot_command"
    forwarded = await bot.send_photo(-100, "PHOTO-redactie", caption="door")
    assert forwarded.photo[-1].file_id == "PHOTO-redactie"


async def test_edit_caption_counts_against_the_flood_limit() -> None:
    async with BotAPI(enforce_limits=True) as api, make_bot(api) as bot:
        api.free_limit = 2
        photo = await bot.send_photo(1, "https://nos.nl/a.jpg", caption="a")
        await bot.edit_message_caption(1, photo.message_id, caption="b")
        with pytest.raises(RetryAfter):
            await bot.edit_message_caption(1, photo.message_id, caption="c")


# ---------------------------------------------------------------------- flood limits


async def test_enforced_per_chat_limits() -> None:
    async with BotAPI(enforce_limits=True) as api, make_bot(api) as bot:
        await bot.send_message(1, "eerste")
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(1, "te snel")
        assert retry_seconds(info.value) == 1
        await bot.send_message(2, "andere chat mag wel")

        for i in range(20):
            await bot.send_message(-100, f"groep {i}")
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(-100, "21e binnen een minuut")
        assert 59 <= retry_seconds(info.value) <= 60
        assert api.stats["429"] == 2
        assert len(api.sent()) == 22


async def test_enforced_global_limits() -> None:
    async with BotAPI(enforce_limits=True) as api, make_bot(api) as bot:
        results = await asyncio.gather(
            *(bot.send_message(1000 + i, "x") for i in range(35)), return_exceptions=True
        )
        assert sum(isinstance(r, RetryAfter) for r in results) == 5
        # Paid broadcasts have their own window of 1000 messages per second.
        await asyncio.gather(
            *(bot.send_message(2000 + i, "x", allow_paid_broadcast=True) for i in range(60))
        )
        assert api.stats["429"] == 5
        assert len(api.sent()) == 30 + 60
        assert all(m["allow_paid_broadcast"] is True for m in api.sent()[30:])


# ---------------------------------------------------------------------- PTB Application


async def test_application_polling_receives_command(api: BotAPI) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, f"Welkom {context.args}")

    app = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .request(AiohttpRequest())
        .get_updates_request(AiohttpRequest())
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=1)
        api.inject_message("/start abc", chat_id=CHAT)
        api.inject_message("/start@other_bot xyz", chat_id=CHAT)  # not for us
        sent = await api.wait_sent(1, CHAT, timeout=5)
        await app.updater.stop()
        await app.stop()
    assert [m["text"] for m in sent] == ["Welkom ['abc']"]
    methods = {call.method for call in api.calls}
    assert {"getMe", "deleteWebhook", "getUpdates", "sendMessage"} <= methods
