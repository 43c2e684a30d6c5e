"""The database's clock and transaction retries shared by the job engine.

Lease expiry is judged by one clock: `UTC_TIMESTAMP(6)` on MySQL/MariaDB, so hosts
with skewed clocks agree; on SQLite (one host) the process clock is the same thing.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import ColumnElement, func, literal, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from api.core.errors import is_connection_error
from api.entity.base import Timestamp, utcnow

logger = logging.getLogger(__name__)
T = TypeVar("T")

#: MySQL deadlock / lock wait timeout; SQLite busy
_RETRYABLE_MYSQL = {1205, 1213}


def is_mysql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name in {"mysql", "mariadb"}


def now_sql(session: AsyncSession, plus_seconds: float = 0.0) -> ColumnElement[datetime]:
    """`now (+ plus_seconds)` as an SQL expression on the database's clock."""
    if is_mysql(session):
        if not plus_seconds:
            return func.utc_timestamp(6)
        micros = int(plus_seconds * 1_000_000)
        return func.date_add(func.utc_timestamp(6), text(f"INTERVAL {micros} MICROSECOND"))
    return literal(utcnow() + timedelta(seconds=plus_seconds), Timestamp)


async def db_now(session: AsyncSession) -> datetime:
    """The database's current UTC time (naive)."""
    if not is_mysql(session):
        return utcnow()
    value = await session.scalar(text("SELECT UTC_TIMESTAMP(6)"))
    assert isinstance(value, datetime)
    return value


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
