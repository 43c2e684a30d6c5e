"""Two worker processes, one schedule: the periodic job runs once per period, not twice."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from api.config.settings import Settings
from api.entity.job import Job, JobEvent
from tests.support import processes

pytestmark = [pytest.mark.slow, pytest.mark.mysql_only]
PERIODS = 4


async def _count(app: Any, stmt: Any) -> int:
    async with app.state.sessionmaker() as session:
        return int(await session.scalar(stmt) or 0)


async def test_two_workers_run_a_periodic_job_once_per_period(
    app: Any, settings: Settings, tmp_path: Path
) -> None:
    env = processes.app_env(
        database_url=settings.database_url,
        folder=tmp_path,
        SECRET_KEY=settings.secret_key.get_secret_value(),
        JOB_POLL_SECONDS="0.2",
        ENABLE_TEST_PIPELINES="true",
        CVMATCH_EXTRA_PIPELINES="tests.jobs.schedules",
    )
    workers = [processes.worker(env, tmp_path / f"worker{n}.log") for n in range(2)]
    done = (
        select(func.count())
        .select_from(Job)
        .where(Job.pipeline == "tick", Job.status == "succeeded")
    )
    try:
        deadline = time.monotonic() + 120
        while await _count(app, done) < PERIODS:
            assert time.monotonic() < deadline, "the schedule did not run"
            assert all(w.proc.poll() is None for w in workers), workers[0].tail()
            await asyncio.sleep(0.2)
    finally:
        for worker in workers:
            worker.stop()
    async with app.state.sessionmaker() as session:
        keys = list(await session.scalars(select(Job.schedule_key).where(Job.pipeline == "tick")))
        runs = await session.execute(
            select(JobEvent.job_id, func.count())
            .where(JobEvent.type == "job.log", JobEvent.message.like("tick %"))
            .group_by(JobEvent.job_id)
        )
        per_job = dict(runs.all())
    periods = [int(str(key).rsplit(":", 1)[1]) for key in keys]
    assert len(periods) == len(set(periods)) >= PERIODS  # one job per period
    assert sorted(per_job.values()) == [1] * len(per_job)  # each ran once
    assert max(periods) - min(periods) >= PERIODS - 1
    for worker in workers:  # both processes were scheduling
        assert "scheduler started: tick" in worker.output(), worker.tail()
        assert "scheduler tick failed" not in worker.output()
