"""Figures for `/metrics` computed at scrape time: jobs by status and queue depth."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.entity.base import utcnow
from api.entity.job import Job, JobUnit


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
