"""The live-push tests' server (started by tests.support.processes): uvicorn, or gunicorn
with uvicorn workers, in a process group of its own."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.support import processes

PASSWORD = "Correct-Horse-9"
Server = processes.Server


@contextlib.contextmanager
def run_server(
    database_url: str,
    tmp: Path,
    *,
    workers: int = 0,
    env: dict[str, str] | None = None,
) -> Iterator[Server]:
    """`workers=0`: uvicorn; otherwise gunicorn with that many UvicornWorkers.

    Its own process group, so gunicorn's workers go with it (a killed master would
    otherwise leave them serving, and claiming jobs, for later tests).
    """
    environ = processes.app_env(
        database_url=database_url, folder=tmp, JOB_POLL_SECONDS="0.2",
        RATE_LIMIT_ENABLED="false", **(env or {}),
    )  # fmt: skip
    if workers:
        options = ["--graceful-timeout", "10"]
    else:
        options = ["--timeout-graceful-shutdown", "10", "--ws-per-message-deflate", "false"]
    port = processes.free_port()
    server = Server(
        environ, tmp / f"server-{port}.log", options=options, workers=workers, port=port, group=True
    )
    try:
        server.wait_healthy(240)
        yield server
    finally:
        server.kill()


async def register(client: httpx.AsyncClient) -> tuple[str, str]:
    """A new user; returns (user id, access token)."""
    email = f"push-{secrets.token_hex(6)}@example.com"
    reg = await client.post(
        "/api/v1/auth/register",
        json={"email": email, "password": PASSWORD, "full_name": "Push Test"},
    )
    assert reg.status_code == 201, reg.text
    tok = await client.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD})
    assert tok.status_code == 200, tok.text
    return reg.json()["id"], tok.json()["access_token"]


async def submit_sleep(
    client: httpx.AsyncClient, token: str, *, seconds: float = 2.0, steps: int = 20
) -> str:
    resp = await client.post(
        "/api/v1/jobs",
        json={"pipeline": "sleep", "params": {"seconds": seconds, "steps": steps}},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert resp.status_code in (201, 202), resp.text
    return str(resp.json()["id"])
