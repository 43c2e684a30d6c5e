"""Jobs for their owners: submit (idempotent, duplicate-guarded), read, list, results."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.config.settings import Settings
from api.core.errors import ConflictError, NotFoundError, ValidationFailedError
from api.core.pagination import decode_cursor, decode_time_cursor, encode_cursor
from api.entity.base import new_id, utcnow
from api.entity.job import Job, JobResult, JobUnit
from api.entity.user import User
from api.jobs.engine import eventlog as events
from pipeline.contract import PipelineDef
from pipeline.registry import get_pipeline

logger = logging.getLogger(__name__)

IDEMPOTENCY_TTL = timedelta(hours=24)
RESULT_FIELDS = ("file_id", "filename", "status", "candidate_id", "error_code", "detail")


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def fingerprint(owner_id: str, pipeline: str, params: dict[str, Any]) -> str:
    """The duplicate guard: same owner, pipeline and (normalised) params."""
    return hashlib.sha256(f"{owner_id}\n{pipeline}\n{canonical(params)}".encode()).hexdigest()


def resolve_pipeline(settings: Settings, name: str, *, public_only: bool) -> PipelineDef:
    pipeline = get_pipeline(name)
    if (
        pipeline is None
        or (public_only and not pipeline.public)
        or (pipeline.test_only and not settings.test_pipelines_enabled)
    ):
        raise ValidationFailedError(f"Unknown pipeline {name!r}", error_code="UNKNOWN_PIPELINE")
    return pipeline


def _validated(pipeline: PipelineDef, params: dict[str, Any]) -> dict[str, Any]:
    try:
        return pipeline.validate(params)
    except ValueError as exc:
        raise ValidationFailedError(f"Invalid params: {exc}") from exc


async def _replay(session: AsyncSession, owner: User, key: str, request_hash: str) -> Job | None:
    """The job already created under this Idempotency-Key, or None (expired keys freed)."""
    job = await session.scalar(
        select(Job).where(Job.owner_id == owner.id, Job.idempotency_key == key)
    )
    if job is None:
        return None
    if job.created_at < utcnow() - IDEMPOTENCY_TTL:
        job.idempotency_key = None
        await session.flush()
        return None
    if job.request_hash != request_hash:
        raise ValidationFailedError(
            "This Idempotency-Key was used with a different request",
            error_code="IDEMPOTENCY_MISMATCH",
        )
    return job


async def submit_job(
    *,
    session: AsyncSession,
    settings: Settings,
    owner: User,
    pipeline: str,
    params: dict[str, Any],
    priority: int = 0,
    max_execution_seconds: int | None = None,
    idempotency_key: str | None = None,
    posting_id: str | None = None,
    public_only: bool = True,
) -> tuple[Job, bool]:
    """Persist a job, its units and its first event; return `(job, created)`."""
    definition = resolve_pipeline(settings, pipeline, public_only=public_only)
    request_hash = hashlib.sha256(
        canonical([pipeline, params, priority, max_execution_seconds, posting_id]).encode()
    ).hexdigest()
    if idempotency_key:
        existing = await _replay(session, owner, idempotency_key, request_hash)
        if existing is not None:
            return existing, False
    clean = _validated(definition, params)
    payloads = definition.plan(clean)
    job = Job(
        id=new_id(),
        owner_id=owner.id,
        posting_id=posting_id,
        pipeline=pipeline,
        priority=priority,
        status="queued",
        params=clean,
        max_attempts=settings.default_max_attempts,
        max_execution_seconds=max_execution_seconds or settings.default_max_execution_seconds,
        idempotency_key=idempotency_key or None,
        request_hash=request_hash if idempotency_key else None,
        active_fingerprint=fingerprint(owner.id, pipeline, clean),
        total=0,
        last_seq=0,
        created_at=utcnow(),
    )
    try:
        session.add(job)
        await session.flush()
        session.add_all(
            JobUnit(job_id=job.id, index=i, priority=priority, payload=p, available_at=utcnow())
            for i, p in enumerate(payloads or [{}])
        )
        await session.flush()
        published = await events.append(session, job.id, [events.Draft("job.status")])
        await session.commit()
    except IntegrityError:
        await session.rollback()
        return await _explain_conflict(session, owner, job, idempotency_key, request_hash), False
    await session.refresh(job)
    await events.publish(published)
    await events.wake_dispatchers()
    logger.info("job %s submitted (%s, %s units)", job.id, pipeline, len(payloads or [{}]))
    return job, True


async def _explain_conflict(
    session: AsyncSession, owner: User, job: Job, key: str | None, request_hash: str
) -> Job:
    """A concurrent submit won: the same idempotency key, or an active duplicate."""
    if key:
        existing = await _replay(session, owner, key, request_hash)
        if existing is not None:
            return existing
    duplicate = await session.scalar(
        select(Job.id).where(Job.active_fingerprint == job.active_fingerprint)
    )
    raise ConflictError(
        "An identical job is already queued or running",
        error_code="DUPLICATE_JOB",
        extra={"job_id": duplicate},
    )


async def get_job_for_owner(*, session: AsyncSession, owner: User, job_id: str) -> Job:
    job = await session.get(Job, job_id, populate_existing=True)
    if job is None or job.owner_id != owner.id:
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
) -> tuple[list[Job], str | None]:
    """The owner's jobs, newest first, keyset-paged by (created_at, id)."""
    query = select(Job).where(Job.owner_id == owner.id)
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
    rows = await events.list_events(
        session=session, job_id=job.id, after_seq=after_seq, limit=limit
    )
    items = [events.event_to_dict(ev, job.owner_id) for ev in rows]
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
