"""Shared set-up for the intake and end-to-end benchmarks: a real server subprocess."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tests.support import database as db

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "Bench-Password-9"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare_database(url: str) -> None:
    if db.is_mysql(url):
        db.run(db.recreate_mysql_database(url))
    db.migrate(url)


def start_server(url: str, workdir: Path, **env: Any) -> tuple[subprocess.Popen[bytes], str]:
    """uvicorn on a free port with its own UPLOAD_DIR / LOG_DIR; waits for /health."""
    port = free_port()
    environ = {
        **os.environ,
        "DATABASE_URL": url,
        "UPLOAD_DIR": str(workdir / "uploads"),
        "LOG_DIR": str(workdir / "logs"),
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ENVIRONMENT": "test",
        "LOG_LEVEL": "WARNING",
        **{key.upper(): str(value) for key, value in env.items()},
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=REPO,
        env=environ,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        time.sleep(0.2)
    stop_server(proc)
    raise TimeoutError("the server did not start")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


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
