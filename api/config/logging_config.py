"""Logging through dictConfig: console plus a rotating `logs/app.log`, JSON lines on demand.

Secrets never reach a log line: a filter redacts `token=`, `sig=`, `password=`,
`api_key=` values and bearer tokens in every record, whoever logged it; another keeps
personal data out (`log_privacy`).
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from api.config.log_privacy import PersonalDataFilter
from api.config.settings import Settings

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

_SECRET_RE = re.compile(
    r"(?i)((?:access_)?token|sig|password|api[_-]?key|secret)(=|%3D)([^&\s\"']+)"
)
_BEARER_RE = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")


def redact(text: str) -> str:
    """Replace secret values in a URL, query string or free text with `***`."""
    text = _SECRET_RE.sub(r"\1\2***", text)
    return _BEARER_RE.sub(r"\1***", text)


class RedactFilter(logging.Filter):
    """Adds the request id and scrubs secrets from the final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for key in ("method", "path", "status", "duration_ms", "client"):
            if hasattr(record, key):
                payload[key] = getattr(record, key)
        if record.exc_text:  # set, and scrubbed, by PersonalDataFilter
            payload["exc"] = record.exc_text
        elif record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


def configure_logging(settings: Settings) -> None:
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    formatter = "json" if settings.log_json else "text"
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "filters": {
                "redact": {"()": RedactFilter},
                "personal": {"()": PersonalDataFilter},
            },
            "formatters": {
                "text": {
                    "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
                },
                "json": {"()": JsonFormatter},
            },
            "handlers": {
                "console": {
                    "class": "logging.StreamHandler",
                    "formatter": formatter,
                    "filters": ["redact", "personal"],
                },
                "file": {
                    "class": "logging.handlers.RotatingFileHandler",
                    "filename": str(settings.log_dir / "app.log"),
                    "maxBytes": 10 * 1024 * 1024,
                    "backupCount": 5,
                    "encoding": "utf-8",
                    "formatter": formatter,
                    "filters": ["redact", "personal"],
                },
            },
            "root": {"level": settings.log_level.upper(), "handlers": ["console", "file"]},
            "loggers": {
                # uvicorn's own access log prints raw query strings; ours is redacted
                "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
                "uvicorn.error": {"level": settings.log_level.upper(), "propagate": True},
                "uvicorn": {"handlers": [], "propagate": True},
                "sqlalchemy.engine": {"level": "WARNING"},
            },
        }
    )
