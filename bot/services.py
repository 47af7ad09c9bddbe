"""What the handlers need from the rest of the bot, in one object.

The application keeps one `Services` in `bot_data`; handlers fetch it with
:func:`services`.  Keeping it typed (rather than loose `bot_data` keys) lets the
next reader jump from a handler to the code it uses.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.intake import Intake
from bot.metrics import Metrics
from bot.news.regions import Gazetteer
from bot.replycache import ReplyCache
from bot.settings import Settings
from storage import Store

if TYPE_CHECKING:
    from telegram.ext import CallbackContext

    from bot.delivery.schedule import OverviewScheduler
    from bot.delivery.sender import Sender
    from bot.feeds import FeedPoller
    from bot.pauses import PauseTimer

SERVICES_KEY = "services"


@dataclass
class Services:
    settings: Settings
    store: Store
    intake: Intake
    sender: Sender | None = None
    feeds: FeedPoller | None = None
    overviews: OverviewScheduler | None = None
    pauses: PauseTimer | None = None
    replies: ReplyCache = field(default_factory=ReplyCache)
    metrics: Metrics = field(default_factory=Metrics)

    @property
    def gazetteer(self) -> Gazetteer:
        return self.intake.gazetteer

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.admins

    @contextlib.asynccontextmanager
    async def chat_paused(self, chat_id: int) -> AsyncIterator[None]:
        """No alert reaches the chat while inside, nor one read before (/stop, blocks)."""
        if self.sender is None:
            yield
            return
        async with self.sender.chat_paused(chat_id):
            yield


def services(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    found = context.bot_data.get(SERVICES_KEY)
    if not isinstance(found, Services):
        raise RuntimeError("services are not set up; build the app with bot.app")
    return found
