"""Transactions the engine runs again after a deadlock, a lock timeout, a busy SQLite
file or a lost connection."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError

from api.core.errors import is_connection_error

logger = logging.getLogger(__name__)
T = TypeVar("T")

#: MySQL deadlock / lock wait timeout
_RETRYABLE_MYSQL = {1205, 1213}


def is_retryable(exc: BaseException) -> bool:
    """Deadlocks, lock timeouts, a busy SQLite file and lost connections."""
    if is_connection_error(exc):
        return True
    if isinstance(exc, OperationalError) and "database is locked" in str(exc):
        return True
    if isinstance(exc, DBAPIError) and exc.orig is not None and exc.orig.args:
        return exc.orig.args[0] in _RETRYABLE_MYSQL
    return False


async def retrying(
    action: Callable[[], Awaitable[T]], *, what: str, attempts: int = 6, base: float = 0.05
) -> T:
    """Run `action` (one whole transaction) again after a retryable database error."""
    for attempt in range(1, attempts + 1):
        try:
            return await action()
        except Exception as exc:
            if attempt == attempts or not is_retryable(exc):
                raise
            delay = min(base * 2 ** (attempt - 1), 2.0) * (0.5 + random.random())
            logger.info("%s: retry %s after %s", what, attempt, type(exc).__name__)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")
