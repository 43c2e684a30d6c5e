"""Submitting a job: validated by its job type, split into units, idempotent, and
refused while an identical job is queued or running."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.core.errors import ConflictError, ValidationFailedError
from api.entity.base import new_id, utcnow
from api.entity.job import Job, JobUnit
from api.entity.user import User
from api.jobs.engine import eventlog
from api.jobs.engine.queue import JobQueue
from pipeline.contract import PipelineDef

logger = logging.getLogger(__name__)

IDEMPOTENCY_TTL = timedelta(hours=24)


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def fingerprint(owner_id: str, pipeline: str, params: dict[str, Any]) -> str:
    """The duplicate guard: same owner, pipeline and (normalised) params."""
    return hashlib.sha256(f"{owner_id}\n{pipeline}\n{canonical(params)}".encode()).hexdigest()


def resolve_pipeline(queue: JobQueue, name: str, *, public_only: bool) -> PipelineDef:
    """The registered pipeline `name`, if this caller may submit it."""
    job_type = queue.types.get(name)
    pipeline = None if job_type is None else job_type.pipeline
    if (
        pipeline is None
        or (public_only and not pipeline.public)
        or (pipeline.test_only and not queue.settings.test_pipelines_enabled)
    ):
        raise ValidationFailedError(f"Unknown pipeline {name!r}", error_code="UNKNOWN_PIPELINE")
    return pipeline


def _validated(pipeline: PipelineDef, params: dict[str, Any]) -> dict[str, Any]:
    try:
        return pipeline.validate(params)
    except ValueError as exc:
        raise ValidationFailedError(f"Invalid params: {exc}") from exc


async def _replay(session: AsyncSession, owner_id: str, key: str, request_hash: str) -> Job | None:
    """The job already created under this Idempotency-Key, or None (expired keys freed)."""
    job = await session.scalar(
        select(Job).where(Job.owner_id == owner_id, Job.idempotency_key == key)
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
    queue: JobQueue,
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
    settings = queue.settings
    definition = resolve_pipeline(queue, pipeline, public_only=public_only)
    request_hash = hashlib.sha256(
        canonical([pipeline, params, priority, max_execution_seconds, posting_id]).encode()
    ).hexdigest()
    owner_id = owner.id  # a rollback below expires `owner`: never load it again after one
    if idempotency_key:
        existing = await _replay(session, owner_id, idempotency_key, request_hash)
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
        published = await eventlog.append(session, job.id, [eventlog.Draft("job.status")])
        await session.commit()
    except IntegrityError:
        await session.rollback()
        conflict = await _explain_conflict(session, owner_id, job, idempotency_key, request_hash)
        return conflict, False
    await session.refresh(job)
    await queue.publisher.events(published)
    await queue.publisher.wake_dispatchers()
    logger.info("job %s submitted (%s, %s units)", job.id, pipeline, len(payloads or [{}]))
    return job, True


async def _explain_conflict(
    session: AsyncSession, owner_id: str, job: Job, key: str | None, request_hash: str
) -> Job:
    """A concurrent submit won: the same idempotency key, or an active duplicate."""
    if key:
        existing = await _replay(session, owner_id, key, request_hash)
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
