"""Owners acting on their jobs (cancel, retry, delete) and the queue status."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api import __version__
from api.core.errors import ConflictError, InvalidStateError
from api.entity.base import utcnow
from api.entity.job import Job, JobUnit, WorkerHeartbeat
from api.entity.user import User
from api.jobs.engine import completion
from api.jobs.engine import eventlog as events
from api.jobs.engine.types import ACTIVE, TERMINAL
from api.jobs.submit import fingerprint, get_job_for_owner

logger = logging.getLogger(__name__)

LIVE_WINDOW = timedelta(seconds=30)


async def cancel_job(*, session: AsyncSession, owner: User, job_id: str) -> Job:
    """Queued units are cancelled now; running ones stop at their next check."""
    job = await get_job_for_owner(session=session, owner=owner, job_id=job_id)
    if job.status in TERMINAL:
        raise InvalidStateError(f"The job is already {job.status}")
    await completion.cancel_queued_units(session, job.id)
    await session.execute(
        update(Job).where(Job.id == job.id, Job.status.in_(ACTIVE)).values(cancel_requested=True)
    )
    await session.commit()
    await events.publish_on(events.CONTROL_CHANNEL, {"job_id": job.id})
    await completion.finish_job_if_done(session=session, job_id=job.id)
    return await get_job_for_owner(session=session, owner=owner, job_id=job_id)


async def retry_job(*, session: AsyncSession, owner: User, job_id: str) -> Job:
    """Re-queue the unfinished units of a failed or cancelled job (checkpoints kept)."""
    job = await get_job_for_owner(session=session, owner=owner, job_id=job_id)
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
    job.active_fingerprint = fingerprint(job.owner_id, job.pipeline, job.params)
    try:
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        raise ConflictError(
            "An identical job is already queued or running", error_code="DUPLICATE_JOB"
        ) from exc
    published = await events.append(session, job.id, [events.Draft("job.status")])
    await session.commit()
    await events.publish(published)
    await events.wake_dispatchers()
    return await get_job_for_owner(session=session, owner=owner, job_id=job_id)


async def delete_job(*, session: AsyncSession, owner: User, job_id: str) -> None:
    """Remove a finished job with its units, events and results (database cascade)."""
    job = await get_job_for_owner(session=session, owner=owner, job_id=job_id)
    if job.status in ACTIVE:
        raise InvalidStateError("Cancel the job before deleting it")
    await session.execute(delete(Job).where(Job.id == job.id, Job.status.in_(TERMINAL)))
    await session.commit()


async def _by_status(session: AsyncSession, column: Any, *where: Any) -> dict[str, int]:
    rows = await session.execute(select(column, func.count()).where(*where).group_by(column))
    return {str(status): int(n) for status, n in rows}


async def queue_status(
    *, session: AsyncSession, user: User, connections: int | None
) -> dict[str, Any]:
    """The caller's jobs by status; for admins also the global queue and live processes."""
    mine = await _by_status(session, Job.status, Job.owner_id == user.id)
    out: dict[str, Any] = {"jobs": mine}
    if not user.is_admin:
        return out
    beats = await session.scalars(
        select(WorkerHeartbeat)
        .where(WorkerHeartbeat.last_seen_at >= utcnow() - LIVE_WINDOW)
        .order_by(WorkerHeartbeat.id)
    )
    units = await _by_status(session, JobUnit.status, JobUnit.status.in_(ACTIVE))
    out["version"] = __version__
    out["global"] = {
        "jobs": await _by_status(session, Job.status, Job.id.is_not(None)),
        "units": units,
        "running_units": units.get("running", 0),
        "processes": [
            {
                "id": b.id,
                "hostname": b.hostname,
                "pid": b.pid,
                "version": b.version,
                "running_units": b.running_units,
                "last_seen_at": events.iso(b.last_seen_at),
            }
            for b in beats
        ],
        "connections": connections,
    }
    return out
