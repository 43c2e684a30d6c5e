"""Real processes for fault, fuzz and push tests: an API server and a standalone worker."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.support.private_services import free_port

REPO = Path(__file__).resolve().parents[2]


def base_env(tmp: Path, database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CORS_ORIGINS"}}
    env.update(
        DATABASE_URL=database_url,
        UPLOAD_DIR=str(tmp / "uploads"),
        LOG_DIR=str(tmp / "logs"),
        SECRET_KEY=secrets.token_urlsafe(48),
        ENVIRONMENT="test",
        ENABLE_TEST_PIPELINES="true",
    )
    env.update(extra)
    return env


class Process:
    """A child process with its output in a log file; always `stop()` it in a finally."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                args, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    def signal(self, sig: int) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def stop(self, timeout: float = 30) -> int | None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        return self.proc.returncode


class ApiServer(Process):
    def __init__(self, env: dict[str, str], log: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "api.main:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--timeout-graceful-shutdown",
                "20",
            ],
            env,
            log,
        )

    def wait_healthy(self, timeout: float = 120) -> ApiServer:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited {self.proc.returncode}:\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"no /health within {timeout}s:\n{self.tail()}")


def worker(env: dict[str, str], log: Path) -> Process:
    return Process([sys.executable, "-m", "api.worker"], env, log)
