"""A dead worker's units are resumed by another worker long before their lease ends;
a worker declared dead that comes back writes nothing; one job spreads over three
workers and an API process sharing the database and Redis.

The workers here hold 30 s leases and are declared dead after WORKER_DEAD_SECONDS (8 s):
a job that ends well inside the lease was recovered through the heartbeat."""

from __future__ import annotations

import signal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from api.entity.job import JobEvent, JobResult, JobUnit
from tests.conftest import PASSWORD, UserFactory, auth
from tests.jobs.helpers import all_events, wait_job
from tests.jobs.workers.conftest import WorkerFactory
from tests.jobs.workers.test_multiprocess import eventually, live_workers, progressed, query
from tests.support import processes
from tests.support.services import require_redis

pytestmark = pytest.mark.slow
JOBS = "/api/v1/jobs"
LONG_LEASE = {"LEASE_SECONDS": "30", "WORKER_DEAD_SECONDS": "8"}
#: well inside the 30 s lease: only the heartbeat can have recovered the units by then
WITHIN_THE_LEASE = 25.0


def detail_of(value: dict[str, Any]) -> tuple[int, int]:
    """(pid, attempt) of the run that wrote a `steps` result."""
    pid, attempt = value["detail"].split(":")
    return int(pid), int(attempt)


async def results(app: Any, job_id: str) -> dict[str, tuple[int, int]]:
    rows = await query(
        app, select(JobResult.key, JobResult.value).where(JobResult.job_id == job_id)
    )
    assert len(rows) == len({key for key, _ in rows})
    return {key: detail_of(value) for key, value in rows}


async def assert_log_ends_once(client: httpx.AsyncClient, user: dict[str, str], job: Any) -> None:
    events = await all_events(client, user, job["id"])
    assert [e["seq"] for e in events] == list(range(1, job["last_seq"] + 1))
    assert [e["type"] for e in events].count("job.status") == 3  # queued, running, the end
    assert events[-1]["type"] == "job.status" and events[-1]["status"] == "succeeded"


async def test_a_killed_workers_units_are_finished_by_another_within_the_lease(
    app: Any, client: httpx.AsyncClient, make_user: UserFactory, start_worker: WorkerFactory
) -> None:
    user = auth(await make_user())
    first = start_worker(**LONG_LEASE)
    body = {"pipeline": "steps", "params": {"units": 3, "steps": 20, "seconds": 6}}
    job = (await client.post(JOBS, json=body, headers=user)).json()
    await progressed(client, user, job["id"], 6)  # the first worker holds all three units
    second = start_worker(**LONG_LEASE)
    await live_workers(app, 2)
    first.signal(signal.SIGKILL)
    first.proc.wait(timeout=30)

    done = await wait_job(client, user, job["id"], within=WITHIN_THE_LEASE)
    assert done["status"] == "succeeded" and done["result"]["units"] == 3
    units = await query(app, select(JobUnit.attempts, JobUnit.status).where(
        JobUnit.job_id == job["id"]))  # fmt: skip
    assert units == [(2, "succeeded")] * 3
    written = await results(app, job["id"])
    assert len(written) == 60  # one result per unit and step, none lost
    assert {pid for pid, _ in written.values()} == {first.pid, second.pid}
    assert "its process stopped beating" in second.output()
    await assert_log_ends_once(client, user, done)


async def test_a_worker_resumed_after_it_was_declared_dead_writes_nothing(
    app: Any, client: httpx.AsyncClient, make_user: UserFactory, start_worker: WorkerFactory
) -> None:
    user = auth(await make_user())
    first = start_worker(**LONG_LEASE)
    body = {"pipeline": "steps", "params": {"units": 1, "steps": 40, "seconds": 16}}
    job = (await client.post(JOBS, json=body, headers=user)).json()
    await progressed(client, user, job["id"], 3)
    second = start_worker(**LONG_LEASE)
    await live_workers(app, 2)
    first.signal(signal.SIGSTOP)
    try:

        async def second_is_ahead() -> bool:
            written = await results(app, job["id"])
            return sum(pid == second.pid for pid, _ in written.values()) >= 5

        await eventually(second_is_ahead, within=WITHIN_THE_LEASE)
    finally:
        first.signal(signal.SIGCONT)  # still within its lease: only its heartbeat was old

    async def first_noticed() -> bool:
        return "lost its lease" in first.output()

    await eventually(first_noticed, within=30)
    done = await wait_job(client, user, job["id"], within=60)
    assert done["status"] == "succeeded"
    written = await results(app, job["id"])
    assert len(written) == 40
    steps = [written[f"u0000:s{step:04d}"] for step in range(40)]
    resumed = next(step for step, (pid, _) in enumerate(steps) if pid == second.pid)
    # the first run's results stop where it was stopped; it overwrote none of the second's
    assert steps[:resumed] == [(first.pid, 1)] * resumed
    assert steps[resumed:] == [(second.pid, 2)] * (40 - resumed)
    (unit,) = await query(app, select(JobUnit.attempts).where(JobUnit.job_id == job["id"]))
    assert unit == (2,)
    await assert_log_ends_once(client, user, done)


@pytest.mark.mysql_only
async def test_one_job_spreads_over_three_workers_and_an_api_on_shared_services(
    app: Any, settings: Any, tmp_path: Any, start_worker: WorkerFactory
) -> None:
    redis = {"REDIS_URL": require_redis(), "WORKER_CONCURRENCY": "2"}
    workers = [start_worker(**redis) for _ in range(3)]
    env = processes.app_env(
        database_url=settings.database_url, folder=tmp_path, ENABLE_DISPATCHER="false",
        ENABLE_TEST_PIPELINES="true", CVMATCH_EXTRA_PIPELINES="tests.jobs.pipelines", **redis,
    )  # fmt: skip
    api = processes.Server(env, tmp_path / "api.log")
    try:
        api.wait_healthy()
        await live_workers(app, 3)
        async with httpx.AsyncClient(base_url=api.url, timeout=30) as client:
            user = await _login(client)
            body = {"pipeline": "steps", "params": {"units": 24, "steps": 2, "seconds": 1}}
            job = (await client.post(JOBS, json=body, headers=user)).json()
            done = await wait_job(client, user, job["id"], within=120)
            assert done["status"] == "succeeded" and done["result"]["units"] == 24
            await assert_log_ends_once(client, user, done)
    finally:
        api.stop()
    written = await results(app, job["id"])
    assert len(written) == 48
    ran = {pid for pid, _ in written.values()}
    assert ran == {worker.pid for worker in workers}  # every worker took units
    attempts = await query(app, select(JobUnit.attempts, func.count()).where(
        JobUnit.job_id == job["id"]).group_by(JobUnit.attempts))  # fmt: skip
    assert attempts == [(1, 24)]  # nothing ran twice
    runs = await query(app, select(func.count()).where(
        JobEvent.job_id == job["id"], JobEvent.type == "job.log"))  # fmt: skip
    assert runs == [(24,)]


async def _login(client: httpx.AsyncClient) -> dict[str, str]:
    email = "spread@example.com"
    body = {"email": email, "password": PASSWORD, "full_name": "Spread"}
    assert (await client.post("/api/v1/auth/register", json=body)).status_code == 201
    token = await client.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD})
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}
