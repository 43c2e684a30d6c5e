"""Multi-process job tests: the test process serves HTTP only; workers run the units."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from api.config.settings import Settings

REPO = Path(__file__).resolve().parents[2]
EXTRA = "tests.jobs.pipelines"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No dispatcher in the test process: only the worker subprocesses claim units."""
    return settings.model_copy(
        update={"enable_dispatcher": False, "lease_seconds": 3.0, "extra_pipelines": [EXTRA]}
    )


WorkerFactory = Callable[[], subprocess.Popen[bytes]]


@pytest.fixture
def start_worker(settings: Settings, tmp_path: Path) -> Iterator[WorkerFactory]:
    """Start `python -m api.worker` subprocesses; every one is killed at teardown."""
    procs: list[subprocess.Popen[bytes]] = []
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "ENVIRONMENT": "test",
        "SECRET_KEY": settings.secret_key.get_secret_value(),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "LOG_DIR": str(tmp_path / "logs"),
        "LEASE_SECONDS": "6",
        "JOB_POLL_SECONDS": "0.2",
        "WORKER_CONCURRENCY": "4",
        "GRACEFUL_TIMEOUT_SECONDS": "5",
        "ENABLE_TEST_PIPELINES": "true",
        "CVMATCH_EXTRA_PIPELINES": EXTRA,
    }
    env.pop("REDIS_URL", None)

    def start() -> subprocess.Popen[bytes]:
        log = open(tmp_path / f"worker{len(procs)}.log", "wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "api.worker"], cwd=REPO, env=env, stdout=log, stderr=log
        )
        procs.append(proc)
        return proc

    try:
        yield start
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        for log in sorted(tmp_path.glob("worker*.log")):  # shown when the test failed
            print(f"--- {log.name}\n{log.read_text(errors='replace')[-4000:]}")
