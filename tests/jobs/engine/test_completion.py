"""How a job ends: once, with its summary, and its terminal event last and committed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from api import jobs
from api.entity.job import Job, JobEvent, JobUnit
from api.entity.user import User
from api.jobs.engine import completion, unit_io
from api.jobs.engine.finisher import Finisher
from api.jobs.engine.types import Pending
from tests.jobs.engine.conftest import (
    UNITS,
    WORKER,
    RecordingBus,
    claim_all,
    events_of,
    job_row,
    submit,
)


async def _set_units(app: Any, job_id: str, *statuses: str) -> None:
    """Move the job's units (in index order) to `statuses`, each 1 of 2 done."""
    async with app.state.sessionmaker() as session:
        units = list(
            await session.scalars(
                select(JobUnit.id).where(JobUnit.job_id == job_id).order_by(JobUnit.index)
            )
        )
        for unit_id, status in zip(units, statuses, strict=True):
            await session.execute(
                update(JobUnit)
                .where(JobUnit.id == unit_id)
                .values(status=status, done=1, total=2, lease_owner=None)
            )
        await session.commit()


async def _finish(app: Any, queue: jobs.JobQueue, job_id: str) -> bool:
    async with app.state.sessionmaker() as session:
        return await completion.finish_job_if_done(session=session, queue=queue, job_id=job_id)


async def test_a_job_ends_once_with_its_summary_and_its_event_last(
    app: Any, engine_queue: jobs.JobQueue, owner: User
) -> None:
    job = await submit(app, engine_queue, owner, units=2)
    await claim_all(app)
    await _set_units(app, job.id, "succeeded", "running")
    assert not await _finish(app, engine_queue, job.id)  # a unit is still running
    await _set_units(app, job.id, "succeeded", "succeeded")
    assert await _finish(app, engine_queue, job.id)
    ended = await job_row(app, job.id)
    assert (ended.status, ended.progress, ended.done, ended.total) == ("succeeded", 100.0, 2, 4)
    assert ended.result == {"units": 2, "succeeded": 2, "failed": 0, "cancelled": 0, "results": 0}
    assert ended.finished_at is not None and ended.active_fingerprint is None
    assert not await _finish(app, engine_queue, job.id)  # the second call changes nothing
    events = await events_of(app, job.id)
    assert [e.seq for e in events] == list(range(1, ended.last_seq + 1))
    assert [(e.type, e.status) for e in events][-1] == ("job.status", "succeeded")
    assert (events[-1].progress, events[-1].done, events[-1].total) == (100.0, 2, 4)


async def test_a_cancelled_job_ends_cancelled_with_partial_results(
    app: Any, engine_queue: jobs.JobQueue, owner: User
) -> None:
    job = await submit(app, engine_queue, owner, units=2)
    await claim_all(app)
    await _set_units(app, job.id, "succeeded", "cancelled")
    async with app.state.sessionmaker() as session:
        await session.execute(update(Job).where(Job.id == job.id).values(cancel_requested=True))
        await session.commit()
    assert await _finish(app, engine_queue, job.id)
    ended = await job_row(app, job.id)
    assert (ended.status, ended.progress) == ("cancelled", 50.0)  # each unit got 1 of 2 done
    assert ended.result is not None and ended.result["partial"] is True
    assert (ended.result["succeeded"], ended.result["cancelled"]) == (1, 1)


async def test_a_failing_finalize_hook_fails_the_job(
    app: Any, engine_queue: jobs.JobQueue, owner: User
) -> None:
    async def finalize(session: Any, job: Job) -> dict[str, Any]:
        raise RuntimeError("the ranking could not be written")

    engine_queue.register(jobs.JobType(UNITS, finalize=finalize))
    job = await submit(app, engine_queue, owner)
    await claim_all(app)
    await _set_units(app, job.id, "succeeded")
    assert await _finish(app, engine_queue, job.id)
    ended = await job_row(app, job.id)
    assert (ended.status, ended.error_code) == ("failed", "INTERNAL_ERROR")
    assert ended.error == "finishing the job failed"
    assert ended.result is not None and ended.result["partial"] is True
    last = (await events_of(app, job.id))[-1]
    assert (last.status, last.message) == ("failed", "finishing the job failed")


class CommitCheckingBus(RecordingBus):
    """Records, for each job event published, whether it was already committed."""

    def __init__(self, sessionmaker: Any) -> None:
        super().__init__()
        self.sessionmaker = sessionmaker
        self.committed: list[bool] = []

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        if channel == "jobs":
            async with self.sessionmaker() as session:
                stored = await session.scalar(
                    select(JobEvent.type).where(
                        JobEvent.job_id == message["job_id"], JobEvent.seq == message["seq"]
                    )
                )
            self.committed.append(stored == message["type"])
        await super().publish(channel, message)


async def test_events_are_published_after_they_are_committed(
    app: Any, engine_queue: jobs.JobQueue, owner: User
) -> None:
    bus = CommitCheckingBus(app.state.sessionmaker)
    queue = jobs.JobQueue(settings=engine_queue.settings, types=[jobs.JobType(UNITS)], bus=bus)
    job = await submit(app, queue, owner)
    await claim_all(app)
    await _set_units(app, job.id, "succeeded")
    assert await _finish(app, queue, job.id)
    assert [(e["type"], e["status"]) for e in bus.on("jobs")] == [
        ("job.status", "queued"),
        ("job.status", "succeeded"),
    ]
    assert bus.committed == [True, True]
    assert bus.on("wakeup") == [{}]  # the submit woke the dispatchers


async def test_the_finisher_and_completion_end_a_job_alike(
    app: Any, engine_queue: jobs.JobQueue, owner: User
) -> None:
    """The batch path and the one-job path share one end state (api.jobs.engine.ending)."""
    batched = await submit(app, engine_queue, owner, tag="batched")
    alone = await submit(app, engine_queue, owner, tag="alone")
    got = {claim.job_id: claim for claim in await claim_all(app)}
    finisher = Finisher(
        queue=engine_queue,
        sessionmaker=app.state.sessionmaker,
        worker_id=WORKER,
        progress_due=lambda _job_id: False,
    )
    pending = Pending(results={"r": {"status": "ok"}}, progress=(2, 2, None, None))
    assert await finisher.finish(got[batched.id], pending) == "done"
    async with app.state.sessionmaker() as session:  # the same unit, written by a runner
        await unit_io.upsert_results(session, alone.id, {"r": {"status": "ok"}})
        await session.execute(
            update(JobUnit)
            .where(JobUnit.job_id == alone.id)
            .values(status="succeeded", done=2, total=2, lease_owner=None)
        )
        await session.commit()
    assert await _finish(app, engine_queue, alone.id)
    ends = [await job_row(app, job_id) for job_id in (batched.id, alone.id)]
    shape = [(j.status, j.progress, j.done, j.total, j.result, j.active_fingerprint) for j in ends]
    assert shape[0] == shape[1] == (
        "succeeded", 100.0, 2, 2,
        {"units": 1, "succeeded": 1, "failed": 0, "cancelled": 0, "results": 1}, None,
    )  # fmt: skip
    lasts = [(await events_of(app, job_id))[-1] for job_id in (batched.id, alone.id)]
    assert [(e.type, e.status, e.progress, e.done, e.total, e.message) for e in lasts] == [
        ("job.status", "succeeded", 100.0, 2, 2, None)
    ] * 2
