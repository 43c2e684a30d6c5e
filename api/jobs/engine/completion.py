"""How a job ends: run the finalize hook, then write the terminal status.

A job is finished by whichever process sees all of its units terminal (the one that
finished the last unit, a cancel request, or the recovery sweep after a crash). The
terminal UPDATE is conditional on the job still being active, so exactly one process
writes the terminal `job.status` event, and it is the job's last event. The end state
itself comes from `ending.end_state`, which the finisher's batches use too.

A finalize hook runs once per job: before it starts, the process claims the job
(`jobs.finalize_until`, a lease on the database's clock that its dispatcher renews), so
the recovery sweep, a cancel request or another process that sees the same job with no
active unit leaves it alone while the hook runs. A claim left by a process that died
lapses after `LEASE_SECONDS`, and the sweep then finishes the job.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.entity.base import utcnow
from api.entity.job import Job, JobUnit
from api.jobs.engine import ending, tally
from api.jobs.engine import eventlog as events
from api.jobs.engine.dbclock import now_sql
from api.jobs.engine.queue import JobQueue
from api.jobs.engine.registry import FinalizeHook
from api.jobs.engine.retry import retrying
from api.jobs.engine.types import ACTIVE, TERMINAL

logger = logging.getLogger(__name__)

#: jobs whose finalize hook runs in this process; the dispatcher renews their claims
FINALIZING: set[str] = set()


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


async def _run_finalize(session: AsyncSession, job: Job, hook: FinalizeHook) -> dict[str, Any]:
    job_id = job.id  # read now: a failed attempt's rollback expires the loaded job

    async def attempt() -> dict[str, Any] | None:
        await session.refresh(job)
        try:
            return await hook(session, job)
        except Exception:
            await session.rollback()
            raise

    try:
        extra = await retrying(attempt, what=f"finalize {job_id}")
        return dict(extra or {})
    except Exception:
        logger.exception("finalize hook of job %s failed", job_id)
        await fail_job(session, job_id, "INTERNAL_ERROR", "finishing the job failed")
        await session.commit()
        return {}


async def claim_finalize(session: AsyncSession, job_id: str, lease_seconds: float) -> bool:
    """Take the job's finalize claim (committed); False while another run holds it."""
    if job_id in FINALIZING:
        return False
    claimed = await session.execute(
        update(Job)
        .where(
            Job.id == job_id,
            Job.status.in_(ACTIVE),
            or_(Job.finalize_until.is_(None), Job.finalize_until < now_sql(session)),
        )
        .values(finalize_until=now_sql(session, lease_seconds))
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    return claimed.rowcount == 1  # type: ignore[attr-defined,no-any-return]


async def finish_job_if_done(*, session: AsyncSession, queue: JobQueue, job_id: str) -> bool:
    """Finish the job if all its units are terminal; True if this call finished it."""
    units = (await tally.count_units(session, [job_id])).get(job_id, tally.Tally(counts={}))
    if units.active:
        return False
    job = await session.get(Job, job_id, populate_existing=True)
    if job is None or job.status in TERMINAL:
        return False
    hook = queue.types.finalize_hook(job.pipeline)
    if hook is None:
        return await _end(session, queue, job_id, units, {})
    if not await claim_finalize(session, job_id, queue.settings.lease_seconds):
        return False
    FINALIZING.add(job_id)
    try:
        extra = await _run_finalize(session, job, hook)
        return await _end(session, queue, job_id, units, extra)
    finally:
        FINALIZING.discard(job_id)


async def _end(
    session: AsyncSession, queue: JobQueue, job_id: str, units: tally.Tally, extra: dict[str, Any]
) -> bool:
    """Write the terminal status and its event, unless another process did."""
    job = await session.get(Job, job_id, populate_existing=True)
    if job is None:
        await session.rollback()
        return False
    results = await tally.count_results(session, [job_id])
    end = ending.end_state(
        tally=units,
        error_code=job.error_code,
        error=job.error,
        cancel_requested=job.cancel_requested,
        results=results.get(job_id, 0),
        extra=extra,
    )
    ended = await session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status.in_(ACTIVE))
        .values(**end.values, finalize_until=None)
        .execution_options(synchronize_session=False)
    )
    if ended.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        return False
    published = await events.append(session, job_id, [end.event])
    await session.commit()
    await queue.publisher.events(published)
    ending.record_ended(job_id, job.pipeline, end.status)
    return True
