"""Scheduled jobs: one job per schedule and period, whoever asks and however often; the
next period waits while the last run is active; admins see them in the job list."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from api import jobs
from api.entity.base import utcnow
from api.entity.job import Job
from api.jobs.schedule import submit_due
from api.recruiting import user as user_service
from tests.conftest import UserFactory, auth
from tests.jobs.helpers import wait_job

JOBS = "/api/v1/jobs"
#: a period so long that no test straddles two of them
LONG = 10_000_000.0


async def _scheduled(app: Any, name: str) -> list[Job]:
    async with app.state.sessionmaker() as session:
        rows = await session.scalars(
            select(Job).where(Job.schedule_key.like(f"{name}:%")).order_by(Job.created_at)
        )
        return list(rows)


async def _admin(app: Any, make_user: UserFactory) -> dict[str, str]:
    made = await make_user()
    async with app.state.sessionmaker() as session:
        await user_service.set_admin(session=session, email=made["email"])
    return auth(made)


async def _submit(app: Any, schedule: jobs.Schedule, now: Any) -> Job | None:
    async with app.state.sessionmaker() as session:
        return await submit_due(session, app.state.job_queue, schedule, now)


async def test_concurrent_schedulers_submit_one_job_per_period(app: Any) -> None:
    schedule = jobs.Schedule("long-noop", "noop", LONG)
    schedulers = [
        jobs.Scheduler(queue=app.state.job_queue, sessionmaker=app.state.sessionmaker,
                       schedules=[schedule])
        for _ in range(4)
    ]  # fmt: skip
    made = 0
    for _ in range(3):
        batches = await asyncio.gather(*(scheduler.tick() for scheduler in schedulers))
        made += sum(len(batch) for batch in batches)
    found = await _scheduled(app, "long-noop")
    assert made == 1 and len(found) == 1
    assert found[0].owner_id is None and found[0].priority < 0


async def test_each_period_has_its_own_job(
    app: Any, client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    admin = await _admin(app, make_user)
    schedule = jobs.Schedule("daily-noop", "noop", 86400.0)
    now = utcnow()
    first = await _submit(app, schedule, now)
    assert first is not None and await _submit(app, schedule, now) is None
    assert (await wait_job(client, admin, first.id))["status"] == "succeeded"
    later = await _submit(app, schedule, now + timedelta(days=1))
    assert later is not None and later.schedule_key != first.schedule_key
    assert len(await _scheduled(app, "daily-noop")) == 2


async def test_a_period_waits_while_the_last_run_is_active(
    app: Any, client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    admin = await _admin(app, make_user)
    schedule = jobs.Schedule("slow", "sleep", 60.0, {"seconds": 30, "steps": 300})
    now = utcnow()
    running = await _submit(app, schedule, now)
    assert running is not None
    assert await _submit(app, schedule, now + timedelta(minutes=1)) is None
    cancelled = await client.post(f"{JOBS}/{running.id}/cancel", headers=admin)
    assert cancelled.status_code == 202, cancelled.text
    await wait_job(client, admin, running.id)
    assert await _submit(app, schedule, now + timedelta(minutes=2)) is not None


async def test_scheduled_jobs_are_listed_for_admins_only(
    app: Any, client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    job = await _submit(app, jobs.Schedule("listed", "noop", LONG), utcnow())
    assert job is not None
    user = auth(await make_user())
    refused = await client.get(JOBS, params={"scheduled": "true"}, headers=user)
    assert refused.status_code == 403 and refused.json()["error_code"] == "FORBIDDEN"
    assert job.id not in {j["id"] for j in (await client.get(JOBS, headers=user)).json()["items"]}
    assert (await client.get(f"{JOBS}/{job.id}", headers=user)).status_code == 404
    admin = await _admin(app, make_user)
    listed = await client.get(JOBS, params={"scheduled": "true"}, headers=admin)
    assert listed.status_code == 200
    assert [j["id"] for j in listed.json()["items"]] == [job.id]
    assert (await client.get(f"{JOBS}/{job.id}", headers=admin)).json()["pipeline"] == "noop"


async def test_the_scheduler_loop_submits_in_the_background(app: Any) -> None:
    scheduler = jobs.start_scheduler(
        queue=app.state.job_queue,
        sessionmaker=app.state.sessionmaker,
        schedules=[jobs.Schedule("background", "noop", LONG)],
    )
    assert scheduler is not None
    try:
        for _ in range(200):
            if await _scheduled(app, "background"):
                break
            await asyncio.sleep(0.05)
    finally:
        await jobs.stop_scheduler(scheduler)
    assert len(await _scheduled(app, "background")) == 1


async def test_no_scheduler_without_a_dispatcher(app: Any) -> None:
    queue = jobs.JobQueue(
        settings=app.state.settings.model_copy(update={"enable_dispatcher": False}),
        types=[],
        bus=app.state.bus,
    )
    schedules = [jobs.Schedule("never", "noop", LONG)]
    assert jobs.start_scheduler(queue=queue, sessionmaker=app.state.sessionmaker,
                                schedules=schedules) is None  # fmt: skip


async def test_the_scheduler_keeps_trying_while_the_database_is_away(
    app: Any, tmp_path: Any, caplog: Any
) -> None:
    away = create_async_engine(f"sqlite+aiosqlite:///{tmp_path}/missing/dir/db.sqlite")
    scheduler = jobs.start_scheduler(
        queue=app.state.job_queue,
        sessionmaker=async_sessionmaker(away),
        schedules=[jobs.Schedule("unreachable", "noop", LONG)],
    )
    assert scheduler is not None
    try:
        for _ in range(200):
            if "scheduler tick failed" in caplog.text:
                break
            await asyncio.sleep(0.05)
        assert "scheduler tick failed: OperationalError" in caplog.text
        assert scheduler._task is not None and not scheduler._task.done()  # still running
    finally:
        await jobs.stop_scheduler(scheduler)
        await away.dispose()
    assert await _scheduled(app, "unreachable") == []


def test_a_schedule_needs_a_positive_period() -> None:
    with pytest.raises(ValueError, match="positive"):
        jobs.Schedule("never", "noop", 0)
