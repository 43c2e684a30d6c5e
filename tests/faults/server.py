"""The processes of the fault and fuzz tests (started by tests.support.processes): an API
server that gives running units 20 s on SIGTERM, and standalone workers."""

from __future__ import annotations

from pathlib import Path

from tests.support import processes

GRACEFUL = ("--timeout-graceful-shutdown", "20")


def base_env(tmp: Path, database_url: str, **extra: str) -> dict[str, str]:
    return processes.app_env(
        database_url=database_url, folder=tmp, ENABLE_TEST_PIPELINES="true", **extra
    )


def api_server(env: dict[str, str], log: Path) -> processes.Server:
    """uvicorn serving the API; call `wait_healthy()` before using it."""
    return processes.Server(env, log, options=GRACEFUL)
