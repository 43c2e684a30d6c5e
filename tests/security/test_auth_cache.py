"""The short in-process cache of authenticated accounts (AUTH_CACHE_SECONDS): a request
within the window reads no user row, and erasing an account or changing its admin or
active flag takes effect on the very next request."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event, update

from api.entity.user import User
from api.recruiting import user as user_service
from tests.security.conftest import ClientFactory, register


class UserReads:
    """Counts the statements that read the users table."""

    def __init__(self, app: Any) -> None:
        self.count = 0
        self._engine = app.state.engine.sync_engine
        event.listen(self._engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM users" in statement:
            self.count += 1

    def close(self) -> None:
        event.remove(self._engine, "before_cursor_execute", self._seen)


@pytest.fixture
def reads() -> Iterator[list[UserReads]]:
    made: list[UserReads] = []
    yield made
    for counter in made:
        counter.close()


async def _me(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    return (await client.get("/api/v1/auth/me", headers=headers)).status_code


async def test_a_second_request_within_the_window_reads_no_user_row(
    client_with: ClientFactory, reads: list[UserReads]
) -> None:
    async with client_with(auth_cache_seconds=30) as client:
        headers = await register(client, "cached@example.com")
        assert await _me(client, headers) == 200
        reads.append(counter := UserReads(client.app))  # type: ignore[attr-defined]
        for _ in range(3):
            assert await _me(client, headers) == 200
        assert counter.count == 0
        listed = await client.get("/api/v1/jobs", headers=headers)  # a session of its own
        assert listed.status_code == 200 and counter.count == 0


async def test_the_cached_account_expires(
    client_with: ClientFactory, reads: list[UserReads]
) -> None:
    async with client_with(auth_cache_seconds=0.2) as client:
        headers = await register(client, "expiring@example.com")
        assert await _me(client, headers) == 200
        reads.append(counter := UserReads(client.app))  # type: ignore[attr-defined]
        await asyncio.sleep(0.3)
        assert await _me(client, headers) == 200
        assert counter.count == 1


async def test_zero_turns_the_cache_off(client_with: ClientFactory, reads: list[UserReads]) -> None:
    async with client_with(auth_cache_seconds=0) as client:
        headers = await register(client, "uncached@example.com")
        reads.append(counter := UserReads(client.app))  # type: ignore[attr-defined]
        for _ in range(3):
            assert await _me(client, headers) == 200
        assert counter.count == 3


async def test_an_erased_account_is_refused_at_once(client_with: ClientFactory) -> None:
    async with client_with(auth_cache_seconds=30) as client:
        headers = await register(client, "erased@example.com")
        assert await _me(client, headers) == 200  # cached now
        assert (await client.delete("/api/v1/auth/me", headers=headers)).status_code == 204
        assert await _me(client, headers) == 401


async def test_admin_rights_granted_and_revoked_take_effect_at_once(
    client_with: ClientFactory,
) -> None:
    async with client_with(auth_cache_seconds=30) as client:
        headers = await register(client, "promoted@example.com")
        sessions = client.app.state.sessionmaker  # type: ignore[attr-defined]
        assert (await client.get("/api/v1/admin/audit", headers=headers)).status_code == 403
        async with sessions() as session:
            await user_service.set_admin(session=session, email="promoted@example.com")
        assert (await client.get("/api/v1/admin/audit", headers=headers)).status_code == 200
        async with sessions() as session:
            await user_service.set_admin(
                session=session, email="promoted@example.com", is_admin=False
            )
        assert (await client.get("/api/v1/admin/audit", headers=headers)).status_code == 403


async def test_a_deactivated_account_is_refused_at_once(client_with: ClientFactory) -> None:
    async with client_with(auth_cache_seconds=30) as client:
        headers = await register(client, "deactivated@example.com")
        assert await _me(client, headers) == 200
        sessions = client.app.state.sessionmaker  # type: ignore[attr-defined]
        async with sessions() as session:  # a bulk ORM update, not a loaded row
            await session.execute(
                update(User).where(User.email == "deactivated@example.com").values(is_active=False)
            )
            await session.commit()
        assert await _me(client, headers) == 401
