"""Logging set-up: text or JSON lines, quiet HTTP libraries, and the token never in a line.

`NEWSBOT_LOG_FORMAT=json` writes one JSON object a line (time, level, logger, message and
any `extra=` fields) for a log collector; the same redaction runs first, and the extras are
redacted too, since they never pass through the message.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any, TextIO

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()
    | {"message", "asctime", "taskName"}
)


class RedactFilter(logging.Filter):
    """Replaces secrets in every record with `[REDACTED]` (defence in depth).

    The request backend never logs URLs, but a third-party library might put the
    API URL, which holds the token, into an exception message.
    """

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            # Format the traceback now so that it can be redacted too.
            message += "\n" + logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
            record.exc_text = None
        for secret in self.secrets:
            message = message.replace(secret, "[REDACTED]")
        record.msg, record.args = message, None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, extras."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        super().__init__()
        self.secrets = [s for s in secrets or [] if s]

    def _clean(self, value: Any) -> Any:
        if not isinstance(value, str | int | float | bool | type(None)):
            value = str(value)
        if isinstance(value, str):
            for secret in self.secrets:
                value = value.replace(secret, "[REDACTED]")
        return value

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:  # the redact filter has usually folded it into the message
            entry["message"] += "\n" + self.formatException(record.exc_info)
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = self._clean(value)
        entry["message"] = self._clean(entry["message"])
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(
    level: int = logging.INFO,
    secrets: list[str] | None = None,
    stream: TextIO | None = None,
    fmt: str = "text",
) -> None:
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        level=level,
        stream=stream,
        force=True,
    )
    if fmt == "json":
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter(secrets))
    # httpx logs every request URL at INFO, and the URL holds the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    redact = RedactFilter(secrets or [])
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
