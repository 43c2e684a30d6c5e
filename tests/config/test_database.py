"""The engine's pool: a connection is pinged only after idling, a dead one is replaced,
and a request's session costs one rollback at most."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.config import database
from api.config.settings import Settings
from api.entity.user import User


class Calls:
    """Counts calls of one dialect method (e.g. do_ping), passing them through."""

    def __init__(self, engine: AsyncEngine, name: str, *, fail_first: bool = False) -> None:
        self.count = 0
        self.fail_first = fail_first
        dialect = engine.sync_engine.dialect
        self._original = getattr(dialect, name)
        setattr(dialect, name, self)

    def __call__(self, *args: Any) -> Any:
        self.count += 1
        if self.fail_first and self.count == 1:
            raise ConnectionError("the server closed this connection")
        return self._original(*args)


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    made = database.create_engine(settings)
    yield made
    await made.dispose()


async def _select_one(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT 1"))).scalar_one())


async def test_a_connection_back_in_the_pool_moments_ago_is_not_pinged(
    engine: AsyncEngine,
) -> None:
    await _select_one(engine)
    pings = Calls(engine, "do_ping")
    for _ in range(5):
        assert await _select_one(engine) == 1
    assert pings.count == 0


async def test_a_connection_idle_past_a_second_is_pinged_first(engine: AsyncEngine) -> None:
    await _select_one(engine)
    pings = Calls(engine, "do_ping")
    await asyncio.sleep(database.IDLE_PING_SECONDS + 0.2)
    assert await _select_one(engine) == 1
    assert pings.count == 1


async def test_an_idle_connection_that_died_is_replaced_without_an_error(
    engine: AsyncEngine,
) -> None:
    await _select_one(engine)
    pings = Calls(engine, "do_ping", fail_first=True)
    await asyncio.sleep(database.IDLE_PING_SECONDS + 0.2)
    assert await _select_one(engine) == 1  # the pool reconnected behind the failed ping
    assert pings.count == 1


@pytest.mark.mysql_only
async def test_a_connection_the_server_killed_while_idle_is_replaced(
    engine: AsyncEngine, settings: Settings
) -> None:
    if engine.dialect.name not in {"mysql", "mariadb"}:
        pytest.skip("the server kills connections only on MariaDB/MySQL")
    async with engine.connect() as conn:
        victim = (await conn.execute(text("SELECT CONNECTION_ID()"))).scalar_one()
    other = database.create_engine(settings)
    try:
        async with other.connect() as conn:
            await conn.execute(text(f"KILL {int(victim)}"))
    finally:
        await other.dispose()
    await asyncio.sleep(database.IDLE_PING_SECONDS + 0.2)
    async with engine.connect() as conn:
        now = (await conn.execute(text("SELECT CONNECTION_ID()"))).scalar_one()
    assert now != victim


async def test_a_read_costs_one_rollback_and_a_commit_none(engine: AsyncEngine) -> None:
    sessions = database.create_sessionmaker(engine)
    await _select_one(engine)
    rollbacks = Calls(engine, "do_rollback")
    async for session in database.session_scope(sessions):
        await session.scalar(select(User.id).limit(1))
    assert rollbacks.count == 1
    async for session in database.session_scope(sessions):
        await session.scalar(select(User.id).limit(1))
        await session.commit()
    assert rollbacks.count == 1  # committed: nothing left to roll back on the way out
