"""The Bot API emulator from tests/fakes/botapi.py in its own process, with a benchmark control API.

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
  (for getUpdates, or posted to the webhook once one is set) and answers ``{"at"}``.

Run (the parent reads the first stdout line, ``{"port": N}``; SIGTERM or SIGINT stops it)::

    .venv/bin/python -m bench.emulator [--port 0] [--enforce-limits]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import time
from typing import Any

from aiohttp import web

from tests.fakes.botapi import BotAPI

JSONDict = dict[str, Any]


class BenchBotAPI(BotAPI):
    """The test emulator, recording when each text message was accepted."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.accepted: list[tuple[float, int | str]] = []

    def _deliver(
        self,
        params: JSONDict,
        chat_id: int | str,
        message: JSONDict,
        stored_extra: JSONDict,
        *,
        text_message: bool = True,
    ) -> JSONDict:
        result = super()._deliver(params, chat_id, message, stored_extra, text_message=text_message)
        if text_message:
            self.accepted.append((time.monotonic(), chat_id))
        return result

    async def _handle_not_found(self, request: web.Request) -> web.Response:
        # The emulator routes every unknown path here: the control API lives under /_bench/.
        path = request.path
        if path == "/_bench/count":
            return web.json_response({"sent": self.stats["sent"], "stats": dict(self.stats)})
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


if __name__ == "__main__":
    main()
