"""Several worker processes on one database: exactly-once, spreading, crash and SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from api import jobs
from api.entity.base import utcnow
from api.entity.job import Job, JobEvent, JobResult, JobUnit, WorkerHeartbeat
from api.entity.user import User
from tests.conftest import UserFactory, auth
from tests.jobs.helpers import all_events, wait_job
from tests.jobs.workers.conftest import WorkerFactory

# several processes claiming at once: MariaDB's SKIP LOCKED path, the production setup
pytestmark = [pytest.mark.slow, pytest.mark.mysql_only]
JOBS = "/api/v1/jobs"


async def query(app: Any, stmt: Any) -> list[Any]:
    async with app.state.sessionmaker() as session:
        return list((await session.execute(stmt)).all())


async def eventually(check: Callable[[], Any], within: float = 240.0) -> None:
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.1)


async def live_workers(app: Any, count: int) -> None:
    async def ready() -> bool:
        rows = await query(app, select(WorkerHeartbeat.id))
        return len(rows) >= count

    await eventually(ready)


async def submit_many(app: Any, owner_id: str, count: int) -> None:
    async with app.state.sessionmaker() as session:
        owner = await session.get(User, owner_id)
        assert owner is not None
        for i in range(count):
            await jobs.submit_job(
                session=session, queue=app.state.job_queue, owner=owner,
                pipeline="steps", params={"tag": i},
            )  # fmt: skip


async def test_workers_share_the_queue_exactly_once(
    app: Any, client: httpx.AsyncClient, make_user: UserFactory, start_worker: WorkerFactory
) -> None:
    made = await make_user()
    user = auth(made)
    await submit_many(app, made["id"], 200)
    workers = [start_worker(), start_worker()]

    async def all_done() -> bool:
        rows = await query(app, select(func.count()).where(Job.status == "succeeded"))
        return bool(rows[0][0] == 200)

    await eventually(all_done, within=180)
    attempts = await query(app, select(JobUnit.attempts, func.count()).group_by(JobUnit.attempts))
    assert attempts == [(1, 200)]
    runs = await query(
        app,
        select(JobEvent.job_id, func.count())
        .where(JobEvent.type == "job.log")
        .group_by(JobEvent.job_id),
    )  # fmt: skip
    assert len(runs) == 200 and {n for _, n in runs} == {1}

    await live_workers(app, 2)
    body = {"pipeline": "steps", "params": {"units": 20, "steps": 4, "seconds": 0.8}}
    job = (await client.post(JOBS, json=body, headers=user)).json()
    done = await wait_job(client, user, job["id"], within=120)
    assert done["status"] == "succeeded" and done["result"]["units"] == 20
    details = await query(app, select(JobResult.value).where(JobResult.job_id == job["id"]))
    assert len(details) == 80
    pids = {value["detail"].split(":")[0] for (value,) in details}
    assert pids == {str(w.pid) for w in workers}

    body = {"pipeline": "steps", "params": {"units": 1, "steps": 300, "seconds": 30}}
    long = (await client.post(JOBS, json=body, headers=user)).json()
    await progressed(client, user, long["id"], 3)
    assert (await client.post(f"{JOBS}/{long['id']}/cancel", headers=user)).status_code == 202
    cancelled = await wait_job(client, user, long["id"], within=15)
    assert cancelled["status"] == "cancelled" and cancelled["result"]["partial"] is True
    assert 3 <= cancelled["result"]["results"] < 300


async def progressed(
    client: httpx.AsyncClient, headers: dict[str, str], job_id: str, steps: int
) -> None:
    async def far_enough() -> bool:
        body = (await client.get(f"{JOBS}/{job_id}", headers=headers)).json()
        return bool(body["done"] >= steps)

    await eventually(far_enough)


async def unit_of(app: Any, job_id: str) -> Any:
    rows = await query(app, select(JobUnit).where(JobUnit.job_id == job_id))
    return rows[0][0]


async def test_kill_9_then_another_process_completes(
    app: Any, client: httpx.AsyncClient, make_user: UserFactory, start_worker: WorkerFactory
) -> None:
    user = auth(await make_user())
    first = start_worker()
    body = {"pipeline": "steps", "params": {"units": 1, "steps": 40, "seconds": 8}}
    job = (await client.post(JOBS, json=body, headers=user)).json()
    await progressed(client, user, job["id"], 5)
    first.signal(signal.SIGKILL)
    first.proc.wait(timeout=30)
    start_worker()
    done = await wait_job(client, user, job["id"], within=120)
    assert done["status"] == "succeeded"
    assert (await unit_of(app, job["id"])).attempts == 2
    values = await query(
        app, select(JobResult.key, JobResult.value).where(JobResult.job_id == job["id"])
    )
    assert len(values) == 40 == len({key for key, _ in values})
    attempts = {value["detail"].split(":")[1] for _, value in values}
    assert attempts == {"1", "2"}  # the second attempt resumed from the checkpoint
    events = await all_events(client, user, job["id"])
    assert [e["seq"] for e in events] == list(range(1, done["last_seq"] + 1))
    assert events[-1]["type"] == "job.status" and events[-1]["status"] == "succeeded"


async def test_sigterm_releases_the_unit_to_another_process(
    app: Any, client: httpx.AsyncClient, make_user: UserFactory, start_worker: WorkerFactory
) -> None:
    user = auth(await make_user())
    first = start_worker()
    body = {"pipeline": "steps", "params": {"units": 1, "steps": 40, "seconds": 8}}
    job = (await client.post(JOBS, json=body, headers=user)).json()
    await progressed(client, user, job["id"], 5)
    first.signal(signal.SIGTERM)
    assert first.proc.wait(timeout=60) == 0
    released = await unit_of(app, job["id"])
    assert (released.status, released.attempts, released.lease_owner) == ("queued", 0, None)
    assert released.checkpoint["step"] >= 5
    start_worker()
    done = await wait_job(client, user, job["id"], within=120)
    assert done["status"] == "succeeded"
    assert (await unit_of(app, job["id"])).attempts == 1
    values = await query(app, select(JobResult.value).where(JobResult.job_id == job["id"]))
    assert len({value["detail"].split(":")[0] for (value,) in values}) == 2
    assert utcnow() > done_time(done)


def done_time(job: dict[str, Any]) -> Any:
    from datetime import datetime

    # responses carry `Z`; the database's clock is naive UTC
    return datetime.fromisoformat(job["finished_at"]).replace(tzinfo=None)


_ = subprocess
