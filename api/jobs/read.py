"""Reading jobs: one job, the owner's jobs, a job's results and its event log.

The event-log reads (`events_after`, `last_seqs`, `status_events_since`) serve live
push: replay after a reconnect, filling gaps, and the poll that stands in for Redis.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.core.errors import NotFoundError
from api.core.pagination import decode_cursor, decode_time_cursor, encode_cursor
from api.entity.base import utcnow
from api.entity.job import Job, JobEvent, JobResult
from api.entity.user import User
from api.jobs.engine import eventlog
from api.jobs.engine.types import ACTIVE

#: a job in one of these states still runs (or will): its data is in use
ACTIVE_STATUSES = ACTIVE

RESULT_FIELDS = ("file_id", "filename", "status", "candidate_id", "error_code", "detail")


async def get_job_for_owner(*, session: AsyncSession, owner: User, job_id: str) -> Job:
    """The job, freshly read; NotFoundError when it is someone else's (an admin may
    read scheduled jobs, which have no owner)."""
    job = await session.get(Job, job_id, populate_existing=True)
    scheduled = job is not None and job.owner_id is None and owner.is_admin
    if job is None or (job.owner_id != owner.id and not scheduled):
        raise NotFoundError("Job not found")
    return job


async def list_jobs(
    *,
    session: AsyncSession,
    owner: User,
    limit: int,
    cursor: str | None = None,
    status: str | None = None,
    pipeline: str | None = None,
    posting_id: str | None = None,
    scheduled: bool = False,
) -> tuple[list[Job], str | None]:
    """The owner's jobs (or, `scheduled`, the scheduled jobs: check the caller is an
    admin), newest first, keyset-paged by (created_at, id)."""
    query = select(Job).where(Job.owner_id.is_(None) if scheduled else Job.owner_id == owner.id)
    if status:
        query = query.where(Job.status == status)
    if pipeline:
        query = query.where(Job.pipeline == pipeline)
    if posting_id:
        query = query.where(Job.posting_id == posting_id)
    if cursor:
        created, ident = decode_time_cursor(cursor)
        query = query.where(
            or_(Job.created_at < created, and_(Job.created_at == created, Job.id < ident))
        )
    rows = list(
        await session.scalars(query.order_by(Job.created_at.desc(), Job.id.desc()).limit(limit + 1))
    )
    page = rows[:limit]
    more = len(rows) > limit
    return page, encode_cursor(page[-1].created_at, page[-1].id) if more else None


async def list_job_events(
    *, session: AsyncSession, owner: User, job_id: str, after_seq: int, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """Stored events after `after_seq`; `next_cursor` is the last seq when more may follow."""
    job = await get_job_for_owner(session=session, owner=owner, job_id=job_id)
    rows = await eventlog.list_events(
        session=session, job_id=job.id, after_seq=after_seq, limit=limit
    )
    items = [eventlog.event_to_dict(ev, job.owner_id or "") for ev in rows]
    more = len(rows) == limit and rows[-1].seq < job.last_seq
    return items, str(rows[-1].seq) if more else None


async def list_job_results(
    *, session: AsyncSession, owner: User, job_id: str, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """The job's results in key order: `{key, file_id, filename, status, ...}`."""
    job = await get_job_for_owner(session=session, owner=owner, job_id=job_id)
    query = select(JobResult).where(JobResult.job_id == job.id)
    if cursor:
        (after,) = decode_cursor(cursor, 1)
        query = query.where(JobResult.key > str(after))
    rows = list(await session.scalars(query.order_by(JobResult.key).limit(limit + 1)))
    items = [{"key": r.key, **{f: r.value.get(f) for f in RESULT_FIELDS}} for r in rows[:limit]]
    more = len(rows) > limit
    return items, encode_cursor(rows[limit - 1].key) if more else None


def job_snapshot(job: Job) -> dict[str, Any]:
    """`job.snapshot`: the job's state now, `seq = last_seq` (first frame of a stream)."""
    return eventlog.job_snapshot(job)


async def events_after(
    *, session: AsyncSession, job_id: str, after_seq: int, limit: int
) -> list[dict[str, Any]]:
    """A job's events with `seq > after_seq`, oldest first, in their wire shape."""
    owner_id = await session.scalar(select(Job.owner_id).where(Job.id == job_id))
    if owner_id is None:
        return []
    rows = await eventlog.list_events(
        session=session, job_id=job_id, after_seq=after_seq, limit=limit
    )
    return [eventlog.event_to_dict(ev, owner_id) for ev in rows]


async def last_seqs(*, session: AsyncSession, job_ids: list[str]) -> dict[str, int]:
    """The seq of each job's latest event."""
    rows = await session.execute(select(Job.id, Job.last_seq).where(Job.id.in_(job_ids)))
    return {row.id: row.last_seq for row in rows}


async def status_events_since(
    *, session: AsyncSession, owner_ids: list[str], seconds: float
) -> list[dict[str, Any]]:
    """Recent `job.status` events of these owners' jobs, oldest first per job."""
    since = utcnow() - timedelta(seconds=seconds)
    rows = await session.execute(
        select(JobEvent, Job.owner_id)
        .join(Job, Job.id == JobEvent.job_id)
        .where(
            Job.owner_id.in_(owner_ids),
            (Job.finished_at.is_(None)) | (Job.finished_at >= since),
            JobEvent.type == "job.status",
            JobEvent.created_at >= since,
        )
        .order_by(JobEvent.job_id, JobEvent.seq)
        .limit(5000)
    )
    return [eventlog.event_to_dict(ev, owner_id or "") for ev, owner_id in rows]
