"""Shared set-up for the intake and end-to-end benchmarks: a real server subprocess
(tests.support.processes), a fresh database, a user."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import httpx

from tests.support import database as db
from tests.support import processes

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "Bench-Password-9"


def prepare_database(url: str) -> None:
    if db.is_mysql(url):
        db.run(db.recreate_mysql_database(url))
    db.migrate(url)


def start_server(url: str, workdir: Path, **env: Any) -> processes.Server:
    """uvicorn on a free port with its own UPLOAD_DIR / LOG_DIR; waits for /health."""
    server = processes.Server(
        processes.app_env(
            database_url=url, folder=workdir, LOG_LEVEL="WARNING",
            **{key.upper(): str(value) for key, value in env.items()},
        ),
        None,
        options=["--log-level", "warning", "--no-access-log"],
    )  # fmt: skip
    try:
        return server.wait_healthy(600)
    except BaseException:
        server.stop()
        raise


def login(base: str) -> dict[str, str]:
    """Register a fresh user; return its Authorization header."""
    email = f"bench-{secrets.token_hex(4)}@example.com"
    httpx.post(
        f"{base}/api/v1/auth/register",
        json={"email": email, "password": PASSWORD, "full_name": "Bench"},
        timeout=120,
    ).raise_for_status()
    token = httpx.post(
        f"{base}/api/v1/auth/token", data={"username": email, "password": PASSWORD}, timeout=120
    )
    token.raise_for_status()
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def rss_bytes(pid: int) -> int:
    """Resident memory of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")
