"""The database side of a running unit: one transaction per flush, and the final one.

A flush writes, in one transaction: the unit's results (an idempotent upsert keyed by
`(job_id, key)`), its progress and checkpoint, the job's aggregated progress, and the
buffered events with their seqs. The unit's completion is written together with its
last flush, so a unit's results and its completion are never separated.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import mysql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from api.config.database import is_mysql
from api.entity.base import utcnow
from api.entity.job import Job, JobResult, JobUnit
from api.jobs.engine import completion, tally
from api.jobs.engine import eventlog as events
from api.jobs.engine.dbclock import now_sql
from api.jobs.engine.types import Outcome, Pending

logger = logging.getLogger(__name__)


async def upsert_results(
    session: AsyncSession, job_id: str, results: dict[str, dict[str, Any]]
) -> None:
    await upsert_many(session, [(job_id, results)])


async def upsert_many(
    session: AsyncSession, batches: list[tuple[str, dict[str, dict[str, Any]]]]
) -> None:
    """Upsert results keyed by `(job_id, key)` for several jobs in one statement."""
    now = utcnow()
    rows = [
        {"job_id": job_id, "key": k, "value": v, "created_at": now, "updated_at": now}
        for job_id, results in batches
        for k, v in results.items()
    ]
    if not rows:
        return
    if is_mysql(session):
        stmt = mysql.insert(JobResult).values(rows)
        await session.execute(
            stmt.on_duplicate_key_update(value=stmt.inserted.value, updated_at=now)
        )
    else:
        lite = sqlite.insert(JobResult).values(rows)
        await session.execute(
            lite.on_conflict_do_update(
                index_elements=["job_id", "key"],
                set_={"value": lite.excluded.value, "updated_at": now},
            )
        )


def _owned(unit_id: int, worker_id: str, attempt: int) -> Any:
    """This claim still holds the unit: same process and same attempt (a fencing token).

    A process whose lease expired (a long stall) and that claimed the unit again must
    not let the stale run write: the attempt number tells the two runs apart.
    """
    return (
        JobUnit.id == unit_id,
        JobUnit.lease_owner == worker_id,
        JobUnit.attempts == attempt,
        JobUnit.status == "running",
    )


async def write_pending(
    session: AsyncSession,
    *,
    job_id: str,
    unit_id: int,
    worker_id: str,
    attempt: int,
    pending: Pending,
    progress_event: bool,
    lease_seconds: float,
) -> list[dict[str, Any]] | None:
    """Write `pending` (not committed) and return the events to publish after the commit.

    None when this process no longer holds the unit's lease (nothing was written).
    """
    values: dict[str, Any] = {"lease_expires_at": now_sql(session, lease_seconds)}
    if pending.progress is not None:
        values["done"], values["total"] = pending.progress[0], pending.progress[1]
    if pending.has_checkpoint:
        values["checkpoint"] = pending.checkpoint
    owned = await session.execute(
        update(JobUnit).where(*_owned(unit_id, worker_id, attempt)).values(**values)
    )
    if owned.rowcount != 1:  # type: ignore[attr-defined]
        return None
    await upsert_results(session, job_id, pending.results)
    drafts = list(pending.drafts)
    if pending.progress is not None:
        progress, done, total = await tally.job_progress(session, job_id)
        stage = pending.progress[2]
        await session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == "running")
            .values(
                progress=progress, done=done, total=total, **({"stage": stage} if stage else {})
            )
        )
        if progress_event:
            drafts.append(events.Draft("job.progress", message=pending.progress[3]))
    return await events.append(session, job_id, drafts)


async def write_outcome(
    session: AsyncSession,
    *,
    job_id: str,
    unit_id: int,
    worker_id: str,
    attempt: int,
    outcome: Outcome,
) -> bool:
    """Move the unit to its next state (not committed); False if the lease was lost."""
    values: dict[str, Any] = {"lease_owner": None, "lease_expires_at": None}
    if outcome.kind in ("succeeded", "failed", "cancelled"):
        values.update(status=outcome.kind, finished_at=utcnow())
    if outcome.kind == "failed":
        values.update(error_code=outcome.code, error=(outcome.detail or "")[:2000])
    if outcome.kind == "release":
        values.update(status="queued", attempts=JobUnit.attempts - 1)
    if outcome.kind == "retry":
        values.update(
            status="queued",
            available_at=now_sql(session, outcome.retry_in),
            error_code=outcome.code,
            error=outcome.detail,
        )
    changed = await session.execute(
        update(JobUnit).where(*_owned(unit_id, worker_id, attempt)).values(**values)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    if outcome.kind == "failed":
        await completion.fail_job(
            session, job_id, outcome.code or "INTERNAL_ERROR", outcome.detail or "the unit failed"
        )
    return True
