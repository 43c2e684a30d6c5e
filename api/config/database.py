"""One async engine per process, a session factory and the request dependency."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from api.config.settings import Settings


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA secure_delete=ON")  # erased rows are overwritten, not left in pages
    cursor.close()


def create_engine(settings: Settings) -> AsyncEngine:
    """Build the process's engine. SQLite gets WAL and foreign keys; MySQL gets a pool."""
    url = make_url(settings.database_url)
    if settings.is_sqlite:
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url,
            echo=settings.db_echo,
            hide_parameters=True,  # error messages and logs never echo row values
            pool_pre_ping=True,
            connect_args={"timeout": 30},
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # READ COMMITTED for every transaction: under InnoDB's default REPEATABLE READ an
    # UPDATE keeps next-key locks on every row it scans, which makes claims, flushes,
    # cancels and the recovery sweep deadlock each other. Set on the engine, not per
    # session, so no connection checkout pays a SET statement.
    return create_async_engine(
        url.update_query_dict({"charset": "utf8mb4"}),
        isolation_level="READ COMMITTED",
        echo=settings.db_echo,
        hide_parameters=True,
        pool_pre_ping=True,
        pool_recycle=settings.db_pool_recycle,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=10,
        connect_args={"connect_timeout": 5},
    )


def is_mysql(session: AsyncSession) -> bool:
    """The session talks to MySQL or MariaDB (else to SQLite)."""
    return session.get_bind().dialect.name in {"mysql", "mariadb"}


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def session_scope(
    factory: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """Yield one session; roll back whatever the use case did not commit."""
    async with factory() as session:
        try:
            yield session
        finally:
            if session.in_transaction():
                await session.rollback()
