"""Claiming units, renewing and releasing leases, heartbeats, stuck and timed-out jobs.

Re-queueing the units of a lost process is `recovery`'s.

Claim order is priority (highest first), then the oldest unit. MySQL/MariaDB lock the
claimed rows with `SELECT ... FOR UPDATE SKIP LOCKED`, so concurrent claimers skip each
other's rows instead of waiting; SQLite has one writer and uses a conditional
`UPDATE ... WHERE id = ? AND status = 'queued'` per row. Attempts are counted at claim.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api import __version__
from api.config.database import is_mysql
from api.entity.job import Job, JobUnit, WorkerHeartbeat
from api.jobs.engine import completion
from api.jobs.engine import eventlog as events
from api.jobs.engine.dbclock import db_now, now_sql
from api.jobs.engine.types import ACTIVE, Claim

logger = logging.getLogger(__name__)


async def _candidate_ids(session: AsyncSession, limit: int) -> list[int]:
    query = (
        select(JobUnit.id)
        .where(JobUnit.status == "queued", JobUnit.available_at <= now_sql(session))
        .order_by(JobUnit.priority.desc(), JobUnit.id)
        .limit(limit)
    )
    if is_mysql(session):
        return list(await session.scalars(query.with_for_update(skip_locked=True)))
    ids = list(await session.scalars(query))
    won = []
    for unit_id in ids:  # SQLite: one conditional UPDATE per row decides the winner
        taken = await session.execute(
            update(JobUnit)
            .where(JobUnit.id == unit_id, JobUnit.status == "queued")
            .values(status="running")
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            won.append(unit_id)
    return won


async def claim_units(
    session: AsyncSession, *, worker_id: str, limit: int, lease_seconds: float
) -> tuple[list[Claim], list[dict[str, Any]]]:
    """Claim up to `limit` units and start their jobs; returns claims and events to publish."""
    ids = await _candidate_ids(session, limit)
    if not ids:
        await session.rollback()
        return [], []
    now = now_sql(session)
    await session.execute(
        update(JobUnit)
        .where(JobUnit.id.in_(ids))
        .values(
            status="running",
            attempts=JobUnit.attempts + 1,
            lease_owner=worker_id,
            lease_expires_at=now_sql(session, lease_seconds),
            started_at=func.coalesce(JobUnit.started_at, now),
            error_code=None,
            error=None,
        )
    )
    units = cast(Table, JobUnit.__table__)
    rows = (
        await session.execute(
            select(
                units.c.id, units.c.job_id, units.c.index, units.c.attempts,
                Job.max_attempts, Job.pipeline, units.c.payload, units.c.checkpoint,
            )
            .join(Job, Job.id == units.c.job_id)
            .where(units.c.id.in_(ids))
            .order_by(units.c.priority.desc(), units.c.id)
        )
    ).all()  # fmt: skip
    published = await _start_jobs(session, {row.job_id for row in rows}, now)
    await session.commit()
    return [Claim(*row) for row in rows], published


async def _start_jobs(
    session: AsyncSession, job_ids: set[str], now: ColumnElement[datetime]
) -> list[dict[str, Any]]:
    """Move the still-queued jobs among `job_ids` to running, with their `job.status`
    events: one UPDATE for all of them, the events from their rows read under lock."""
    starting = (
        await session.execute(
            select(*events.HEAD_COLUMNS)
            .where(Job.id.in_(job_ids), Job.status == "queued")
            .order_by(Job.id)
            .with_for_update()
        )
    ).all()
    if not starting:
        return []
    await session.execute(
        update(Job)
        .where(Job.id.in_([head.id for head in starting]))
        .values(
            status="running",
            started_at=func.coalesce(Job.started_at, now),
            last_seq=Job.last_seq + 1,
        )
        .execution_options(synchronize_session=False)
    )
    running = [events.Draft("job.status", status="running")]
    return await events.insert_drafts(
        session, [(head, head.last_seq, running) for head in starting]
    )


async def renew_finalize_claims(
    session: AsyncSession, *, job_ids: list[str], lease_seconds: float
) -> None:
    """Extend the finalize claims of the jobs whose hooks run in this process."""
    if not job_ids:
        return
    await session.execute(
        update(Job)
        .where(Job.id.in_(sorted(job_ids)), Job.finalize_until.is_not(None))
        .values(finalize_until=now_sql(session, lease_seconds))
    )
    await session.commit()


async def renew_leases(
    session: AsyncSession, *, worker_id: str, unit_ids: list[int], lease_seconds: float
) -> None:
    """Extend the leases of the units this process holds (by primary key: few row locks)."""
    if not unit_ids:
        return
    await session.execute(
        update(JobUnit)
        .where(JobUnit.id.in_(sorted(unit_ids)), JobUnit.lease_owner == worker_id)
        .values(lease_expires_at=now_sql(session, lease_seconds))
    )
    await session.commit()


async def release_leases(session: AsyncSession, *, worker_id: str, unit_ids: list[int]) -> int:
    """Give the units this process holds back to the queue; not counted as an attempt."""
    if not unit_ids:
        return 0
    released = await session.execute(
        update(JobUnit)
        .where(
            JobUnit.id.in_(sorted(unit_ids)),
            JobUnit.lease_owner == worker_id,
            JobUnit.status == "running",
        )
        .values(
            status="queued",
            attempts=JobUnit.attempts - 1,
            lease_owner=None,
            lease_expires_at=None,
            available_at=now_sql(session),
        )
    )
    await session.commit()
    return int(released.rowcount)  # type: ignore[attr-defined]


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{os.urandom(3).hex()}"


async def heartbeat(session: AsyncSession, *, worker_id: str, running: int) -> None:
    now = now_sql(session)
    beat = await session.execute(
        update(WorkerHeartbeat)
        .where(WorkerHeartbeat.id == worker_id)
        .values(last_seen_at=now, running_units=running)
    )
    if beat.rowcount == 0:  # type: ignore[attr-defined]
        host, pid, _ = worker_id.split(":", 2)
        session.add(
            WorkerHeartbeat(
                id=worker_id,
                hostname=host,
                pid=int(pid),
                version=__version__,
                running_units=running,
                last_seen_at=await db_now(session),
            )
        )
    await session.commit()


async def forget_worker(session: AsyncSession, *, worker_id: str) -> None:
    await session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.id == worker_id))
    await session.commit()


async def stuck_jobs(session: AsyncSession, *, limit: int = 20) -> list[str]:
    """Active jobs with no active unit left (their finisher died before the end) and no
    live finalize claim (a hook that runs, in this process or another)."""
    active_unit = (
        select(JobUnit.id).where(JobUnit.job_id == Job.id, JobUnit.status.in_(ACTIVE)).exists()
    )
    unclaimed = or_(Job.finalize_until.is_(None), Job.finalize_until < now_sql(session))
    rows = await session.scalars(
        select(Job.id).where(Job.status.in_(ACTIVE), ~active_unit, unclaimed).limit(limit)
    )
    found = list(rows)
    await session.rollback()
    return found


async def expire_timeouts(session: AsyncSession) -> list[str]:
    """Fail running jobs past their `max_execution_seconds` with JOB_TIMEOUT."""
    now = await db_now(session)
    rows = (
        await session.execute(
            select(Job.id, Job.started_at, Job.max_execution_seconds).where(
                Job.status == "running", Job.error_code.is_(None)
            )
        )
    ).all()
    late = [
        (job_id, limit)
        for job_id, started, limit in rows
        if started is not None and (now - started).total_seconds() > limit
    ]
    for job_id, limit in late:
        await completion.fail_job(
            session, job_id, "JOB_TIMEOUT", f"the job ran longer than {limit} s"
        )
    await session.commit()
    return [job_id for job_id, _ in late]
