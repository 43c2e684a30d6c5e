"""One async engine per process, a session factory and the request dependency."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import PoolResetState

from api.config.settings import Settings

#: a pooled connection idle longer than this is pinged before use; a busier one is not
IDLE_PING_SECONDS = 1.0
_CHECKED_IN_AT = "cvmatch.checked_in_at"
#: MySQL's SERVER_STATUS_IN_TRANS bit, sent with every OK packet
_MYSQL_IN_TRANS = 0x0001


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA secure_delete=ON")  # erased rows are overwritten, not left in pages
    cursor.close()


def ping_idle_connections(engine: AsyncEngine, *, idle_seconds: float = IDLE_PING_SECONDS) -> None:
    """Pre-ping on checkout only a connection that sat in the pool over `idle_seconds`.

    `pool_pre_ping` pays a round trip on every checkout, i.e. on every request. A
    connection returned moments ago was alive moments ago; one that idled may have been
    closed by the server (restart, `wait_timeout`, a NAT) and is pinged. A failed ping
    makes the pool replace the connection (up to three tries), as pre-ping does.
    """
    sync_engine = engine.sync_engine
    dialect = sync_engine.dialect

    def checkin(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info[_CHECKED_IN_AT] = time.monotonic()

    def checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get(_CHECKED_IN_AT)
        if returned is None or time.monotonic() - returned <= idle_seconds:
            return  # fresh from connect(), or back in the pool only just now
        try:
            alive = dialect.do_ping(dbapi_conn)
        except Exception as exc:
            raise DisconnectionError("the pooled connection is gone") from exc
        if not alive:
            raise DisconnectionError("the pooled connection is gone")

    event.listen(sync_engine, "checkin", checkin)
    event.listen(sync_engine, "checkout", checkout)


def _in_transaction(dbapi_conn: Any) -> bool:
    """Whether the driver's connection has a transaction open (True when unknown)."""
    driver = getattr(dbapi_conn, "driver_connection", dbapi_conn)
    status = getattr(driver, "server_status", None)  # MySQL drivers: the server's own flag
    if isinstance(status, int):
        return bool(status & _MYSQL_IN_TRANS)
    flag = getattr(driver, "in_transaction", None)  # sqlite3 and aiosqlite
    return flag if isinstance(flag, bool) else True


def reset_only_open_transactions(engine: AsyncEngine) -> None:
    """Roll a connection back on its return to the pool only if a transaction is open.

    The pool's default reset rolls back on every check-in, although a session that
    committed, or closed its transaction, has already ended it: a second round trip
    per request. Engines are built with `pool_reset_on_return=None` and this reset.
    """

    dialect = engine.sync_engine.dialect

    def reset(dbapi_conn: Any, _record: Any, state: PoolResetState) -> None:
        if not state.asyncio_safe or state.transaction_was_reset:
            return  # no I/O possible here, or the connection rolled back just now
        if _in_transaction(dbapi_conn):
            dialect.do_rollback(dbapi_conn)

    event.listen(engine.sync_engine, "reset", reset)


def create_engine(settings: Settings) -> AsyncEngine:
    engine = _create_engine(settings)
    ping_idle_connections(engine)
    reset_only_open_transactions(engine)
    return engine


def _create_engine(settings: Settings) -> AsyncEngine:
    """Build the process's engine. SQLite gets WAL and foreign keys; MySQL gets a pool."""
    url = make_url(settings.database_url)
    if settings.is_sqlite:
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url,
            echo=settings.db_echo,
            hide_parameters=True,  # error messages and logs never echo row values
            pool_reset_on_return=None,  # see reset_only_open_transactions
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
        pool_reset_on_return=None,  # see reset_only_open_transactions
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
    """Yield one session; closing it rolls back whatever the use case did not commit.

    Only the close: it ends an open transaction with one rollback and the pool then
    skips its own reset, where a rollback before the close made the pool roll back a
    second time on check-in (two round trips per request instead of one).
    """
    async with factory() as session:
        yield session
