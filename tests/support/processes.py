"""Real server and worker processes, for the tests and benchmarks that need them.

One way to start them all: `app_env()` builds the environment (this process's, without
REDIS_URL and CORS_ORIGINS, with its own database, folders and secret), `Server` runs
`api.main:app` under uvicorn (or gunicorn with uvicorn workers) on a free port and
waits for `/health`, `worker()` runs `python -m api.worker`. Output goes to a log file
(or to this process's output when none is given). Always `stop()` or `kill()` them in
a `finally`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WORKER = [sys.executable, "-m", "api.worker"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def app_env(*, database_url: str, folder: Path, **extra: str) -> dict[str, str]:
    """The environment of a server or worker: Redis and CORS origins only when given."""
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CORS_ORIGINS"}}
    env.update(
        DATABASE_URL=database_url,
        UPLOAD_DIR=str(folder / "uploads"),
        LOG_DIR=str(folder / "logs"),
        SECRET_KEY=secrets.token_urlsafe(48),
        ENVIRONMENT="test",
        # no scheduled privacy sweep: its job would join the jobs a test counts
        PRIVACY_SWEEP_SECONDS="0",
    )
    env.update(extra)
    return env


class Process:
    """A child process; with `group`, in a session of its own, stopped with its children."""

    def __init__(
        self, args: Sequence[str], env: dict[str, str], log: Path | None, *, group: bool = False
    ) -> None:
        self.log = log
        self.group = group
        out = log.open("ab") if log is not None else None
        try:
            self.proc = subprocess.Popen(
                list(args), cwd=REPO, env=env, stdout=out,
                stderr=subprocess.STDOUT if out is not None else None, start_new_session=group,
            )  # fmt: skip
        finally:
            if out is not None:
                out.close()  # the child has its own copy

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        """Everything the process wrote to its log so far."""
        if self.log is None or not self.log.exists():
            return ""
        return self.log.read_text(errors="replace")

    def tail(self, chars: int = 4000) -> str:
        return self.output()[-chars:]

    def signal(self, sig: int) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                if self.group:
                    os.killpg(self.proc.pid, sig)
                else:
                    self.proc.send_signal(sig)

    def stop(self, timeout: float = 30) -> int | None:
        """SIGTERM, then SIGKILL after `timeout`; returns the exit code."""
        self.signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        return self.proc.returncode

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        if self.group:  # the leader may be gone while its children are not
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)


def uvicorn(port: int, *options: str) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1",
            "--port", str(port), *options]  # fmt: skip


def gunicorn(port: int, workers: int, *options: str) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "api.main:app", "-w", str(workers),
            "-k", "api.serve.Worker", "-b", f"127.0.0.1:{port}", *options]  # fmt: skip


class Server(Process):
    """`api.main:app` on a free port: uvicorn, or gunicorn with `workers` uvicorn workers."""

    def __init__(
        self,
        env: dict[str, str],
        log: Path | None,
        *,
        options: Sequence[str] = (),
        workers: int = 0,
        port: int | None = None,
        group: bool = False,
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws = f"ws://127.0.0.1:{self.port}/api/v1"
        command = (
            gunicorn(self.port, workers, *options) if workers else uvicorn(self.port, *options)
        )
        super().__init__(command, env, log, group=group)

    def wait_healthy(self, timeout: float = 120) -> Server:
        """Poll `/health` until it answers 200; fail with the log's tail otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}:\n{self.tail()}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as answer:
                    if answer.status == 200:
                        return self
            time.sleep(0.1)
        raise TimeoutError(f"no /health within {timeout} s:\n{self.tail()}")


def worker(env: dict[str, str], log: Path | None) -> Process:
    """`python -m api.worker`: claims and runs units, serves no HTTP."""
    return Process(WORKER, env, log)
