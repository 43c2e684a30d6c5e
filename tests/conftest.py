"""Fixtures: one fresh, migrated database per run (SQLite, or MariaDB through
TEST_DATABASE_URL), an app with its lifespan, an HTTP client and users."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio._core._fileio  # noqa: F401 - see below
import httpx
import pytest

from api.config.settings import Settings
from api.main import create_app
from tests.support import database as db
from tests.support.services import require_mysql

# anyio ships a pytest plugin, so pytest rewrites every anyio module it imports. Imported
# lazily deep inside a request (FileResponse), that rewrite has hit a CPython 3.11
# "AST constructor recursion depth mismatch"; importing it here, shallow, avoids it.

PASSWORD = "Correct-Horse-9"


def pytest_report_header(config: pytest.Config) -> str:
    return f"database: {os.environ.get('TEST_DATABASE_URL') or 'sqlite (temporary file)'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url and db.is_mysql(url):
        require_mysql(url)
        db.run(db.recreate_mysql_database(url))
    else:
        url = db.sqlite_url(tmp_path_factory.mktemp("db") / "test.db")
    db.migrate(url)
    return url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        environment="test",
        secret_key=secrets.token_urlsafe(48),
        upload_dir=tmp_path / "uploads",
        log_dir=tmp_path / "logs",
        redis_url=None,
        enable_test_pipelines=True,
        privacy_sweep_seconds=0,  # no scheduled job a test did not ask for
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def own_database_settings(settings: Settings, tmp_path: Path) -> Settings:
    """`settings` with a SQLite database of this test's own (MariaDB: the shared one).

    For tests that run an app in a TestClient's thread: its event loop ends with the
    test, and a connection it leaves behind mid-transaction would hold SQLite's write
    lock on the shared file while later tests wait on it."""
    if not db.is_mysql(settings.database_url):
        url = db.sqlite_url(tmp_path / "own.db")
        db.migrate(url)
        return settings.model_copy(update={"database_url": url})
    return settings


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        await db.truncate_all(application.state.engine)
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


UserFactory = Callable[..., Awaitable[dict[str, str]]]


@pytest.fixture
def make_user(client: httpx.AsyncClient) -> UserFactory:
    """Register a user and return auth headers (plus `id` and `email`)."""
    counter = iter(range(1_000_000))

    async def factory(email: str | None = None) -> dict[str, str]:
        email = email or f"user{next(counter)}-{secrets.token_hex(3)}@example.com"
        reg = await client.post(
            "/api/v1/auth/register",
            json={"email": email, "password": PASSWORD, "full_name": "Test User"},
        )
        assert reg.status_code == 201, reg.text
        tok = await client.post(
            "/api/v1/auth/token", data={"username": email, "password": PASSWORD}
        )
        assert tok.status_code == 200, tok.text
        return {
            "Authorization": f"Bearer {tok.json()['access_token']}",
            "id": reg.json()["id"],
            "email": email,
        }

    return factory


def auth(headers: dict[str, str]) -> dict[str, str]:
    """Only the Authorization header of a make_user() result."""
    return {"Authorization": headers["Authorization"]}


@pytest.fixture
def repo_root() -> Iterator[Path]:
    yield Path(__file__).resolve().parents[1]


def pytest_unconfigure(config: pytest.Config) -> None:
    """End the process pool's fork server, and with it (parent-death signal) any pool
    process an app left running: the interpreter's exit waits for pools' threads."""
    import multiprocessing.forkserver
    import signal

    server = getattr(multiprocessing.forkserver, "_forkserver", None)
    pid = getattr(server, "_forkserver_pid", None)
    if pid:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
