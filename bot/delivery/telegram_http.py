"""aiohttp transport for python-telegram-bot.

``AiohttpRequest`` is a :class:`telegram.request.BaseRequest` implementation backed by a single
``aiohttp.ClientSession``.  It exists for throughput: on two cores PTB's default httpx
backend is several times slower, and with this one PTB's own object building becomes the
bottleneck (the figures are in docs/benchmarks.md).

Only the transport lives here: PTB's ``BaseRequest`` still maps HTTP status codes and Bot API
error bodies to ``RetryAfter``, ``Forbidden``, ``BadRequest``, ``ChatMigrated`` and friends.  We
translate transport failures: timeouts become :class:`telegram.error.TimedOut`, everything else
:class:`telegram.error.NetworkError`.

Two deliberate differences from the httpx backend, both for throughput:

* Requests without files are sent as an ``application/json`` body built from
  ``RequestData.parameters`` (one C-level ``json.dumps``) instead of form-urlencoding every
  value; the Bot API accepts JSON bodies ("application/json (except for uploading files)").
  Uploads use ``multipart/form-data`` exactly like httpx.
* Environment proxies (``HTTP_PROXY`` / ``HTTPS_PROXY`` / ``NO_PROXY``, plus proxy credentials
  from ``~/.netrc``) are honoured like ``ClientSession(trust_env=True)`` does, but resolved once
  per scheme://host:port and cached: aiohttp's own ``trust_env`` runs two thread-pool lookups
  (netrc and proxy) for *every* request, a large share of a request's cost.  Proxy changes
  after the first request to a host are therefore not picked up.

The request URL contains the bot token, so it is never logged and is scrubbed from every
exception message we raise (and the original aiohttp exception is not chained, because its text
or its ``request_info`` may carry the URL).

Every request is reported to an optional ``observer(method, code)`` (``code`` is the HTTP
status, or ``"timeout"``/``"network"`` when no answer came): the bot's metrics count requests
by method and status and note when Telegram last answered.  It is a plain callable, so this
module knows nothing of Prometheus.

Usage (PTB uses two request objects: one for getUpdates, one for everything else)::

    app = (
        ApplicationBuilder()
        .token(token)
        .request(AiohttpRequest())
        .get_updates_request(AiohttpRequest(connection_pool_size=2))
        .build()
    )
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import aiohttp
import yarl
from aiohttp.helpers import get_env_proxy_for_url
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

if TYPE_CHECKING:
    from telegram._utils.types import ODVInput

__all__ = ["AiohttpRequest"]

# ``BaseRequest.DEFAULT_NONE`` is an instance of PTB's (private) DefaultValue class; comparing
# against its type keeps us independent of the private import path.
_DEFAULT_TYPE = type(BaseRequest.DEFAULT_NONE)

# Bot tokens look like ``123456:AAE...``; they appear in URL paths as ``/bot<token>/`` and
# ``/file/bot<token>/``.
_TOKEN_RE = re.compile(r"bot\d+:[A-Za-z0-9_-]+")

_JSON_HEADERS = {"Content-Type": "application/json"}

_ProxySetting = tuple[yarl.URL | None, aiohttp.BasicAuth | None]

_Timeout = float | None

Observer = Callable[[str, "int | str"], None]


def _method(url: str) -> str:
    """The Bot API method of a request URL (its last path segment); "file" for downloads."""
    if "/file/bot" in url:
        return "file"
    return url.rsplit("/", 1)[-1].split("?", 1)[0]


def _env_proxy(url: str) -> _ProxySetting:
    """The proxy aiohttp's ``trust_env=True`` would use for ``url`` (blocking: reads netrc)."""
    try:
        return get_env_proxy_for_url(yarl.URL(url))
    except LookupError:
        return None, None


def _origin(url: str) -> str:
    """``scheme://host:port`` of ``url`` (cheap string slicing, no URL parsing)."""
    start = url.find("//")
    end = url.find("/", start + 2) if start >= 0 else -1
    return url if end < 0 else url[:end]


def _scrub(text: str, url: str) -> str:
    """Remove the request URL and anything that looks like a bot token from ``text``."""
    if url:
        text = text.replace(url, "<bot-api-url>")
    return _TOKEN_RE.sub("bot<token>", text)


class AiohttpRequest(BaseRequest):
    """PTB request backend using ``aiohttp``.

    Args:
        connection_pool_size: Maximum number of simultaneous connections (aiohttp connector
            ``limit``).
        read_timeout: Default seconds to wait for (each chunk of) the response.
        write_timeout: Default seconds for sending a request body.  aiohttp has no separate
            write timeout, so it only contributes to the overall deadline of a request.
        connect_timeout: Default seconds to establish a new connection.
        pool_timeout: Default seconds to wait for a free connection when the pool is exhausted.
        media_write_timeout: Like ``write_timeout`` but for multipart uploads.

    Timeouts passed per call (PTB passes e.g. ``read_timeout`` explicitly for getUpdates, adding
    the long-poll timeout) override the defaults; ``None`` means "no timeout".  They map onto
    ``aiohttp.ClientTimeout`` as: ``sock_read`` = read, ``sock_connect`` = connect, ``connect``
    (pool wait + connect) = pool + connect, ``total`` = sum of all four (a safety net that also
    bounds slow uploads); any ``None`` removes the corresponding bound.
    """

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_observer",
        "_pool_size",
        "_pool_timeout",
        "_proxies",
        "_read_timeout",
        "_session",
        "_timeouts",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
        observer: Observer | None = None,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._observer = observer
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, _ProxySetting] = {}
        # Cache of ClientTimeout objects keyed by (read, write, connect, pool).
        self._timeouts: dict[tuple[_Timeout, _Timeout, _Timeout, _Timeout], aiohttp.ClientTimeout]
        self._timeouts = {}

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds the long-poll timeout to it for getUpdates)."""
        return self._read_timeout

    @property
    def connection_pool_size(self) -> int:
        """Maximum number of simultaneous connections."""
        return self._pool_size

    @property
    def is_initialized(self) -> bool:
        """Whether a usable ClientSession exists."""
        return self._session is not None and not self._session.closed

    async def initialize(self) -> None:
        """Create the ClientSession (inside the running event loop); idempotent."""
        if self.is_initialized:
            return
        connector = aiohttp.TCPConnector(
            limit=self._pool_size,
            limit_per_host=0,
            ttl_dns_cache=300,
        )
        self._proxies.clear()
        self._session = aiohttp.ClientSession(
            connector=connector,
            # Environment proxies are resolved (and cached) by _proxy_for instead.
            trust_env=False,
            headers={"User-Agent": self.USER_AGENT},
            timeout=aiohttp.ClientTimeout(total=None),
            raise_for_status=False,
        )

    async def shutdown(self) -> None:
        """Close the ClientSession; idempotent."""
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    def _client_timeout(
        self,
        read: float | None,
        write: float | None,
        connect: float | None,
        pool: float | None,
    ) -> aiohttp.ClientTimeout:
        key = (read, write, connect, pool)
        timeout = self._timeouts.get(key)
        if timeout is None:
            total = None if None in key else sum(key)  # type: ignore[arg-type]
            pool_and_connect = None if connect is None or pool is None else connect + pool
            timeout = aiohttp.ClientTimeout(
                total=total,
                connect=pool_and_connect,
                sock_connect=connect,
                sock_read=read,
            )
            if len(self._timeouts) < 64:
                self._timeouts[key] = timeout
        return timeout

    async def _proxy_for(self, url: str) -> _ProxySetting:
        origin = _origin(url)
        setting = self._proxies.get(origin)
        if setting is None:
            setting = await asyncio.to_thread(_env_proxy, url)
            self._proxies[origin] = setting
        return setting

    @staticmethod
    def _multipart(request_data: RequestData) -> aiohttp.FormData:
        form = aiohttp.FormData()
        for name, value in request_data.json_parameters.items():
            form.add_field(name, value)
        for name, (filename, content, mimetype) in request_data.multipart_data.items():
            form.add_field(name, content, filename=filename, content_type=mimetype)
        return form

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Perform one HTTP request and return ``(status, body)``; see BaseRequest.do_request."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")

        has_files = request_data is not None and request_data.contains_files
        if isinstance(read_timeout, _DEFAULT_TYPE):
            read_timeout = self._read_timeout
        if isinstance(connect_timeout, _DEFAULT_TYPE):
            connect_timeout = self._connect_timeout
        if isinstance(pool_timeout, _DEFAULT_TYPE):
            pool_timeout = self._pool_timeout
        if isinstance(write_timeout, _DEFAULT_TYPE):
            write_timeout = self._media_write_timeout if has_files else self._write_timeout
        timeout = self._client_timeout(read_timeout, write_timeout, connect_timeout, pool_timeout)

        data: bytes | aiohttp.FormData | None = None
        headers: dict[str, str] | None = None
        if request_data is not None:
            if has_files:
                data = self._multipart(request_data)
            else:
                # RequestData.parameters are already JSON-serialisable (PTB converted
                # TelegramObjects, enums and dates); None values are left out.
                params = request_data.parameters
                if params:
                    # ASCII-escaped: a lone surrogate then reaches Telegram (which answers
                    # 400) instead of failing here with a UnicodeEncodeError.
                    data = json.dumps(params).encode("ascii")
                    headers = _JSON_HEADERS

        try:
            proxy, proxy_auth = await self._proxy_for(url)
            async with session.request(
                method,
                url,
                data=data,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
                proxy=proxy,
                proxy_auth=proxy_auth,
            ) as response:
                body = await response.read()
            if self._observer is not None:
                self._observer(_method(url), response.status)
            return response.status, body
        except TimeoutError as err:
            if self._observer is not None:
                self._observer(_method(url), "timeout")
            # asyncio.TimeoutError (== TimeoutError on 3.11) and aiohttp's ServerTimeoutError,
            # ConnectionTimeoutError and SocketTimeoutError all derive from it.
            if isinstance(err, aiohttp.ConnectionTimeoutError):
                message = (
                    "Timed out waiting for a connection (connect or pool timeout); the request "
                    "was probably not sent to Telegram"
                )
            else:
                message = f"Timed out ({type(err).__name__})"
            raise TimedOut(message) from None
        except (aiohttp.ClientError, OSError, ValueError) as err:
            if self._observer is not None:
                self._observer(_method(url), "network")
            description = _scrub(str(err), url)
            raise NetworkError(f"aiohttp.{type(err).__name__}: {description}") from None
