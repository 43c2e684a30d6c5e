"""A real server in a subprocess (uvicorn, or gunicorn with uvicorn workers)."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "Correct-Horse-9"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/v1"

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextlib.contextmanager
def run_server(
    database_url: str,
    tmp: Path,
    *,
    workers: int = 0,
    env: dict[str, str] | None = None,
) -> Iterator[Server]:
    """`workers=0`: uvicorn; otherwise gunicorn with that many UvicornWorkers."""
    port = free_port()
    environ = {
        **os.environ,
        "DATABASE_URL": database_url,
        "UPLOAD_DIR": str(tmp / "uploads"),
        "LOG_DIR": str(tmp / "logs"),
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ENVIRONMENT": "test",
        "JOB_POLL_SECONDS": "0.2",
        "RATE_LIMIT_ENABLED": "false",
        **(env or {}),
    }
    if "REDIS_URL" not in (env or {}):
        environ.pop("REDIS_URL", None)
    if workers:
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "api.main:app",
            "-w",
            str(workers),
            "-k",
            "api.serve.Worker",
            "-b",
            f"127.0.0.1:{port}",
            "--graceful-timeout",
            "10",
        ]
    else:
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "api.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--timeout-graceful-shutdown",
            "10",
            "--ws-per-message-deflate",
            "false",
        ]
    log = tmp / f"server-{port}.log"
    with open(log, "wb") as out:
        # its own process group, so gunicorn's workers go with it (a killed master
        # would otherwise leave them serving, and claiming jobs, for later tests)
        proc = subprocess.Popen(
            cmd, cwd=REPO, env=environ, stdout=out, stderr=out, start_new_session=True
        )
    server = Server(proc, port, log)
    try:
        _wait_healthy(server)
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def _wait_healthy(server: Server, seconds: float = 240.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"server exited:\n{server.output()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.http}/health", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"server not healthy:\n{server.output()[-3000:]}")


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
