"""Owners acting on their jobs: cancel, retry, delete."""

from __future__ import annotations

import logging

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.core.errors import ConflictError, InvalidStateError
from api.entity.base import utcnow
from api.entity.job import Job, JobUnit
from api.entity.user import User
from api.jobs import read, submit
from api.jobs.engine import completion, eventlog
from api.jobs.engine.queue import JobQueue
from api.jobs.engine.types import ACTIVE, TERMINAL

logger = logging.getLogger(__name__)


async def cancel_job(*, session: AsyncSession, queue: JobQueue, owner: User, job_id: str) -> Job:
    """Queued units are cancelled now; running ones stop at their next check."""
    job = await read.get_job_for_owner(session=session, owner=owner, job_id=job_id)
    if job.status in TERMINAL:
        raise InvalidStateError(f"The job is already {job.status}")
    await completion.cancel_queued_units(session, job.id)
    await session.execute(
        update(Job).where(Job.id == job.id, Job.status.in_(ACTIVE)).values(cancel_requested=True)
    )
    await session.commit()
    await queue.publisher.job_changed(job.id)
    await completion.finish_job_if_done(session=session, queue=queue, job_id=job.id)
    return await read.get_job_for_owner(session=session, owner=owner, job_id=job_id)


async def retry_job(*, session: AsyncSession, queue: JobQueue, owner: User, job_id: str) -> Job:
    """Re-queue the unfinished units of a failed or cancelled job (checkpoints kept)."""
    job = await read.get_job_for_owner(session=session, owner=owner, job_id=job_id)
    if job.status not in ("failed", "cancelled"):
        raise InvalidStateError(f"Only failed or cancelled jobs can be retried, not {job.status}")
    await session.execute(
        update(JobUnit)
        .where(JobUnit.job_id == job.id, JobUnit.status != "succeeded")
        .values(
            status="queued",
            attempts=0,
            error_code=None,
            error=None,
            available_at=utcnow(),
            lease_owner=None,
            lease_expires_at=None,
            finished_at=None,
        )
    )
    job.status, job.error_code, job.error, job.result = "queued", None, None, None
    job.cancel_requested, job.finished_at, job.started_at = False, None, None
    job.active_fingerprint = submit.fingerprint(job.owner_id or "", job.pipeline, job.params)
    try:
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        raise ConflictError(
            "An identical job is already queued or running", error_code="DUPLICATE_JOB"
        ) from exc
    published = await eventlog.append(session, job.id, [eventlog.Draft("job.status")])
    await session.commit()
    await queue.publisher.events(published)
    await queue.publisher.wake_dispatchers()
    return await read.get_job_for_owner(session=session, owner=owner, job_id=job_id)


async def delete_job(*, session: AsyncSession, owner: User, job_id: str) -> None:
    """Remove a finished job with its units, events and results (database cascade)."""
    job = await read.get_job_for_owner(session=session, owner=owner, job_id=job_id)
    if job.status in ACTIVE:
        raise InvalidStateError("Cancel the job before deleting it")
    await session.execute(delete(Job).where(Job.id == job.id, Job.status.in_(TERMINAL)))
    await session.commit()
