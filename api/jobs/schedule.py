"""Scheduled jobs: a job type run every `every_seconds`, once per period across processes.

Every process that runs a dispatcher also runs a `Scheduler`. At each tick it looks, for
each schedule, for the job of the current period (`jobs.schedule_key` is
`<name>:<every>:<period>` and unique) and submits it when it is missing. When several
processes try at once the unique key lets one insert win; the others roll back. Periods
are counted on the database's clock (`UTC_TIMESTAMP` on MySQL/MariaDB), so hosts with
skewed clocks agree on them. A scheduled job has no owner: admins list them with
`GET /jobs?scheduled=true`. While the previous period's job is still queued or running
the next one is not submitted (its duplicate guard is taken); the period after tries
again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.entity.base import new_id, utcnow
from api.entity.job import Job, JobUnit
from api.jobs import submit
from api.jobs.engine import eventlog
from api.jobs.engine.dbclock import db_now
from api.jobs.engine.queue import JobQueue
from api.jobs.engine.retry import is_retryable

logger = logging.getLogger(__name__)

#: the longest pause between two looks at the schedules
MAX_TICK_SECONDS = 30.0


@dataclass(frozen=True)
class Schedule:
    """Run `pipeline` with `params` once every `every_seconds` (at most once per period)."""

    name: str
    pipeline: str
    every_seconds: float
    params: dict[str, Any] = field(default_factory=dict)
    #: below the default 0, so scheduled work waits behind users' jobs
    priority: int = -10

    def __post_init__(self) -> None:
        if self.every_seconds <= 0:
            raise ValueError("a schedule's period must be positive")

    def period(self, now: datetime) -> int:
        """The number of the period `now` (naive UTC) falls in, counted from the epoch."""
        return int(now.replace(tzinfo=UTC).timestamp() // self.every_seconds)

    def key(self, period: int) -> str:
        return f"{self.name}:{self.every_seconds:g}:{period}"


async def submit_due(
    session: AsyncSession, queue: JobQueue, schedule: Schedule, now: datetime
) -> Job | None:
    """The job of the period `now` falls in, if this call created it (else None)."""
    key = schedule.key(schedule.period(now))
    if await session.scalar(select(Job.id).where(Job.schedule_key == key)) is not None:
        await session.rollback()
        return None
    definition = submit.resolve_pipeline(queue, schedule.pipeline, public_only=False)
    params = definition.validate(dict(schedule.params))
    payloads = definition.plan(params) or [{}]
    guard = submit.fingerprint(f"schedule:{schedule.name}", schedule.pipeline, params)
    job = Job(
        id=new_id(),
        owner_id=None,
        pipeline=schedule.pipeline,
        priority=schedule.priority,
        status="queued",
        params=params,
        max_attempts=queue.settings.default_max_attempts,
        max_execution_seconds=queue.settings.default_max_execution_seconds,
        active_fingerprint=guard,
        schedule_key=key,
        total=0,
        last_seq=0,
        created_at=utcnow(),
    )
    try:
        session.add(job)
        await session.flush()
        session.add_all(
            JobUnit(job_id=job.id, index=i, priority=schedule.priority, payload=p,
                    available_at=utcnow())
            for i, p in enumerate(payloads)
        )  # fmt: skip
        await session.flush()
        published = await eventlog.append(session, job.id, [eventlog.Draft("job.status")])
        await session.commit()
    except IntegrityError:  # another process submitted this period, or the last one runs
        await session.rollback()
        return None
    await queue.publisher.events(published)
    await queue.publisher.wake_dispatchers()
    logger.info("scheduled job %s submitted (%s, period %s)", job.id, schedule.name, key)
    return job


class Scheduler:
    """Submits the schedules' jobs from one process; any number of processes may run one."""

    def __init__(
        self,
        *,
        queue: JobQueue,
        sessionmaker: async_sessionmaker[AsyncSession],
        schedules: list[Schedule],
    ) -> None:
        self.queue = queue
        self.sessionmaker = sessionmaker
        self.schedules = list(schedules)
        shortest = min((s.every_seconds for s in self.schedules), default=MAX_TICK_SECONDS)
        self.tick_seconds = min(max(shortest / 4, 0.05), MAX_TICK_SECONDS)
        self._task: asyncio.Task[None] | None = None

    async def tick(self) -> list[Job]:
        """Submit every schedule's job that is due and missing; the jobs this call made."""
        made: list[Job] = []
        for schedule in self.schedules:
            async with self.sessionmaker() as session:
                job = await submit_due(session, self.queue, schedule, await db_now(session))
            if job is not None:
                made.append(job)
        return made

    async def _loop(self) -> None:
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database is down: try at the next tick
                if is_retryable(exc):
                    logger.warning("scheduler tick failed: %s", type(exc).__name__)
                else:
                    logger.exception("scheduler tick failed")
            await asyncio.sleep(self.tick_seconds)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="jobs-scheduler")
        logger.info("scheduler started: %s", ", ".join(s.name for s in self.schedules))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
