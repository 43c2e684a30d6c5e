"""How a job ends: aggregate its units, run the finalize hook, write the terminal status.

A job is finished by whichever process sees all of its units terminal (the one that
finished the last unit, a cancel request, or the recovery sweep after a crash). The
terminal UPDATE is conditional on the job still being active, so exactly one process
writes the terminal `job.status` event, and it is the job's last event.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.core import metrics
from api.entity.base import utcnow
from api.entity.job import Job, JobResult, JobUnit
from api.jobs.engine import eventlog as events
from api.jobs.engine.registry import hooks_for
from api.jobs.engine.retry import retrying
from api.jobs.engine.types import ACTIVE, TERMINAL

logger = logging.getLogger(__name__)


async def aggregate(session: AsyncSession, job_id: str) -> tuple[float, int, int]:
    """`(progress 0-100, done, total)` of a job from its units (terminal units count 1)."""
    fraction = case(
        (JobUnit.total > 0, 1.0 * JobUnit.done / JobUnit.total),
        (JobUnit.status.in_(TERMINAL), 1.0),
        else_=0.0,
    )
    row = (
        await session.execute(
            select(
                func.sum(fraction), func.count(), func.sum(JobUnit.done), func.sum(JobUnit.total)
            ).where(JobUnit.job_id == job_id)
        )
    ).one()
    units = int(row[1] or 0)
    progress = 100.0 * float(row[0] or 0) / units if units else 0.0
    return min(progress, 100.0), int(row[2] or 0), int(row[3] or 0)


async def unit_counts(session: AsyncSession, job_id: str) -> dict[str, int]:
    rows = await session.execute(
        select(JobUnit.status, func.count())
        .where(JobUnit.job_id == job_id)
        .group_by(JobUnit.status)
    )
    return {status: int(n) for status, n in rows}


async def fail_job(session: AsyncSession, job_id: str, code: str, detail: str) -> None:
    """Mark the job failed (first error wins) and cancel its queued units; not committed.

    Units are locked before the job, the order every engine transaction follows.
    """
    await cancel_queued_units(session, job_id)
    await session.execute(
        update(Job)
        .where(Job.id == job_id, Job.error_code.is_(None))
        .values(error_code=code, error=detail[:2000])
    )


async def cancel_queued_units(session: AsyncSession, job_id: str) -> None:
    await session.execute(
        update(JobUnit)
        .where(JobUnit.job_id == job_id, JobUnit.status == "queued")
        .values(status="cancelled", finished_at=utcnow())
    )


async def _run_finalize(session: AsyncSession, job: Job) -> dict[str, Any]:
    hook = hooks_for(job.pipeline).finalize
    if hook is None:
        return {}

    async def attempt() -> dict[str, Any] | None:
        await session.refresh(job)
        try:
            return await hook(session, job)
        except Exception:
            await session.rollback()
            raise

    try:
        extra = await retrying(attempt, what=f"finalize {job.id}")
        return dict(extra or {})
    except Exception:
        logger.exception("finalize hook of job %s failed", job.id)
        await fail_job(session, job.id, "INTERNAL_ERROR", "finishing the job failed")
        await session.commit()
        return {}


def final_status(error_code: str | None, cancel_requested: bool, counts: dict[str, int]) -> str:
    if error_code or counts.get("failed"):
        return "failed"
    if cancel_requested or counts.get("cancelled"):
        return "cancelled"
    return "succeeded"


async def finish_job_if_done(*, session: AsyncSession, job_id: str) -> bool:
    """Finish the job if all its units are terminal; True if this call finished it."""
    counts = await unit_counts(session, job_id)
    if any(counts.get(s) for s in ACTIVE):
        return False
    job = await session.get(Job, job_id, populate_existing=True)
    if job is None or job.status in TERMINAL:
        return False
    extra = await _run_finalize(session, job)
    await session.refresh(job)
    status = final_status(job.error_code, job.cancel_requested, counts)
    progress, done, total = await aggregate(session, job_id)
    results = await session.scalar(
        select(func.count()).select_from(JobResult).where(JobResult.job_id == job_id)
    )
    summary: dict[str, Any] = {
        "units": sum(counts.values()),
        **{s: counts.get(s, 0) for s in TERMINAL},
        "results": int(results or 0),
        **extra,
    }
    if status != "succeeded":
        summary["partial"] = True
    ended = await session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status.in_(ACTIVE))
        .values(
            status=status,
            finished_at=utcnow(),
            active_fingerprint=None,
            result=summary,
            progress=100.0 if status == "succeeded" else progress,
            done=done,
            total=total,
        )
        .execution_options(synchronize_session=False)
    )
    if ended.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        return False
    message = job.error if status == "failed" else None
    published = await events.append(session, job_id, [events.Draft("job.status", message=message)])
    await session.commit()
    await events.publish(published)
    logger.info("job %s %s", job_id, status)
    metrics.JOBS_FINISHED.labels(pipeline=job.pipeline, status=status).inc()
    return True
