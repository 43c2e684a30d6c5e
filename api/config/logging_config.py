"""Logging through dictConfig: console plus a rotating `logs/app.log`, JSON lines on demand.

Secrets never reach a log line. Names are judged after decoding, as the app reads them
(`?%74oken=` is the parameter `token`):
- the access line logs the query string as parsed, every secret-bearing value `***`;
- a filter scrubs every record, whoever logged it: `name=value` and `name: value` pairs
  whose decoded name bears a secret, bearer tokens, and anything shaped like a JWT or an
  API key, in the message and in the traceback.
Another filter keeps personal data out (`log_privacy`).
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

from api.config.log_privacy import PersonalDataFilter
from api.config.settings import Settings

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

MASK = "***"
#: exact names (after decoding, case folding and `-` -> `_`) whose values are secrets
_SECRET_NAMES = frozenset(
    {"sig", "signature", "authorization", "proxy_authorization", "cookie", "set_cookie", "key"}
)
#: name endings that bear secrets: token, access_token, metrics_token, new_password...
_SECRET_ENDINGS = ("token", "password", "passwd", "secret", "api_key", "apikey")
_PAIR_RE = re.compile(r"""([^\s?&=;,:"'<>]+)(=|%3[dD])([^&\s"';,]*)""")
_HEADER_RE = re.compile(r"([A-Za-z0-9_-]+)([ \t]*:[ \t]*)(\S[^\r\n]*)")
_QUOTED_RE = re.compile(r"""(["'])([A-Za-z0-9_-]+)\1(\s*:\s*)(["'])(?:\\.|(?!\4).)*\4""")
_BEARER_RE = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
#: secrets recognisable by their shape wherever they appear: JWTs and this API's keys
_SHAPES_RE = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*|cvm_[A-Za-z0-9_-]{16,}")


def is_secret_name(name: str) -> bool:
    """Whether a parameter or header of this name carries a secret, however it is encoded."""
    for _ in range(3):  # `%2574oken` decodes to `%74oken`, then to `token`
        decoded = unquote(name)
        if decoded == name:
            break
        name = decoded
    plain = name.strip().casefold().replace("-", "_")
    return plain in _SECRET_NAMES or plain.endswith(_SECRET_ENDINGS)


def redact_query(query: str) -> str:
    """A query string as the app parses it, with every secret-bearing value masked."""
    pairs = parse_qsl(query, keep_blank_values=True)
    return "&".join(
        f"{quote(name, safe='')}={MASK if is_secret_name(name) else quote(value, safe='/:,@')}"
        for name, value in pairs
    )


def redact_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Headers with the values of secret-bearing ones masked."""
    return [(name, MASK if is_secret_name(name) else value) for name, value in headers]


def _mask_pair(match: re.Match[str]) -> str:
    if not is_secret_name(match.group(1)):
        return match.group(0)
    return f"{match.group(1)}{match.group(2)}{MASK}"


def _mask_quoted(match: re.Match[str]) -> str:
    if not is_secret_name(match.group(2)):
        return match.group(0)
    quote_mark, value_mark = match.group(1), match.group(4)
    return f"{quote_mark}{match.group(2)}{quote_mark}{match.group(3)}{value_mark}{MASK}{value_mark}"


def redact(text: str) -> str:
    """Replace secret values in a URL, query string, header dump, JSON or free text."""
    text = _BEARER_RE.sub(rf"\1{MASK}", text)
    text = _QUOTED_RE.sub(_mask_quoted, text)
    text = _PAIR_RE.sub(_mask_pair, text)
    text = _HEADER_RE.sub(_mask_pair, text)
    return _SHAPES_RE.sub(MASK, text)


class RedactFilter(logging.Filter):
    """Adds the request id and scrubs secrets from the final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(_PLAIN.formatException(record.exc_info))
        return True


_PLAIN = logging.Formatter()


#: what uvicorn logs as an error with a traceback although the client caused it (a text
#: frame that is not UTF-8): a warning without one, or anyone could fill the error log
_CLIENT_FAULTS = frozenset({"Invalid UTF-8 sequence received from client."})


class ClientFaultFilter(logging.Filter):
    """On `uvicorn.error`: a client's protocol fault is a warning, not an error."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg in _CLIENT_FAULTS and record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info, record.exc_text = None, None
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
                "client_faults": {"()": ClientFaultFilter},
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
                "uvicorn.error": {
                    "level": settings.log_level.upper(),
                    "propagate": True,
                    "filters": ["client_faults"],
                },
                "uvicorn": {"handlers": [], "propagate": True},
                "sqlalchemy.engine": {"level": "WARNING"},
            },
        }
    )
