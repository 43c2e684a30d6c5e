"""Group commit of succeeded units: batches, lost leases, finalize hooks, failed jobs."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import StatementError

from api import jobs
from api.entity.job import Job, JobEvent, JobResult, JobUnit
from api.entity.user import User
from api.jobs.engine import claims, completion
from api.jobs.engine.finisher import Finisher
from api.jobs.engine.types import Claim, Pending
from pipeline.contract import JSON, PipelineDef, UnitContext
from tests.conftest import UserFactory

WORKER = "test-host:1:finisher"


def _plan(params: JSON) -> list[JSON]:
    return [{"unit": i} for i in range(int(params.get("units", 1)))]


def _run(payload: JSON, ctx: UnitContext) -> None:  # never runs: the test plays the worker
    raise AssertionError("units are finished by the test")


async def _finalize(session: Any, job: Job) -> dict[str, Any]:
    return {"finalized": True}


@pytest.fixture(autouse=True)
def batch_pipelines(app: Any) -> None:
    queue: jobs.JobQueue = app.state.job_queue
    queue.register(jobs.JobType(PipelineDef("t_batch", _plan, _run, public=True, test_only=True)))
    queue.register(
        jobs.JobType(
            PipelineDef("t_final", _plan, _run, public=True, test_only=True), finalize=_finalize
        )
    )


async def _claimed(app: Any, owner_id: str, wanted: list[tuple[str, int]]) -> list[Claim]:
    """Submit `(pipeline, units)` jobs and claim every unit as WORKER."""
    await app.state.dispatcher.stop(graceful_seconds=0)  # the test is the only worker
    async with app.state.sessionmaker() as session:
        owner = await session.get(User, owner_id)
        assert owner is not None
        for pipeline, units in wanted:
            await jobs.submit_job(
                session=session, queue=app.state.job_queue, owner=owner,
                pipeline=pipeline, params={"units": units},
            )  # fmt: skip
    async with app.state.sessionmaker() as session:
        got, _ = await claims.claim_units(session, worker_id=WORKER, limit=100, lease_seconds=30)
    assert len(got) == sum(units for _, units in wanted)
    return got


def _pending(claim: Claim) -> Pending:
    pending = Pending()
    pending.results[f"u{claim.index}"] = {"unit": claim.index}
    pending.progress = (2, 2, "scoring", f"unit {claim.index} done")
    return pending


def _finisher(app: Any) -> Finisher:
    return Finisher(
        queue=app.state.job_queue,
        sessionmaker=app.state.sessionmaker,
        worker_id=WORKER,
        progress_due=lambda _job_id: True,
    )


async def _job(app: Any, job_id: str) -> Job:
    async with app.state.sessionmaker() as session:
        job = await session.get(Job, job_id)
        assert job is not None
        return job


async def _seqs(app: Any, job_id: str) -> list[tuple[int, str, str]]:
    async with app.state.sessionmaker() as session:
        rows = await session.execute(
            select(JobEvent.seq, JobEvent.type, JobEvent.status)
            .where(JobEvent.job_id == job_id)
            .order_by(JobEvent.seq)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_one_batch_finishes_units_of_several_jobs(app: Any, make_user: UserFactory) -> None:
    owner = (await make_user())["id"]
    got = await _claimed(app, owner, [("t_batch", 3), ("t_batch", 1)])
    finisher = _finisher(app)
    verdicts = await asyncio.gather(*(finisher.finish(c, _pending(c)) for c in got))
    assert verdicts == ["done"] * 4
    for job_id, units in {c.job_id: sum(x.job_id == c.job_id for x in got) for c in got}.items():
        job = await _job(app, job_id)
        state = (job.status, job.progress, job.done, job.total)
        assert state == ("succeeded", 100.0, 2 * units, 2 * units)
        assert job.result == {"units": units, "succeeded": units, "failed": 0, "cancelled": 0,
                              "results": units}  # fmt: skip
        assert job.active_fingerprint is None and job.finished_at is not None
        seqs = await _seqs(app, job_id)
        assert [s for s, _, _ in seqs] == list(range(1, job.last_seq + 1))
        assert seqs[-1][1:] == ("job.status", "succeeded")
        assert [status for _, kind, status in seqs if kind == "job.status"] == [
            "queued", "running", "succeeded",
        ]  # fmt: skip
    async with app.state.sessionmaker() as session:
        units = list(await session.scalars(select(JobUnit)))
        assert {(u.status, u.done, u.total, u.lease_owner) for u in units} == {
            ("succeeded", 2, 2, None)
        }
        assert await session.scalar(select(func.count()).select_from(JobResult)) == 4


async def test_a_unit_whose_lease_was_lost_writes_nothing(app: Any, make_user: UserFactory) -> None:
    owner = (await make_user())["id"]
    got = await _claimed(app, owner, [("t_batch", 2)])
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(JobUnit).where(JobUnit.id == got[1].unit_id).values(lease_owner="other:2:x")
        )
        await session.commit()
    finisher = _finisher(app)
    verdicts = await asyncio.gather(*(finisher.finish(c, _pending(c)) for c in got))
    assert verdicts == ["done", "lost"]
    job = await _job(app, got[0].job_id)
    assert (job.status, job.done, job.total, job.progress) == ("running", 2, 2, 50.0)
    async with app.state.sessionmaker() as session:
        keys = list(await session.scalars(select(JobResult.key)))
        assert keys == [f"u{got[0].index}"]
    kinds = [kind for _, kind, _ in await _seqs(app, job.id)]
    assert kinds[-1] == "job.progress"


async def test_a_lone_lost_unit_is_reported_lost(app: Any, make_user: UserFactory) -> None:
    owner = (await make_user())["id"]
    (claim,) = await _claimed(app, owner, [("t_batch", 1)])
    stale = Claim(**{**claim.__dict__, "attempt": claim.attempt + 1})
    assert await _finisher(app).finish(stale, _pending(stale)) == "lost"
    assert (await _job(app, claim.job_id)).status == "running"


async def test_a_job_with_a_finalize_hook_is_left_to_its_finisher(
    app: Any, make_user: UserFactory
) -> None:
    owner = (await make_user())["id"]
    (claim,) = await _claimed(app, owner, [("t_final", 1)])
    assert await _finisher(app).finish(claim, _pending(claim)) == "finish"
    assert (await _job(app, claim.job_id)).status == "running"
    async with app.state.sessionmaker() as session:
        assert await completion.finish_job_if_done(
            session=session, queue=app.state.job_queue, job_id=claim.job_id
        )
    job = await _job(app, claim.job_id)
    assert job.status == "succeeded" and job.result is not None and job.result["finalized"]


async def test_a_failed_job_ends_failed_and_partial(app: Any, make_user: UserFactory) -> None:
    owner = (await make_user())["id"]
    got = await _claimed(app, owner, [("t_batch", 2)])
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(JobUnit)
            .where(JobUnit.id == got[1].unit_id)
            .values(status="failed", error_code="INVALID_INPUT", lease_owner=None)
        )
        await completion.fail_job(session, got[1].job_id, "INVALID_INPUT", "bad file")
        await session.commit()
    assert await _finisher(app).finish(got[0], _pending(got[0])) == "done"
    job = await _job(app, got[0].job_id)
    assert (job.status, job.error_code) == ("failed", "INVALID_INPUT")
    assert job.result is not None and job.result["partial"] is True
    assert job.result["succeeded"] == 1 and job.result["failed"] == 1
    seqs = await _seqs(app, job.id)
    assert seqs[-1][1:] == ("job.status", "failed")


async def test_a_batch_that_cannot_be_written_sends_each_unit_back_alone(
    app: Any, make_user: UserFactory
) -> None:
    owner = (await make_user())["id"]
    got = await _claimed(app, owner, [("t_batch", 2)])
    bad = _pending(got[1])
    bad.results["u-bad"] = {"value": object()}  # cannot be stored as JSON
    finisher = _finisher(app)
    verdicts = await asyncio.gather(
        finisher.finish(got[0], _pending(got[0])), finisher.finish(got[1], bad)
    )
    assert verdicts == ["alone", "alone"]  # the runners write them one by one
    async with app.state.sessionmaker() as session:  # the failed batch wrote nothing
        assert await session.scalar(select(func.count()).select_from(JobResult)) == 0
        units = list(await session.scalars(select(JobUnit.status)))
        assert units == ["running", "running"]
    assert (await _job(app, got[0].job_id)).status == "running"
    # Alone, the same unit's error reaches its runner (which retries or fails it).
    with pytest.raises(StatementError):
        await finisher.finish(got[1], bad)
    assert await finisher.finish(got[0], _pending(got[0])) == "done"
    await finisher.close()
