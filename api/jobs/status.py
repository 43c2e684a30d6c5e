"""The queue in figures: `GET /status` for its users and admins, `/metrics` for scrapers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api import __version__
from api.entity.base import utcnow
from api.entity.job import Job, JobUnit, WorkerHeartbeat
from api.entity.user import User
from api.jobs.engine import eventlog
from api.jobs.engine.types import ACTIVE

#: a process whose heartbeat is older than this is not listed as live
LIVE_WINDOW = timedelta(seconds=30)


@dataclass
class QueueFigures:
    jobs: dict[str, float] = field(default_factory=dict)
    units: dict[str, float] = field(default_factory=dict)
    queue_depth: float = 0.0
    database_up: bool = True


async def _read(session: AsyncSession) -> QueueFigures:
    jobs = await session.execute(select(Job.status, func.count()).group_by(Job.status))
    units = await session.execute(select(JobUnit.status, func.count()).group_by(JobUnit.status))
    depth = await session.scalar(
        select(func.count())
        .select_from(JobUnit)
        .where(JobUnit.status == "queued", JobUnit.available_at <= utcnow())
    )
    return QueueFigures(
        jobs={status: float(count) for status, count in jobs.all()},
        units={status: float(count) for status, count in units.all()},
        queue_depth=float(depth or 0),
    )


async def queue_figures(
    *, sessions: async_sessionmaker[AsyncSession], within_seconds: float
) -> QueueFigures:
    """Counts by status; a slow or absent database gives `database_up=False`, not an error."""

    async def run() -> QueueFigures:
        async with sessions() as session:
            return await _read(session)

    try:
        return await asyncio.wait_for(run(), within_seconds)
    except Exception:  # the scrape must answer even while the database is down
        return QueueFigures(database_up=False)


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
                "last_seen_at": eventlog.iso(b.last_seen_at),
            }
            for b in beats
        ],
        "connections": connections,
    }
    return out
