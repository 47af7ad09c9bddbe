"""PTB's rate-limiter hook, so that replies to commands spend the same budget as alerts.

python-telegram-bot calls :meth:`TelegramLimiter.process_request` for every Bot API
request.  Requests that put or change a message in a chat (``LIMITED_METHODS``) take
that chat's and the global permits of our :class:`RateLimiter`; others pass.  The
gateway's own alert sends already hold their permits and say so (``PRELIMITED``); its
edits and deletes wait like an alert (``BACKGROUND``), replies ahead of queued alerts.
"""

from __future__ import annotations

from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.delivery.ratelimit import ALERT, REPLY, RateLimiter
from bot.delivery.telegram import BACKGROUND, LIMITED_METHODS, PRELIMITED, retry_seconds


class TelegramLimiter(BaseRateLimiter[str]):
    """Replies wait for their permits; a 429 on one pauses and tries again.

    A reply waits for its chat and the global permit ahead of queued alerts; a 429 on
    a reply pauses that chat (or, from several chats at once, every send) and tries
    again after ``retry_after``: a reader should still get an answer, and a 429 never
    drops a message.  ``max_retries`` None: no limit.
    """

    def __init__(self, limiter: RateLimiter, max_retries: int | None = None) -> None:
        self.limiter = limiter
        self.max_retries = max_retries
        self.rate_limited = 0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Any,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: str | None,
    ) -> Any:
        chat_id = data.get("chat_id")
        if (
            rate_limit_args == PRELIMITED
            or endpoint.lower() not in LIMITED_METHODS
            or not isinstance(chat_id, int | str)
            or not str(chat_id).lstrip("-").isdigit()
        ):
            return await callback(*args, **kwargs)
        chat = int(chat_id)
        priority = ALERT if rate_limit_args == BACKGROUND else REPLY
        attempt = 0
        while True:
            try:
                async with self.limiter.permit(chat, priority) as ticket:
                    self.limiter.sending(ticket)
                    return await callback(*args, **kwargs)
            except RetryAfter as exc:
                self.limiter.rate_limited(chat, retry_seconds(exc))
                self.rate_limited += 1
                attempt += 1
                if self.max_retries is not None and attempt > self.max_retries:
                    raise
