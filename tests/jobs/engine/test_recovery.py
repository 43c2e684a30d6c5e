"""The recovery sweep: units of a process that stopped beating, or whose lease expired,
go back to the queue; a live process keeps its units however long they run; a process
declared dead that comes back writes nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from api import jobs
from api.entity.job import JobResult, JobUnit, WorkerHeartbeat
from api.entity.user import User
from api.jobs.engine import claims, recovery
from api.jobs.engine.dbclock import now_sql
from api.jobs.engine.dispatcher import Dispatcher
from api.jobs.engine.types import Outcome, Pending
from api.jobs.engine.unit_io import write_outcome, write_pending
from tests.jobs.engine.conftest import WORKER, claim_all, job_row, submit, units_of

DEAD = 8.0
OTHER = "test-host:2:other"


async def beat(app: Any, worker_id: str, *, age: float = 0.0) -> None:
    """A heartbeat row of `worker_id`, `age` seconds old on the database's clock."""
    async with app.state.sessionmaker() as session:
        await claims.heartbeat(session, worker_id=worker_id, running=1)
        await session.execute(
            update(WorkerHeartbeat)
            .where(WorkerHeartbeat.id == worker_id)
            .values(last_seen_at=now_sql(session, -age))
        )
        await session.commit()


async def sweep(app: Any, **options: Any) -> list[str]:
    async with app.state.sessionmaker() as session:
        return await recovery.requeue_lost(session, **options)


async def age_units(app: Any, job_id: str, **values: Any) -> None:
    async with app.state.sessionmaker() as session:
        await session.execute(update(JobUnit).where(JobUnit.job_id == job_id).values(**values))
        await session.commit()


async def test_the_units_of_a_process_that_stopped_beating_go_back_to_the_queue(
    app: Any, engine_queue: jobs.JobQueue, owner: User
) -> None:
    job = await submit(app, engine_queue, owner, units=2)
    await claim_all(app)  # leased for 30 s: the lease alone would keep them
    await beat(app, WORKER, age=DEAD + 2)
    assert await sweep(app, dead_seconds=DEAD) == []
    for unit in await units_of(app, job.id):
        assert (unit.status, unit.attempts, unit.lease_owner) == ("queued", 1, None)
    assert len(await claim_all(app)) == 2  # claimable again at once


async def test_a_live_process_keeps_a_unit_that_runs_longer_than_the_dead_time(
    app: Any, engine_queue: jobs.JobQueue, owner: User
) -> None:
    job = await submit(app, engine_queue, owner)
    await claim_all(app)
    async with app.state.sessionmaker() as session:
        started = now_sql(session, -10 * DEAD)
        await age_units(app, job.id, started_at=started)
    await beat(app, WORKER, age=1.0)
    assert await sweep(app, dead_seconds=DEAD) == []
    (unit,) = await units_of(app, job.id)
    assert (unit.status, unit.lease_owner) == ("running", WORKER)


async def test_a_process_without_a_heartbeat_yet_keeps_its_units_until_the_lease_expires(
    app: Any, engine_queue: jobs.JobQueue, owner: User
) -> None:
    job = await submit(app, engine_queue, owner)
    await claim_all(app)
    await beat(app, OTHER, age=DEAD + 2)  # some other process is dead; not this one
    assert await sweep(app, dead_seconds=DEAD) == []
    (unit,) = await units_of(app, job.id)
    assert (unit.status, unit.lease_owner) == ("running", WORKER)

    async with app.state.sessionmaker() as session:
        await age_units(app, job.id, lease_expires_at=now_sql(session, -1))
    assert await sweep(app, dead_seconds=DEAD) == []
    (unit,) = await units_of(app, job.id)
    assert (unit.status, unit.attempts, unit.lease_owner) == ("queued", 1, None)


async def test_an_expired_lease_is_requeued_without_heartbeats_too(
    app: Any, engine_queue: jobs.JobQueue, owner: User
) -> None:
    job = await submit(app, engine_queue, owner)
    await claim_all(app)
    await beat(app, WORKER)  # beating, but its lease expired: it stalled in a unit
    async with app.state.sessionmaker() as session:
        await age_units(app, job.id, lease_expires_at=now_sql(session, -1))
    assert await sweep(app) == []
    (unit,) = await units_of(app, job.id)
    assert (unit.status, unit.lease_owner) == ("queued", None)


async def test_the_sweeping_process_never_declares_itself_dead(
    app: Any, engine_queue: jobs.JobQueue, owner: User
) -> None:
    job = await submit(app, engine_queue, owner)
    await claim_all(app)
    await beat(app, WORKER, age=DEAD + 2)  # its own row is old: it just resumed
    assert await sweep(app, dead_seconds=DEAD, alive=WORKER) == []
    (unit,) = await units_of(app, job.id)
    assert (unit.status, unit.lease_owner) == ("running", WORKER)


async def test_a_unit_lost_max_attempts_times_fails_the_job(
    app: Any, engine_queue: jobs.JobQueue, owner: User
) -> None:
    job = await submit(app, engine_queue, owner, units=2)
    await claim_all(app)
    first = (await units_of(app, job.id))[0]
    async with app.state.sessionmaker() as session:
        await session.execute(update(JobUnit).where(JobUnit.id == first.id).values(attempts=3))
        await session.commit()
    await beat(app, WORKER, age=DEAD + 2)
    assert await sweep(app, dead_seconds=DEAD) == [job.id]
    lost, other = await units_of(app, job.id)
    assert (lost.status, lost.error_code, lost.lease_owner) == ("failed", "WORKER_LOST", None)
    assert (other.status, other.attempts) == ("queued", 1)
    assert (await job_row(app, job.id)).error_code == "WORKER_LOST"


async def test_a_process_declared_dead_that_comes_back_writes_nothing(
    app: Any, engine_queue: jobs.JobQueue, owner: User
) -> None:
    job = await submit(app, engine_queue, owner)
    (stale,) = await claim_all(app)
    await beat(app, WORKER, age=DEAD + 2)
    await sweep(app, dead_seconds=DEAD)
    async with app.state.sessionmaker() as session:  # another process takes the unit
        (fresh,), _ = await claims.claim_units(session, worker_id=OTHER, limit=1, lease_seconds=30)
    assert fresh.unit_id == stale.unit_id and fresh.attempt == 2

    pending = Pending()
    pending.results["cv-1"] = {"score": 1}
    pending.progress = (1, 1, "scoring", None)
    async with app.state.sessionmaker() as session:  # the stalled process wakes up
        identity = {"job_id": job.id, "unit_id": stale.unit_id, "worker_id": WORKER}
        written = await write_pending(
            session, **identity, attempt=stale.attempt, pending=pending,
            progress_event=True, lease_seconds=30,
        )  # fmt: skip
        assert written is None
        outcome = Outcome("succeeded")
        assert not await write_outcome(session, **identity, attempt=stale.attempt, outcome=outcome)
        await session.commit()
        assert list(await session.scalars(select(JobResult.key))) == []
    (unit,) = await units_of(app, job.id)
    assert (unit.status, unit.lease_owner, unit.attempts) == ("running", OTHER, 2)


async def test_heartbeat_rows_of_long_dead_processes_are_deleted(
    app: Any, engine_queue: jobs.JobQueue
) -> None:
    await beat(app, WORKER, age=recovery.forget_after(DEAD) + 5)
    await beat(app, OTHER, age=DEAD + 2)  # dead, but recently: still shown
    async with app.state.sessionmaker() as session:
        assert await recovery.forget_dead(session, dead_seconds=DEAD) == 1
        left = await session.scalars(
            select(WorkerHeartbeat.id).where(WorkerHeartbeat.id.in_([WORKER, OTHER]))
        )
        assert list(left) == [OTHER]


async def test_a_gap_in_its_own_heartbeat_stops_a_process_judging_others(app: Any) -> None:
    now = [100.0]
    heartbeat = recovery.Heartbeat(
        sessionmaker=app.state.sessionmaker, worker_id=WORKER, dead_seconds=DEAD,
        clock=lambda: now[0],
    )  # fmt: skip
    assert heartbeat.every == 2.0 and heartbeat.dead_after() is None  # not beating yet
    await heartbeat.beat(running=0)
    assert heartbeat.dead_after() == DEAD
    now[0] += DEAD  # stalled (or the database was away): the others' rows are old too
    assert heartbeat.dead_after() is None
    await heartbeat.beat(running=0)
    assert heartbeat.dead_after() is None
    for _ in range(4):
        now[0] += DEAD / 4
        await heartbeat.beat(running=0)
    assert heartbeat.dead_after() == DEAD


async def test_maintenance_requeues_a_dead_process_units(
    app: Any, engine_queue: jobs.JobQueue, owner: User
) -> None:
    job = await submit(app, engine_queue, owner)
    await claim_all(app)
    await beat(app, WORKER, age=engine_queue.settings.worker_dead_seconds + 2)
    dispatcher = Dispatcher(
        queue=engine_queue, sessionmaker=app.state.sessionmaker, executor=app.state.executor
    )
    await dispatcher.maintain()  # no heartbeat of its own yet: judges by leases only
    assert (await units_of(app, job.id))[0].status == "running"
    await dispatcher.heartbeat.beat(running=0)
    await dispatcher.maintain()
    (unit,) = await units_of(app, job.id)
    assert (unit.status, unit.lease_owner) == ("queued", None)
