"""Fixtures for the browser test: Debian's chromium through Playwright, and a real
server process (uvicorn) on a fresh database."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import processes

REPO = processes.REPO
CHROMIUM = "/usr/bin/chromium"
#: the environment of the server `server_url` started (empty for E2E_BASE_URL): tests
#: run the service's command line against the same database with it
SERVER_ENV: dict[str, str] = {}
INSTALL_HINT = "install with: apt-get install -y chromium && pip install playwright"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _unavailable(reason: str) -> None:
    """Skip locally; on CI a missing browser is a failure, not a skip."""
    message = f"{reason}; {INSTALL_HINT}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


#: module scope: Playwright's sync API holds an event loop on the main thread while it
#: runs, so it must be gone before the next module's asyncio tests start
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is missing")
    if not Path(CHROMIUM).exists():
        _unavailable(f"{CHROMIUM} is missing")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def _database_url(tmp: Path) -> str:
    """E2E_DATABASE_URL; in the MariaDB pass (TEST_DATABASE_URL) a fresh database of the
    browser tests' own next to the suite's; SQLite otherwise."""
    if os.environ.get("E2E_DATABASE_URL"):
        return os.environ["E2E_DATABASE_URL"]
    mysql = os.environ.get("TEST_DATABASE_URL", "")
    if mysql.startswith("mysql"):
        import asyncio

        from sqlalchemy.engine import make_url

        from tests.support.database import recreate_mysql_database

        url = make_url(mysql)
        url = url.set(database=f"{url.database}_e2e")
        rendered = url.render_as_string(hide_password=False)
        asyncio.run(recreate_mysql_database(rendered))
        return rendered
    return f"sqlite+aiosqlite:///{tmp}/e2e.db"


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real server: migrated with alembic, run by uvicorn in a subprocess.

    `E2E_DATABASE_URL` selects another database (in the MariaDB pass of `make test`,
    a database of its own on that server); `E2E_BASE_URL`
    points the test at a server that is already running instead. The server's log
    is kept as `test-artifacts/e2e-server.log`.
    """
    if os.environ.get("E2E_BASE_URL"):
        yield os.environ["E2E_BASE_URL"].rstrip("/")
        return
    tmp = tmp_path_factory.mktemp("e2e")
    port = processes.free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = processes.app_env(
        database_url=_database_url(tmp),
        folder=tmp,
        ENVIRONMENT="development",
        BASE_URL=base_url,
    )
    SERVER_ENV.update(env)
    migrate = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if migrate.returncode != 0:
        pytest.fail(f"alembic upgrade head failed:\n{migrate.stdout}\n{migrate.stderr}")
    log = tmp / "server.log"
    server = processes.Server(env, log, port=port)
    try:
        try:
            server.wait_healthy(180)
        except (RuntimeError, TimeoutError) as exc:
            pytest.fail(str(exc))
        yield base_url
    finally:
        server.stop(timeout=15)
        artifacts = REPO / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        (artifacts / "e2e-server.log").write_text(log.read_text(errors="replace"))
        if os.environ.get("E2E_SHOW_SERVER_LOG"):
            print(log.read_text(errors="replace")[-8000:])
