"""The database's clock, which judges lease expiry.

`UTC_TIMESTAMP(6)` on MySQL/MariaDB, so hosts with skewed clocks agree; on SQLite (one
host) the process clock is the same thing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, literal, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.config.database import is_mysql
from api.entity.base import Timestamp, utcnow


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
