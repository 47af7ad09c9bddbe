"""The Bot API emulator from fakes/botapi.py in its own process, with a benchmark control API.

Not a benchmark itself: ``bench/bench_delivery.py`` starts one of these per scenario, so that
the emulator does not share the bot's event loop (or its core).  It is the test emulator
unchanged -- ``enforce_limits`` answers 429 above 30/s, 1000/s paid, 1/s per private chat,
20/min per group -- plus what a benchmark needs to see from outside:

* ``GET  /_bench/count``    -> ``{"sent": n, "stats": {...}}`` (cheap, for progress polling);
* ``GET  /_bench/accepted`` -> every accepted text message as ``[monotonic time, chat_id]``,
  in order (``time.monotonic()`` is CLOCK_MONOTONIC, comparable across processes on Linux);
* ``POST /_bench/inject``   -> ``{"text", "chat_id", "user_id"}`` queues a user message for
  getUpdates and answers ``{"update_id", "at"}`` (``at`` on the same clock);
* ``POST /_bench/inject_many`` -> ``{"messages": [...]}`` queues many at the same moment
  (for getUpdates, or posted to the webhook once one is set) and answers ``{"at"}``;
* ``POST /_bench/down`` ``{"status": 502}`` (or ``null``: connections dropped) starts an
  outage of every method, ``POST /_bench/up`` ends it (both answer ``{"at"}``);
* ``POST /_bench/delay`` ``{"seconds": 0.05}`` adds latency to every call (a round trip
  to Telegram); ``/_bench/count`` also says how many calls are being answered
  (``in_flight``: arrived, answer not yet given).

Run (the parent reads the first stdout line, ``{"port": N}``; SIGTERM or SIGINT stops it)::

    .venv/bin/python -m bench.emulator [--port 0] [--enforce-limits]

:class:`Emulator` is the other side, for the benchmarks: it starts this module in a child
process and calls the control API.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from fakes.botapi import BotAPI

JSONDict = dict[str, Any]
ROOT = Path(__file__).resolve().parents[1]


class BenchBotAPI(BotAPI):
    """The emulator, with a control API for a benchmark in another process."""

    async def _handle_not_found(self, request: web.Request) -> web.Response:
        # The emulator routes every unknown path here: the control API lives under /_bench/.
        path = request.path
        if path == "/_bench/count":
            return web.json_response(
                {"sent": self.stats["sent"], "stats": dict(self.stats), "in_flight": self.in_flight}
            )
        if path == "/_bench/down" and request.method == "POST":
            # {"status": 502} answers every call so; {"status": null} drops connections.
            self.go_down((await request.json()).get("status"))
            return web.json_response({"at": time.monotonic()})
        if path == "/_bench/up" and request.method == "POST":
            self.come_up()
            return web.json_response({"at": time.monotonic()})
        if path == "/_bench/delay" and request.method == "POST":
            self.delay = float((await request.json())["seconds"])  # Telegram's round trip
            return web.json_response({"delay": self.delay})
        if path == "/_bench/accepted":
            return web.json_response({"accepted": self.accepted, "stats": dict(self.stats)})
        if path == "/_bench/inject" and request.method == "POST":
            body = await request.json()
            at = time.monotonic()
            update = self.inject_message(
                str(body["text"]), chat_id=int(body["chat_id"]), user_id=int(body["user_id"])
            )
            return web.json_response({"update_id": update["update_id"], "at": at})
        if path == "/_bench/inject_many" and request.method == "POST":
            # {"messages": [{"text", "chat_id", "user_id"}, ...]}: queued together, one `at`.
            body = await request.json()
            at = time.monotonic()
            ids = [
                self.inject_message(
                    str(m["text"]), chat_id=int(m["chat_id"]), user_id=int(m["user_id"])
                )["update_id"]
                for m in body["messages"]
            ]
            return web.json_response({"update_ids": ids, "at": at})
        return await super()._handle_not_found(request)


async def _serve(port: int, enforce_limits: bool) -> None:
    api = BenchBotAPI(enforce_limits=enforce_limits, any_token=True, port=port, record_calls=False)
    await api.start()
    print(json.dumps({"port": api.port}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await api.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="Bot API emulator with a benchmark control API")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--enforce-limits", action="store_true")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port, args.enforce_limits))


# -- the client side: a benchmark starts the emulator and talks to it ---------------------


class Emulator:
    """This module in a child process, and a client for its control API."""

    def __init__(self, enforce_limits: bool = False) -> None:
        self.enforce_limits = enforce_limits
        self.port = 0
        self._proc: asyncio.subprocess.Process | None = None
        self._http: aiohttp.ClientSession | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def __aenter__(self) -> Emulator:
        args = [sys.executable, "-m", "bench.emulator"]
        if self.enforce_limits:
            args.append("--enforce-limits")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self._proc = await asyncio.create_subprocess_exec(
            *args, cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE
        )
        assert self._proc.stdout is not None
        line = await asyncio.wait_for(self._proc.stdout.readline(), 30)
        self.port = int(json.loads(line)["port"])
        self._http = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._http is not None:
            await self._http.close()
        if self._proc is not None and self._proc.returncode is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self._proc.wait(), 10)
            except TimeoutError:
                self._proc.kill()
                await self._proc.wait()

    async def _get(self, path: str) -> dict[str, Any]:
        assert self._http is not None
        async with self._http.get(f"http://127.0.0.1:{self.port}{path}") as response:
            return dict(await response.json())

    async def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        assert self._http is not None
        async with self._http.post(f"http://127.0.0.1:{self.port}{path}", json=payload) as response:
            return dict(await response.json())

    async def count(self) -> int:
        return int((await self._get("/_bench/count"))["sent"])

    async def progress(self) -> dict[str, Any]:
        """``{"sent", "stats", "in_flight"}`` (in_flight: calls not yet answered)."""
        return await self._get("/_bench/count")

    async def go_down(self, status: int | None = 502) -> float:
        """Every call answered `status` (None: connections dropped); returns when."""
        return float((await self._post("/_bench/down", {"status": status}))["at"])

    async def come_up(self) -> float:
        return float((await self._post("/_bench/up", {}))["at"])

    async def set_delay(self, seconds: float) -> None:
        await self._post("/_bench/delay", {"seconds": seconds})

    async def accepted(self) -> tuple[list[tuple[float, int]], Counter[str]]:
        """Every accepted text message as (monotonic time, chat id), and the emulator's stats."""
        body = await self._get("/_bench/accepted")
        return [(float(t), int(c)) for t, c in body["accepted"]], Counter(body["stats"])

    async def inject(self, text: str, chat_id: int, user_id: int) -> float:
        """Queue a user message for getUpdates; returns when (emulator's monotonic clock)."""
        payload = {"text": text, "chat_id": chat_id, "user_id": user_id}
        return float((await self._post("/_bench/inject", payload))["at"])

    async def inject_many(self, chats: list[int], text: str, user_id: int | None = None) -> float:
        """`text` from each of `chats` at the same moment; returns when (emulator's clock).

        Each message is from the chat's own user (a private chat), or from `user_id`.
        """
        messages = [{"text": text, "chat_id": c, "user_id": user_id or c} for c in chats]
        return float((await self._post("/_bench/inject_many", {"messages": messages}))["at"])

    async def wait_count(self, n: int, timeout: float, interval: float = 0.25) -> None:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while await self.count() < n:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the emulator accepted {await self.count()} of {n} in time")
            await asyncio.sleep(interval)

    async def wait_accepted(self, n: int, timeout: float = 60.0) -> list[tuple[float, int]]:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while len(found := (await self.accepted())[0]) < n:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(found)} of {n} replies accepted in time")
            await asyncio.sleep(0.05)
        return found


if __name__ == "__main__":
    main()
