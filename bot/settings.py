"""Settings from the environment and a `.env` file, all prefixed `NEWSBOT_`."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TELEGRAM_API_URL = "https://api.telegram.org"
# Telegram's rule for setWebhook's secret_token.
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")


def parse_listen(value: str) -> tuple[str, int]:
    """`host:port` (IPv6 as `[::1]:8080`) as (host, port); ValueError in Dutch otherwise."""
    host, sep, port = value.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"{value!r} is geen host:poort (bijv. 127.0.0.1:8080)")
    return host, int(port)


class SettingsError(Exception):
    """A setting has a bad value; the message names the variable."""


class Settings(BaseSettings):
    """Everything the operator can set.  See `.env.example` for the documentation."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    token: SecretStr | None = None
    # NoDecode: a comma-separated list, not JSON, is what an operator types.
    admins: Annotated[frozenset[int], NoDecode] = frozenset()
    # A SQLite file (Path) or a PostgreSQL URL (str, postgresql://...).  Not in the repr:
    # a URL may carry a password.
    db: Path | str = Field(default=Path("newsbot.sqlite3"), repr=False)
    api_url: str = TELEGRAM_API_URL
    timezone: str = "Europe/Amsterdam"
    paid_broadcast: bool = False
    # Seconds an alert may wait to be sent (an outage, a backlog); older ones become
    # 'expired' instead of reaching readers late.
    alert_max_age: float = Field(default=86400.0, gt=0)
    feeds: Annotated[tuple[str, ...], NoDecode] = ()
    feed_interval: float = Field(default=300.0, ge=5.0)
    # The newsroom's channel (@name or -100... id): every new item is posted there.
    channel: str | None = None
    # Production (docs/operations.md): webhook mode when a URL is set, else polling.
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1:8080"
    webhook_secret: SecretStr | None = None
    metrics_listen: str | None = None
    # /healthz turns 503 when Telegram has not answered for this many seconds.
    health_window: float = Field(default=300.0, gt=0)
    log_format: Literal["text", "json"] = "text"

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            ids = []
            for part in parts:
                if not part.lstrip("-").isdigit():
                    raise ValueError(f"{part!r} is geen Telegram-gebruikers-id (alleen cijfers)")
                ids.append(int(part))
            return frozenset(ids)
        return value

    @field_validator("feeds", mode="before")
    @classmethod
    def _split_feeds(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(u for u in (p.strip() for p in value.replace(",", " ").split()) if u)
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"onbekende tijdzone {value!r} (bijv. Europe/Amsterdam)") from None
        return value

    @field_validator("db", mode="before")
    @classmethod
    def _database(cls, value: object) -> Path | str:
        if isinstance(value, str) and "://" in value:
            return _postgres_url(value)
        if not isinstance(value, str | os.PathLike):
            raise ValueError("verwacht een bestandsnaam of een postgresql://-URL")
        # Expanded here, once: every user of the setting (open, backup, copy) then gets
        # the file the check was made for, not a folder literally named "~".
        path = Path(value).expanduser()
        folder = path.resolve().parent
        if not folder.is_dir():
            raise ValueError(f"map {folder} bestaat niet")
        if not os.access(folder, os.W_OK):
            raise ValueError(f"map {folder} is niet schrijfbaar")
        return path

    @property
    def db_label(self) -> str:
        """The database for logs: a file path, or the URL without its password."""
        if isinstance(self.db, Path):
            return str(self.db)
        return _redact(self.db)

    @field_validator("api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("moet met http:// of https:// beginnen")
        return value.rstrip("/")

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not re.fullmatch(r"@[A-Za-z][A-Za-z0-9_]{3,31}|-100\d{6,}", value):
            raise ValueError("verwacht @kanaalnaam of een kanaal-id als -1001234567890")
        return value

    @field_validator("token", "webhook_url", "metrics_listen", "webhook_secret", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # `NEWSBOT_WEBHOOK_URL=` or `NEWSBOT_TOKEN=` (as .env.example ships them) means
        # "not set": `newsbot run` then explains how to get a token.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value.strip())
        # Telegram itself wants https; a self-hosted Bot API server also posts to http.
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("moet een volledige https://-URL zijn (bijv. https://bot.example.nl/tg)")
        return value.strip()

    @field_validator("webhook_listen", "metrics_listen")
    @classmethod
    def _listen(cls, value: str | None) -> str | None:
        if value is not None:
            parse_listen(value)
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _SECRET_RE.fullmatch(value.get_secret_value()):
            raise ValueError("1 tot 256 tekens uit A-Z, a-z, 0-9, _ en -")
        return value

    @property
    def webhook_path(self) -> str:
        """The path of the webhook URL: the bot's own server answers there."""
        return (urlsplit(self.webhook_url).path or "/") if self.webhook_url else "/"

    @property
    def bot_base_url(self) -> str:
        """The URL PTB appends the token to: `<api_url>/bot`."""
        return self.api_url if self.api_url.endswith("/bot") else self.api_url + "/bot"

    @property
    def file_base_url(self) -> str:
        return self.bot_base_url.removesuffix("/bot") + "/file/bot"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _postgres_url(value: str) -> str:
    """A usable PostgreSQL URL, or a ValueError that says what is wrong (never the password)."""
    parts = urlsplit(value)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ValueError(
            f"{parts.scheme}:// wordt niet ondersteund: een bestandsnaam (SQLite) of"
            " postgresql://gebruiker@host:5432/database"
        )
    try:
        parts.port  # noqa: B018 (raises on a non-numeric port)
    except ValueError:
        raise ValueError("de poort in de postgresql://-URL is geen getal") from None
    if not parts.hostname and "host=" not in parts.query:
        raise ValueError("de postgresql://-URL mist een host (postgresql://gebruiker@host/db)")
    if not parts.path.strip("/"):
        raise ValueError("de postgresql://-URL mist de database (…@host:5432/newsbot)")
    return value


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(":" + parts.password + "@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


# Pydantic's own messages are English; these are the ones an operator meets.
_DUTCH = {
    "bool_parsing": "verwacht true of false",
    "float_parsing": "verwacht een getal",
    "greater_than_equal": "getal is te klein",
    "greater_than": "getal is te klein",
    "literal_error": "verwacht text of json",
}


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning a validation error into one line per bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = "NEWSBOT_" + str(error["loc"][0]).upper() if error["loc"] else "NEWSBOT_?"
            message = _DUTCH.get(error["type"], str(error["msg"]).removeprefix("Value error, "))
            lines.append(f"{name}: {message}")
        raise SettingsError("; ".join(lines)) from None
