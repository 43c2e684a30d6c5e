"""Counting a job's units: how many are in each status, and the sums its progress is
computed from (a terminal unit counts as done, whatever it reported)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.entity.job import JobResult, JobUnit
from api.jobs.engine.types import ACTIVE, TERMINAL

_UNITS = cast(Table, JobUnit.__table__)


def _fraction() -> Any:
    """How far one unit got, 0-1: its own done/total, or 1 once it is terminal."""
    return case(
        (_UNITS.c.total > 0, 1.0 * _UNITS.c.done / _UNITS.c.total),
        (_UNITS.c.status.in_(TERMINAL), 1.0),
        else_=0.0,
    )


@dataclass
class Tally:
    """One job's units: counts by status, and the sums of their fractions, done, total."""

    counts: dict[str, int]
    fraction: float = 0.0
    done: int = 0
    total: int = 0

    @property
    def active(self) -> bool:
        return any(self.counts.get(status) for status in ACTIVE)

    @property
    def units(self) -> int:
        return sum(self.counts.values())

    @property
    def progress(self) -> float:
        """0-100: the mean of the units' fractions."""
        return min(100.0 * self.fraction / self.units, 100.0) if self.units else 0.0


async def count_units(session: AsyncSession, job_ids: list[str]) -> dict[str, Tally]:
    """A Tally per job (one grouped query); a job without units has none."""
    rows = await session.execute(
        select(
            _UNITS.c.job_id, _UNITS.c.status, func.count(), func.sum(_fraction()),
            func.sum(_UNITS.c.done), func.sum(_UNITS.c.total),
        ).where(_UNITS.c.job_id.in_(job_ids)).group_by(_UNITS.c.job_id, _UNITS.c.status)
    )  # fmt: skip
    tallies: dict[str, Tally] = {}
    for job_id, status, count, frac, done, total in rows:
        tally = tallies.setdefault(job_id, Tally(counts={}))
        tally.counts[status] = int(count)
        tally.fraction += float(frac or 0)
        tally.done += int(done or 0)
        tally.total += int(total or 0)
    return tallies


async def count_results(session: AsyncSession, job_ids: list[str]) -> dict[str, int]:
    """Results stored per job (jobs without any are left out)."""
    if not job_ids:
        return {}
    rows = await session.execute(
        select(JobResult.job_id, func.count())
        .where(JobResult.job_id.in_(job_ids))
        .group_by(JobResult.job_id)
    )
    return {job_id: int(n) for job_id, n in rows}


async def job_progress(session: AsyncSession, job_id: str) -> tuple[float, int, int]:
    """`(progress 0-100, done, total)` of one running job, in one ungrouped query."""
    row = (
        await session.execute(
            select(
                func.sum(_fraction()), func.count(), func.sum(_UNITS.c.done),
                func.sum(_UNITS.c.total),
            ).where(_UNITS.c.job_id == job_id)
        )
    ).one()  # fmt: skip
    units = int(row[1] or 0)
    progress = 100.0 * float(row[0] or 0) / units if units else 0.0
    return min(progress, 100.0), int(row[2] or 0), int(row[3] or 0)
