"""Multi-process job tests: the test process serves HTTP only; workers run the units."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from api.config.settings import Settings
from tests.support import processes

EXTRA = "tests.jobs.pipelines"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No dispatcher in the test process: only the worker subprocesses claim units."""
    return settings.model_copy(
        update={"enable_dispatcher": False, "lease_seconds": 3.0, "extra_pipelines": [EXTRA]}
    )


#: `start_worker(**env)`: one more worker, with `env` added to the shared environment
WorkerFactory = Callable[..., processes.Process]


@pytest.fixture
def start_worker(settings: Settings, tmp_path: Path) -> Iterator[WorkerFactory]:
    """Start `python -m api.worker` subprocesses; every one is killed at teardown."""
    started: list[processes.Process] = []
    env = processes.app_env(
        database_url=settings.database_url,
        folder=tmp_path,
        SECRET_KEY=settings.secret_key.get_secret_value(),
        LEASE_SECONDS="6",
        JOB_POLL_SECONDS="0.2",
        WORKER_CONCURRENCY="4",
        GRACEFUL_TIMEOUT_SECONDS="5",
        ENABLE_TEST_PIPELINES="true",
        CVMATCH_EXTRA_PIPELINES=EXTRA,
    )

    def start(**extra: str) -> processes.Process:
        log = tmp_path / f"worker{len(started)}.log"
        started.append(processes.worker({**env, **extra}, log))
        return started[-1]

    try:
        yield start
    finally:
        for worker in started:
            worker.kill()
        for log in sorted(tmp_path.glob("worker*.log")):  # shown when the test failed
            print(f"--- {log.name}\n{log.read_text(errors='replace')[-4000:]}")
