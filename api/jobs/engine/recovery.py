"""Getting the units of a lost process back to the queue.

A running unit is lost when its lease expired (its process stopped renewing it), or
sooner, when the heartbeat of the process holding it is older than
`WORKER_DEAD_SECONDS`: every dispatcher writes `worker_heartbeats.last_seen_at` on the
database's clock from a task of its own, so a process busy running long units still
beats and keeps them. A holder with no heartbeat row at all (a process that is just
starting) keeps its units until their leases expire. A lost unit goes back to `queued`
and resumes from its checkpoint, or fails `WORKER_LOST` after `max_attempts`.

A process declared dead that comes back (a long stall, SIGSTOP then SIGCONT) writes
nothing more: every write of a unit's results and state is conditional on the unit
still being `running` under the same `lease_owner` and `attempts` (`unit_io._owned`,
the finisher's `_lock_units`), so each result is written by the run that owns the unit.

Locks follow the engine's order: the unit rows first (FOR UPDATE SKIP LOCKED on
MySQL/MariaDB, so units a finisher holds are left for the next round), then the job
row (`completion.fail_job`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.config.database import is_mysql
from api.entity.job import Job, JobUnit, WorkerHeartbeat
from api.jobs.engine import claims, completion
from api.jobs.engine.dbclock import now_sql
from api.jobs.engine.retry import retrying

logger = logging.getLogger(__name__)

#: heartbeat rows are deleted once this many times WORKER_DEAD_SECONDS old (an hour at least)
FORGET_AFTER_DEAD = 10
FORGET_AFTER_MIN_SECONDS = 3600.0


async def dead_workers(
    session: AsyncSession, *, dead_seconds: float, alive: str | None = None
) -> list[str]:
    """Processes whose last heartbeat is older than `dead_seconds` (but `alive`, the
    caller, which is running and so not dead whatever its row says)."""
    query = select(WorkerHeartbeat.id).where(
        WorkerHeartbeat.last_seen_at < now_sql(session, -dead_seconds)
    )
    if alive is not None:
        query = query.where(WorkerHeartbeat.id != alive)
    return list(await session.scalars(query.order_by(WorkerHeartbeat.id)))


async def requeue_lost(
    session: AsyncSession,
    *,
    dead_seconds: float | None = None,
    alive: str | None = None,
    limit: int = 100,
) -> list[str]:
    """Re-queue lost units (see the module docstring), or fail them after max_attempts.

    Without `dead_seconds` only expired leases count. Returns the ids of the jobs that
    failed (they may now be finished).
    """
    dead = (
        await dead_workers(session, dead_seconds=dead_seconds, alive=alive)
        if dead_seconds is not None
        else []
    )
    lost = JobUnit.lease_expires_at < now_sql(session)
    if dead:
        lost = or_(lost, JobUnit.lease_owner.in_(dead))
    query = (
        select(JobUnit.id, JobUnit.job_id, JobUnit.attempts, JobUnit.lease_owner)
        .where(JobUnit.status == "running", lost)
        .order_by(JobUnit.id)
        .limit(limit)
    )
    if is_mysql(session):
        query = query.with_for_update(skip_locked=True)
    rows = (await session.execute(query)).all()
    if not rows:
        await session.rollback()
        return []
    limits = await session.execute(
        select(Job.id, Job.max_attempts).where(Job.id.in_({row.job_id for row in rows}))
    )
    max_attempts: dict[str, int] = {row.id: row.max_attempts for row in limits}
    failed: list[str] = []
    for unit_id, job_id, attempts, owner in rows:
        exhausted = attempts >= max_attempts.get(job_id, attempts)
        await _give_back(session, unit_id, exhausted=exhausted)
        if exhausted and job_id not in failed:
            await completion.fail_job(
                session, job_id, "WORKER_LOST", "a unit was lost with its process too many times"
            )
            failed.append(job_id)
        logger.warning(
            "unit %s of job %s: %s (%s)",
            unit_id,
            job_id,
            "its process stopped beating" if owner in dead else "lease expired",
            "failed" if exhausted else "re-queued",
        )
    await session.commit()
    return failed


async def _give_back(session: AsyncSession, unit_id: int, *, exhausted: bool) -> None:
    values: dict[str, Any] = {"lease_owner": None, "lease_expires_at": None}
    if exhausted:
        values.update(
            status="failed",
            error_code="WORKER_LOST",
            finished_at=now_sql(session),
            error="the process running this unit stopped",
        )
    else:
        values.update(status="queued", available_at=now_sql(session))
    await session.execute(
        update(JobUnit).where(JobUnit.id == unit_id, JobUnit.status == "running").values(**values)
    )


def forget_after(dead_seconds: float) -> float:
    """How old a heartbeat row gets before `forget_dead` deletes it."""
    return max(FORGET_AFTER_DEAD * dead_seconds, FORGET_AFTER_MIN_SECONDS)


async def forget_dead(session: AsyncSession, *, dead_seconds: float) -> int:
    """Delete heartbeat rows long dead (see `forget_after`), so the table stays small."""
    gone = await session.execute(
        delete(WorkerHeartbeat).where(
            WorkerHeartbeat.last_seen_at < now_sql(session, -forget_after(dead_seconds))
        )
    )
    await session.commit()
    return int(gone.rowcount)  # type: ignore[attr-defined]


class Heartbeat:
    """This process's heartbeat, and whether it may judge other processes dead now.

    It beats every `min(WORKER_DEAD_SECONDS/4, 2 s)` from a task of its own. After a gap
    in its own beats (a database outage, a stalled or stopped process) every other
    process's heartbeat may be as old as its own: it judges no one by heartbeat until
    WORKER_DEAD_SECONDS more have passed, so the others have beaten again by then.
    """

    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        worker_id: str,
        dead_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.worker_id = worker_id
        self.dead_seconds = dead_seconds
        self.every = min(dead_seconds / 4, 2.0)
        self._beat_at: float | None = None
        self._judge_from = 0.0

    async def beat(self, *, running: int) -> None:
        async with self.sessionmaker() as session:
            await retrying(
                lambda: claims.heartbeat(session, worker_id=self.worker_id, running=running),
                what="heartbeat",
            )
        now = self.clock()
        if self._beat_at is not None and now - self._beat_at > self.dead_seconds / 2:
            self._judge_from = now + self.dead_seconds
            logger.warning(
                "no heartbeat for %.1f s: judging other processes again in %.0f s",
                now - self._beat_at,
                self.dead_seconds,
            )
        self._beat_at = now

    def dead_after(self) -> float | None:
        """WORKER_DEAD_SECONDS while this process beats without a gap, else None."""
        now = self.clock()
        if self._beat_at is None or now - self._beat_at > self.dead_seconds / 2:
            return None
        return self.dead_seconds if now >= self._judge_from else None
