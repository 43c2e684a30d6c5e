"""An app built with overridden settings, and clients for it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from api.config.settings import Settings
from api.main import create_app
from tests.conftest import PASSWORD
from tests.support import database as db

ClientFactory = Callable[..., contextlib.AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def client_with(settings: Settings) -> ClientFactory:
    """`async with client_with(max_body_kb=1) as client:` an app with those settings."""

    @contextlib.asynccontextmanager
    async def factory(
        client_addr: tuple[str, int] = ("127.0.0.1", 50000), **overrides: Any
    ) -> AsyncIterator[httpx.AsyncClient]:
        custom = settings.model_copy(update=overrides)
        app = create_app(custom)
        async with app.router.lifespan_context(app):
            await db.truncate_all(app.state.engine)
            transport = httpx.ASGITransport(app=app, client=client_addr)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                c.app = app  # type: ignore[attr-defined]
                yield c

    return factory


async def register(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    """Register and log in; the Authorization header."""
    reg = await client.post(
        "/api/v1/auth/register", json={"email": email, "password": PASSWORD, "full_name": "T"}
    )
    assert reg.status_code == 201, reg.text
    tok = await client.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD})
    assert tok.status_code == 200, tok.text
    return {"Authorization": f"Bearer {tok.json()['access_token']}"}
