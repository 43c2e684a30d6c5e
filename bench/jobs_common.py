"""Shared set-up for the job benchmarks: a fresh database, bulk jobs, worker processes."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from api.entity.base import new_id, utcnow
from api.entity.job import Job, JobEvent, JobUnit, WorkerHeartbeat
from api.entity.user import User
from tests.support import database as db

REPO = Path(__file__).resolve().parents[1]
DEFAULT_URL = "mysql+aiomysql://root@127.0.0.1:3306/cvmatch_bench_jobs"
JOB_DEFAULTS: dict[str, Any] = {
    "priority": 0, "status": "queued", "progress": 0.0, "done": 0, "total": 0, "params": {},
    "max_attempts": 3, "max_execution_seconds": 3600, "cancel_requested": False, "last_seq": 1,
}  # fmt: skip
UNIT_DEFAULTS: dict[str, Any] = {
    "index": 0, "priority": 0, "payload": {}, "status": "queued", "attempts": 0, "done": 0,
    "total": 0,
}  # fmt: skip
EVENT_DEFAULTS: dict[str, Any] = {
    "seq": 1, "type": "job.status", "status": "queued", "progress": 0.0, "done": 0, "total": 0,
}  # fmt: skip


def prepare_database(url: str) -> None:
    if db.is_mysql(url):
        db.run(db.recreate_mysql_database(url))
    db.migrate(url)


async def make_owner(engine: AsyncEngine) -> str:
    owner = new_id()
    async with engine.begin() as conn:
        await conn.execute(
            insert(User).values(id=owner, email=f"{owner}@bench.test", full_name="Bench",
                                password_hash="x", is_admin=False, created_at=utcnow())
        )  # fmt: skip
    return owner


async def insert_jobs(
    engine: AsyncEngine,
    owner: str,
    count: int,
    pipeline: str = "noop",
    payload: dict[str, Any] | None = None,
) -> None:
    """`count` queued one-unit jobs with their first event, in one transaction."""
    now = utcnow()
    ids = [new_id() for _ in range(count)]
    async with engine.begin() as conn:
        await conn.execute(
            insert(Job),
            [{**JOB_DEFAULTS, "id": i, "owner_id": owner, "pipeline": pipeline,
              "created_at": now} for i in ids],
        )  # fmt: skip
        await conn.execute(
            insert(JobUnit),
            [{**UNIT_DEFAULTS, "job_id": i, "available_at": now, "created_at": now,
              "payload": payload or {}} for i in ids],
        )  # fmt: skip
        await conn.execute(
            insert(JobEvent),
            [{**EVENT_DEFAULTS, "job_id": i, "created_at": now} for i in ids],
        )  # fmt: skip


async def count_status(engine: AsyncEngine, status: str) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).where(Job.status == status)) or 0)


async def wait_count(engine: AsyncEngine, status: str, count: int, within: float = 600) -> None:
    deadline = time.monotonic() + within
    while await count_status(engine, status) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {await count_status(engine, status)} of {count} {status}")
        await asyncio.sleep(0.02)


async def wait_workers(engine: AsyncEngine, count: int, within: float = 600) -> None:
    deadline = time.monotonic() + within
    while True:
        async with engine.connect() as conn:
            n = int(await conn.scalar(select(func.count()).select_from(WorkerHeartbeat)) or 0)
        if n >= count:
            return
        if time.monotonic() > deadline:
            raise TimeoutError("workers did not start")
        await asyncio.sleep(0.1)


def start_workers(url: str, count: int, **env: Any) -> list[subprocess.Popen[bytes]]:
    """`count` `python -m api.worker` processes; `env` names settings (lower-case is fine)."""
    base = {
        **os.environ,
        "DATABASE_URL": url,
        "ENVIRONMENT": "test",
        "SECRET_KEY": "bench-secret-key-bench-secret-key-bench",
        "LOG_LEVEL": "WARNING",
        "LOG_DIR": "/tmp/cvmatch-bench-logs",
        "ENABLE_TEST_PIPELINES": "true",
        **{k.upper(): str(v) for k, v in env.items()},
    }
    return [
        subprocess.Popen([sys.executable, "-m", "api.worker"], cwd=REPO, env=base)
        for _ in range(count)
    ]


def stop_workers(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
