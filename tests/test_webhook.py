"""Webhook mode end to end: the emulator posts updates to the bot's own server, as Telegram does."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import ALLOWED_UPDATES, build_application, running
from bot.services import SERVICES_KEY, Services
from bot.settings import SettingsError, load_settings
from bot.webhook import SECRET_HEADER, WebhookServer, webhook_server
from fakes.botapi import BotAPI
from tests.conftest import TOKEN, make_settings, visible
from tests.waits import eventually

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A port the OS just handed out (the URL must name it before the server starts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def webhook_settings(api: BotAPI, db: Path, **overrides: Any) -> Any:
    port = free_port()
    return make_settings(
        api, db,
        webhook_url=f"http://127.0.0.1:{port}/telegram/hook",
        webhook_listen=f"127.0.0.1:{port}",
        **overrides,
    )


@asynccontextmanager
async def webhook_bot(settings: Any) -> AsyncIterator[WebhookServer]:
    async with running(build_application(settings)) as app, webhook_server(app, settings) as srv:
        yield srv


def update(text: str, chat_id: int, update_id: int = 900_001) -> dict[str, Any]:
    user = {"id": chat_id, "is_bot": False, "first_name": "Lezer"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1, "date": 1_700_000_000, "text": text,
            "chat": {"id": chat_id, "type": "private", "first_name": "Lezer"}, "from": user,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }


async def post(url: str, body: bytes, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    async with aiohttp.ClientSession() as session, session.post(
        url, data=body, headers=headers
    ) as response:
        return response.status


async def test_emulator_posts_updates_and_the_bot_answers_through_the_bot_api(
    api: BotAPI, db_path: Path
) -> None:
    settings = webhook_settings(api, db_path)
    async with webhook_bot(settings):
        [call] = api.calls_to("setWebhook")
        assert call.params["url"] == settings.webhook_url
        assert call.params["allowed_updates"] == ALLOWED_UPDATES
        assert api.webhook_secret  # generated, since none was configured
        api.inject_message("/start", chat_id=1001)
        api.inject_message("/volg Oekraïne", chat_id=1002)
        [welcome] = await api.wait_sent(1, 1001)
        [followed] = await api.wait_sent(1, 1002)
        assert "Welkom" in visible(welcome)
        assert "Oekraïne" in visible(followed)
        assert all(status == 200 for _, status in api.webhook_answers)
        assert api.calls_to("getUpdates") == []  # nothing polls in webhook mode


async def test_without_the_right_secret_403_and_nothing_is_processed(
    api: BotAPI, db_path: Path
) -> None:
    settings = webhook_settings(api, db_path)
    async with webhook_bot(settings) as server:
        url = settings.webhook_url
        body = json.dumps(update("/start", 77)).encode()
        assert await post(url, body, None) == 403
        assert await post(url, body, "not-the-secret") == 403
        assert await post(url, body, api.webhook_secret + "x") == 403  # type: ignore[operator]
        assert server.received == 0
        # The same update with the secret is answered; the rejected ones never were.
        assert await post(url, body, api.webhook_secret) == 200
        [reply] = await api.wait_sent(1, 77)
        assert "Welkom" in visible(reply)
        assert server.received == 1
        await asyncio.sleep(0)  # let any stray task run before counting (none may exist)
        assert len(api.sent(77)) == 1


async def test_bad_bodies_get_400_and_oversized_413(api: BotAPI, db_path: Path) -> None:
    settings = webhook_settings(api, db_path, webhook_secret="vaste_geheime-waarde")
    async with webhook_bot(settings) as server:
        url, secret = settings.webhook_url, "vaste_geheime-waarde"
        assert api.webhook_secret == secret
        assert await post(url, b"{niet json", secret) == 400
        assert await post(url, b"[1, 2]", secret) == 400
        assert await post(url, b'{"geen": "update"}', secret) == 400
        huge = json.dumps(update("/start " + "x" * (1024 * 1024), 78)).encode()
        assert await post(url, huge, secret) == 413
        assert await post(url, huge, None) == 403  # the secret is checked first
        assert server.received == 0
        assert api.sent(78) == []


async def test_generated_secret_is_kept_across_restarts(api: BotAPI, db_path: Path) -> None:
    settings = webhook_settings(api, db_path)
    async with webhook_bot(settings):
        first = api.webhook_secret
    async with webhook_bot(settings):
        assert api.webhook_secret == first
    assert first and len(first) >= 32


def test_bad_webhook_settings_are_one_line_errors(tmp_path: Path) -> None:
    db = tmp_path / "x.sqlite3"
    for name, value in [
        ("webhook_secret", "met spatie"),
        ("webhook_secret", "x" * 257),
        ("webhook_listen", "8080"),
        ("webhook_url", "bot.example.nl/hook"),
        ("metrics_listen", "localhost:99999"),
        ("log_format", "xml"),
    ]:
        with pytest.raises(SettingsError, match=f"NEWSBOT_{name.upper()}"):
            load_settings(_env_file=None, db=db, **{name: value})


async def test_newsbot_run_in_webhook_mode_with_json_logs(api: BotAPI, tmp_path: Path) -> None:
    """The real command line: `newsbot run` with NEWSBOT_WEBHOOK_URL, stopped by SIGTERM."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env.update(
        PYTHONPATH=str(ROOT), NEWSBOT_TOKEN=TOKEN, NEWSBOT_API_URL=api.base_url,
        NEWSBOT_DB=str(tmp_path / "news.sqlite3"), NEWSBOT_LOG_FORMAT="json",
        NEWSBOT_WEBHOOK_URL=f"http://127.0.0.1:{port}/hook",
        NEWSBOT_WEBHOOK_LISTEN=f"127.0.0.1:{port}",
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        # A child process's start (imports, the gazetteer) is slow on a loaded machine: the
        # deadline is generous, and a child that dies fails the wait at once.
        await eventually(
            lambda: api.webhook_url or proc.returncode is not None,
            within=120, what="setWebhook from newsbot run",
        )
        assert proc.returncode is None, "newsbot run ended before it set its webhook"
        api.inject_message("/start", chat_id=4242)
        [reply] = await api.wait_sent(1, 4242, timeout=30)
        assert "Welkom" in visible(reply)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    lines = [json.loads(line) for line in err.decode().splitlines() if line.strip()]
    assert any("webhook mode" in line["message"] for line in lines)
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    assert TOKEN.split(":")[1] not in err.decode()


async def test_polling_stays_the_default(api: BotAPI, db_path: Path) -> None:
    settings = make_settings(api, db_path)
    assert settings.webhook_url is None
    async with running(build_application(settings)) as app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        svc: Services = app.bot_data[SERVICES_KEY]
        api.inject_message("/start", chat_id=1001)
        await api.wait_sent(1, 1001)
        assert api.calls_to("setWebhook") == []
        assert svc.metrics.telegram_ok_s_ago() is not None


# -- A hostile or repeating poster: shape, once per update_id, slow clients, the cap ------

async def test_the_same_update_posted_again_is_handled_once(api: BotAPI, db_path: Path) -> None:
    """Telegram posts an update again when it saw no 2xx; it is answered 200 and
    handled once."""
    settings = webhook_settings(api, db_path, webhook_secret="vaste_geheime-waarde")
    async with webhook_bot(settings) as server:
        body = json.dumps(update("/start", 79, update_id=123_456)).encode()
        for _ in range(3):
            assert await post(settings.webhook_url, body, "vaste_geheime-waarde") == 200
        await api.wait_sent(1, 79)
        # A different update from the same chat still counts: the window is by update_id.
        other = json.dumps(update("/help", 79, update_id=123_457)).encode()
        assert await post(settings.webhook_url, other, "vaste_geheime-waarde") == 200
        await api.wait_sent(2, 79)
        assert server.received == 2
        assert len(api.sent(79)) == 2


async def test_hostile_bodies_get_400_never_500(api: BotAPI, db_path: Path) -> None:
    """The shape is checked before anything else (nesting, update_id's type)."""
    settings = webhook_settings(api, db_path, webhook_secret="vaste_geheime-waarde")
    async with webhook_bot(settings) as server:
        url, secret = settings.webhook_url, "vaste_geheime-waarde"
        deep = b"[" * 100_000 + b"]" * 100_000
        deep_object = b'{"update_id": 1, "message": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_001
        for body in (
            deep, deep_object,
            b'{"update_id": true, "message": {}}',
            b'{"update_id": 1.5}',
            b'{"update_id": -1}',
            b'{"update_id": "7"}',
            b'{"update_id": ' + str(2**64).encode() + b"}",
            b'{"update_id": 5, "message": "tekst"}',
            b'{"update_id": 5, "message": {"chat": []}}',
            b'{"update_id": NaN}',
            b"\xff\xfe",
        ):
            assert await post(url, body, secret) == 400, body[:60]
        assert server.received == 0
        # Still serving: a real update is answered.
        assert await post(url, json.dumps(update("/start", 80)).encode(), secret) == 200
        await api.wait_sent(1, 80)


async def _slow_client(port: int, path: str, rate: float = 1.0) -> float:
    """A client that sends a request a byte a second (`rate`); returns the seconds until the
    server closed the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    loop = asyncio.get_running_loop()
    started = loop.time()
    request = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n\r\n" + "x" * 10000
    try:
        for byte in request.encode():
            writer.write(bytes([byte]))
            await writer.drain()
            try:
                if await asyncio.wait_for(reader.read(1), rate) == b"":
                    break  # closed by the server
            except TimeoutError:
                continue
    except ConnectionError:
        pass
    finally:
        writer.close()
    return loop.time() - started


async def test_a_client_sending_a_byte_a_second_is_dropped_within_10_s(
    api: BotAPI, db_path: Path
) -> None:
    """Headers or body trickling in: the connection is closed within 10 s, and a
    normal post meanwhile is answered."""
    settings = webhook_settings(api, db_path, webhook_secret="vaste_geheime-waarde")
    async with webhook_bot(settings) as server:
        slow = [
            asyncio.create_task(_slow_client(server.port, server.path)) for _ in range(20)
        ]
        await asyncio.sleep(0.5)  # they are all connected and trickling
        body = json.dumps(update("/start", 81)).encode()
        assert await post(settings.webhook_url, body, "vaste_geheime-waarde") == 200
        await api.wait_sent(1, 81)
        held = await asyncio.wait_for(asyncio.gather(*slow), 30)  # fails loudly if never cut
        assert max(held) <= 12, held  # 10 s, and a second of the client's own pacing


async def test_connections_past_the_cap_leave_room_for_telegram(
    api: BotAPI, tmp_path: Path
) -> None:
    """`newsbot run` with 1,024 file descriptors and 1,100 idle connections open:
    Telegram's post is still answered, and the log stays small."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env.update(
        PYTHONPATH=str(ROOT), NEWSBOT_TOKEN=TOKEN, NEWSBOT_API_URL=api.base_url,
        NEWSBOT_DB=str(tmp_path / "news.sqlite3"),
        NEWSBOT_WEBHOOK_URL=f"http://127.0.0.1:{port}/hook",
        NEWSBOT_WEBHOOK_LISTEN=f"127.0.0.1:{port}",
        NEWSBOT_WEBHOOK_SECRET="vaste_geheime-waarde",
    )

    def few_descriptors() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))

    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=few_descriptors,
    )
    idle: list[asyncio.StreamWriter] = []
    try:
        await eventually(lambda: api.webhook_url, within=60, what="setWebhook from newsbot run")
        for _ in range(1100):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                continue  # the backlog is full: the attacker's problem
            idle.append(writer)
        api.inject_message("/start", chat_id=4243)
        [reply] = await api.wait_sent(1, 4243, timeout=30)
        assert "Welkom" in visible(reply)
    finally:
        for writer in idle:
            writer.close()
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()[-2000:]
    assert len(err) < 20_000, err.decode()[-2000:]
