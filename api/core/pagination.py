"""Opaque keyset cursors: `(created_at, id)` pairs or `(score, id)` pairs, base64 JSON."""

from __future__ import annotations

import base64
import json
import math
from datetime import datetime
from typing import Any

from api.core.errors import ValidationFailedError
from api.core.limits import INT32_MAX

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def encode_cursor(*values: Any) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _usable(value: Any) -> bool:
    """A cursor value a query may compare with a column: text, or a bounded number."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) <= INT32_MAX
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, str)


def decode_cursor(cursor: str, size: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailedError("Invalid cursor", error_code="INVALID_CURSOR") from exc
    if not isinstance(values, list) or len(values) != size or not all(map(_usable, values)):
        raise ValidationFailedError("Invalid cursor", error_code="INVALID_CURSOR")
    return values


def decode_time_cursor(cursor: str) -> tuple[datetime, str]:
    """Decode a `(created_at, id)` cursor."""
    created, ident = decode_cursor(cursor, 2)
    try:
        return datetime.fromisoformat(str(created)), str(ident)
    except ValueError as exc:
        raise ValidationFailedError("Invalid cursor", error_code="INVALID_CURSOR") from exc
