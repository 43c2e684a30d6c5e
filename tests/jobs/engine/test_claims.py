"""Claiming units, leases and the recovery sweep, without a dispatcher."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from api import jobs
from api.entity.base import utcnow
from api.entity.job import Job, JobUnit, WorkerHeartbeat
from api.entity.user import User
from api.jobs.engine import claims
from tests.jobs.engine.conftest import WORKER, claim_all, events_of, job_row, submit, units_of


async def test_claims_take_the_highest_priority_then_the_oldest_unit(
    app: Any, engine_queue: jobs.JobQueue, owner: User
) -> None:
    async with app.state.sessionmaker() as session:
        made = [
            (await jobs.submit_job(session=session, queue=engine_queue, owner=owner,
                                   pipeline="t_units", params={"tag": i}, priority=priority))[0]
            for i, priority in enumerate([0, 5, 0])
        ]  # fmt: skip
    got = await claim_all(app, limit=2)
    assert [claim.job_id for claim in got] == [made[1].id, made[0].id]
    assert (await claim_all(app))[0].job_id == made[2].id


async def test_a_claim_leases_the_unit_and_starts_its_job_once(
    app: Any, engine_queue: jobs.JobQueue, owner: User
) -> None:
    job = await submit(app, engine_queue, owner, units=2)
    async with app.state.sessionmaker() as session:
        got, published = await claims.claim_units(
            session, worker_id=WORKER, limit=10, lease_seconds=30
        )
    assert sorted(claim.index for claim in got) == [0, 1]
    assert {(c.attempt, c.max_attempts, c.pipeline) for c in got} == {(1, 3, "t_units")}
    assert [(e["type"], e["status"], e["seq"]) for e in published] == [("job.status", "running", 2)]
    started = await job_row(app, job.id)
    assert (started.status, started.last_seq) == ("running", 2)
    assert started.started_at is not None
    for unit in await units_of(app, job.id):
        assert (unit.status, unit.attempts, unit.lease_owner) == ("running", 1, WORKER)
        assert unit.lease_expires_at is not None and unit.lease_expires_at > utcnow()
    assert [e.status for e in await events_of(app, job.id)] == ["queued", "running"]
    assert await claim_all(app) == []  # nothing left to claim


async def test_a_unit_waits_until_it_is_available(
    app: Any, engine_queue: jobs.JobQueue, owner: User
) -> None:
    job = await submit(app, engine_queue, owner)
    async with app.state.sessionmaker() as session:
        later = utcnow() + timedelta(minutes=5)
        await session.execute(
            update(JobUnit).where(JobUnit.job_id == job.id).values(available_at=later)
        )
        await session.commit()
    assert await claim_all(app) == []
    assert (await job_row(app, job.id)).status == "queued"


async def test_leases_are_renewed_and_released_by_their_holder_only(
    app: Any, engine_queue: jobs.JobQueue, owner: User
) -> None:
    job = await submit(app, engine_queue, owner, units=2)
    got = await claim_all(app)
    ids = [claim.unit_id for claim in got]
    before = {unit.id: unit.lease_expires_at for unit in await units_of(app, job.id)}
    async with app.state.sessionmaker() as session:
        await claims.renew_leases(session, worker_id="other:2:x", unit_ids=ids, lease_seconds=30)
        assert await claims.release_leases(session, worker_id="other:2:x", unit_ids=ids) == 0
    assert {u.id: u.lease_expires_at for u in await units_of(app, job.id)} == before
    async with app.state.sessionmaker() as session:
        await claims.renew_leases(session, worker_id=WORKER, unit_ids=ids, lease_seconds=300)
    for unit in await units_of(app, job.id):
        assert unit.lease_expires_at is not None and unit.lease_expires_at > before[unit.id]
    async with app.state.sessionmaker() as session:
        assert await claims.release_leases(session, worker_id=WORKER, unit_ids=ids) == 2
    released = await units_of(app, job.id)
    assert {(u.status, u.attempts, u.lease_owner) for u in released} == {("queued", 0, None)}


async def test_heartbeats_record_the_process_and_are_forgotten(
    app: Any, engine_queue: jobs.JobQueue
) -> None:
    async with app.state.sessionmaker() as session:
        await claims.heartbeat(session, worker_id=WORKER, running=3)
        await claims.heartbeat(session, worker_id=WORKER, running=1)
        beat = await session.get(WorkerHeartbeat, WORKER)
        assert beat is not None
        assert (beat.hostname, beat.pid, beat.running_units) == ("test-host", 1, 1)
        await claims.forget_worker(session, worker_id=WORKER)
        assert list(await session.scalars(select(WorkerHeartbeat.id))) == []


async def test_a_job_past_its_time_limit_fails_and_its_queued_units_are_cancelled(
    app: Any, engine_queue: jobs.JobQueue, owner: User
) -> None:
    job = await submit(app, engine_queue, owner, units=2)
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(Job)
            .where(Job.id == job.id)
            .values(status="running", started_at=utcnow() - timedelta(hours=2))
        )
        await session.commit()
        assert await claims.expire_timeouts(session) == [job.id]
        assert await claims.stuck_jobs(session) == [job.id]  # no active unit left
    failed = await job_row(app, job.id)
    assert (failed.error_code, failed.error) == ("JOB_TIMEOUT", "the job ran longer than 3600 s")
    assert {u.status for u in await units_of(app, job.id)} == {"cancelled"}
