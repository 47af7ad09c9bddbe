"""What an operator watches: Prometheus metrics, `/healthz`, and the small server for both.

`Metrics` holds the counters the rest of the bot bumps through one-line hooks: the request
backend reports every Telegram answer (`telegram_answer`), the sender each alert sent and
each batch of outcomes, the intake each stored item, a handler every update.  It keeps its
own `CollectorRegistry` (not prometheus_client's global one), so two bots in one process
(the tests) never share counts.  Gauges that describe the database (pending alerts,
subscriptions, chats) are read from the store when Prometheus scrapes, not kept in step
by every write: one indexed query per scrape instead of a hook in every transaction.

The metric names and labels below are contracts for dashboards; do not rename them.

`MonitorServer` serves `GET /metrics` and `GET /healthz` on `NEWSBOT_METRICS_LISTEN`, with
aiohttp (already the bot's HTTP library) in the bot's own event loop.  It is separate from
the webhook server: the webhook faces Telegram through a reverse proxy, metrics and health
stay on a private address for Prometheus and the service manager.

`telegram_ok_s_ago` comes from real traffic.  Polling asks Telegram every few seconds; a
webhook bot on a quiet night may not call it for an hour, so the monitor asks
`getWebhookInfo` itself whenever Telegram has been silent for a fifth of the health window
(at most a minute), and logs Telegram's last webhook error when there is one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest
from telegram import Bot
from telegram.error import TelegramError

from bot.news.items import Item
from storage.outbox import Failed, Outcome, Reason

if TYPE_CHECKING:
    from telegram import Update

    from bot.services import Services

log = logging.getLogger(__name__)

# Bot API method names are case-insensitive (the sender calls "sendmessage"); labels use
# the documented spelling so that a dashboard needs one series per method.
_METHODS = {name.lower(): name for name in dir(Bot) if name[:1].islower() and "_" not in name}
_UPDATE_KINDS = (
    "message", "edited_message", "callback_query", "my_chat_member", "chat_member",
    "channel_post", "edited_channel_post", "inline_query",
)
DB_TIMEOUT = 2.0  # seconds /healthz waits for the database before it calls it down


def method_label(name: str) -> str:
    return _METHODS.get(name.lower(), "other")


def source_label(source: str) -> str:
    """A bounded label for an item's source (its full text holds file names and user ids)."""
    if source.startswith("admin:"):
        return "admin"
    if source.startswith("pagina:"):
        return "page"
    if source.startswith(("feed:", "http://", "https://")):  # the poller's is feed:<url>
        return "feed"
    return "other"


# The reason label of newsbot_alerts_failed for each typed reason (a dashboard contract).
_FAILURE_LABELS = {
    Reason.BLOCKED: "blocked",  # 403, chat not found, rights taken: the chat went dormant
    Reason.GONE: "blocked",
    Reason.RIGHTS: "blocked",
    Reason.EXPIRED: "expired",  # older than NEWSBOT_ALERT_MAX_AGE before it could go
    Reason.GAVE_UP: "gave_up",  # the chat's own failures, attempts spent
    Reason.REJECTED: "rejected",  # Telegram refused the message itself (400)
}


def failure_reason(outcome: Failed) -> str:
    """Why an alert ended without reaching its chat: blocked, dropped, expired, gave_up,
    rejected.  Everything else (retracted, unfollowed, stopped, topic deleted) is dropped."""
    return _FAILURE_LABELS.get(outcome.reason, "dropped")


def _update_kind(update: Update) -> str:
    return next((k for k in _UPDATE_KINDS if getattr(update, k, None) is not None), "other")


class Metrics:
    """The bot's Prometheus metrics and the moment Telegram last answered."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.alerts_sent = Counter(
            "newsbot_alerts_sent", "Alerts accepted by Telegram, by budget (free or paid)",
            ["mode"], registry=r,
        )
        self.alerts_failed = Counter(
            "newsbot_alerts_failed",
            "Alerts that will not be sent: blocked, dropped, expired, gave_up, rejected",
            ["reason"], registry=r,
        )
        self.alerts_pending = Gauge(
            "newsbot_alerts_pending", "Alerts waiting in the outbox", registry=r
        )
        self.alert_delay = Histogram(
            "newsbot_alert_delay_seconds", "From item stored to alert accepted by Telegram",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600),
            registry=r,
        )
        self.telegram_requests = Counter(
            "newsbot_telegram_requests",
            "Bot API requests by method and HTTP status (timeout, network: no answer)",
            ["method", "code"], registry=r,
        )
        self.telegram_429 = Counter(
            "newsbot_telegram_429", "Bot API answers 429 Too Many Requests", registry=r
        )
        self.items_stored = Counter(
            "newsbot_items_stored", "News items stored by this process, by source",
            ["source"], registry=r,
        )
        self.subscriptions = Gauge(
            "newsbot_subscriptions", "Subscriptions of all chats", registry=r
        )
        self.chats = Gauge("newsbot_chats", "Known chats by state", ["state"], registry=r)
        self.updates = Counter(
            "newsbot_updates", "Updates received from Telegram, by kind", ["kind"], registry=r
        )
        self.updates_dropped = Counter(
            "newsbot_updates_dropped",
            "Updates not handled: their chat sent more than it could be answered, by kind",
            ["kind"], registry=r,
        )
        self._telegram_ok: float | None = None  # time.monotonic() of the last answer

    # -- hooks -------------------------------------------------------------------------

    def telegram_answer(self, method: str, code: int | str) -> None:
        """The request backend's hook: one call per request, `code` the HTTP status or
        "timeout"/"network" when no answer came."""
        self.telegram_requests.labels(method_label(method), str(code)).inc()
        if isinstance(code, int):
            if code < 500:  # a 5xx is a proxy or Telegram in trouble, not an answer
                self._telegram_ok = time.monotonic()
            if code == 429:
                self.telegram_429.inc()

    def alert_sent(self, item: Item, *, paid: bool) -> None:
        self.alerts_sent.labels("paid" if paid else "free").inc()
        if item.received_at is not None:
            self.alert_delay.observe(max(0.0, time.time() - item.received_at.timestamp()))

    def outcomes(self, outcomes: Sequence[Outcome]) -> None:
        """The sender's hook for each delivery's outcomes: counts the alerts that failed."""
        for outcome in outcomes:
            if isinstance(outcome, Failed):
                self.alerts_failed.labels(failure_reason(outcome)).inc()

    def item_stored(self, item: Item) -> None:
        self.items_stored.labels(source_label(item.source)).inc()

    def update_seen(self, update: Update) -> None:
        self.updates.labels(_update_kind(update)).inc()

    def update_dropped(self, update: Update) -> None:
        """An update its chat's admission dropped (bot.admission): received, not handled."""
        self.update_seen(update)
        self.updates_dropped.labels(_update_kind(update)).inc()

    # -- queries -----------------------------------------------------------------------

    def telegram_ok_s_ago(self) -> float | None:
        """Seconds since Telegram last answered any request (None: not yet)."""
        if self._telegram_ok is None:
            return None
        return time.monotonic() - self._telegram_ok

    async def refresh(self, svc: Services) -> None:
        """Read the database gauges (at scrape time)."""
        counts = await svc.store.population()
        self.alerts_pending.set(counts["pending"])
        self.subscriptions.set(counts["subscriptions"])
        self.chats.labels("active").set(counts["chats_active"])
        self.chats.labels("inactive").set(counts["chats_inactive"])

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


async def health(
    svc: Services, window: float, standby: Callable[[], bool] = lambda: False
) -> tuple[int, dict[str, Any]]:
    """`/healthz`: 200 and status ok, or 503 with a reason (several joined by "; ").

    `standby`: this process waits for the sender's lease (a second process on PostgreSQL);
    its sender is meant to be idle then, and it still answers readers.
    """
    reasons = []
    body: dict[str, Any] = {
        "status": "ok", "pending": None, "oldest_pending_s": None, "telegram_ok_s_ago": None,
    }
    try:
        pending, oldest = await asyncio.wait_for(svc.store.pending_summary(), DB_TIMEOUT)
    except Exception as exc:  # a closed, locked or vanished database
        reasons.append(f"database does not answer ({type(exc).__name__})")
    else:
        body["pending"] = pending
        if oldest is not None:
            body["oldest_pending_s"] = round(max(0.0, time.time() - oldest), 3)
    problem = svc.store.problem()  # the file gone from its path, or a write that failed
    if problem is not None:
        reasons.append(problem)
    if standby():
        body["role"] = "standby"
    elif svc.sender is None or not svc.sender.running:
        reasons.append("sender is not running")
    ago = svc.metrics.telegram_ok_s_ago()
    if ago is not None:
        body["telegram_ok_s_ago"] = round(ago, 3)
    if ago is None or ago > window:
        reasons.append(f"Telegram has not answered for {window:g} s")
    if reasons:
        body["status"] = "error"
        body["reason"] = "; ".join(reasons)
        return 503, body
    return 200, body


class MonitorServer:
    """`GET /metrics` and `GET /healthz` on one address (NEWSBOT_METRICS_LISTEN)."""

    def __init__(
        self,
        svc: Services,
        bot: Bot,
        host: str,
        port: int,
        window: float,
        standby: Callable[[], bool] = lambda: False,
    ) -> None:
        self.svc = svc
        self.standby = standby
        self.bot = bot
        self.host = host
        self.port = port
        self.window = window
        self.heartbeat_every = min(60.0, window / 5)
        self._runner: web.AppRunner | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._last_webhook_error = 0

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/healthz", self._healthz)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        self.port = _bound_port(runner, self.port)
        self._heartbeat = asyncio.create_task(self._beat(), name="telegram-heartbeat")
        log.info("metrics and health on http://%s:%d/metrics, /healthz", self.host, self.port)

    async def stop(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            await asyncio.gather(self._heartbeat, return_exceptions=True)
            self._heartbeat = None
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_every)
            ago = self.svc.metrics.telegram_ok_s_ago()
            if ago is not None and ago < self.heartbeat_every:
                continue  # real traffic answered recently
            try:
                info = await self.bot.get_webhook_info()
            except TelegramError as exc:  # counted by the request backend; /healthz tells
                log.debug("heartbeat: Telegram did not answer: %s", exc)
                continue
            error_at = info.last_error_date
            stamp = int(error_at.timestamp()) if error_at is not None else 0
            if stamp > self._last_webhook_error:
                self._last_webhook_error = stamp
                log.warning("Telegram reports a webhook error: %s", info.last_error_message)

    async def _metrics(self, request: web.Request) -> web.Response:
        try:
            await asyncio.wait_for(self.svc.metrics.refresh(self.svc), DB_TIMEOUT)
        except Exception:  # the counters are still worth serving; /healthz says why
            log.warning("metrics: reading the database gauges failed", exc_info=True)
        return web.Response(
            body=self.svc.metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    async def _healthz(self, request: web.Request) -> web.Response:
        status, body = await health(self.svc, self.window, self.standby)
        return web.json_response(body, status=status)


def _bound_port(runner: web.AppRunner, requested: int) -> int:
    """The port actually bound (the OS picks one for port 0)."""
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    return requested
