"""Group commit of finished units: many units, and the jobs they end, in one transaction.

A unit that succeeded hands its last writes to the process's `Finisher` instead of
opening a transaction of its own. The finisher writes whatever queued up while its
previous batch was in flight: the units' results and final state, their jobs'
progress, and for every job whose units are now all terminal (and whose pipeline has
no finalize hook) the terminal status and its `job.status` event. Idle, a batch is one
unit and nothing waits; busy, a dozen statements serve the whole batch.

Locks follow the engine's order: units first, then jobs (in id order). A job's row is
locked before its units are counted, so when two processes finish a job's last two
units at once the second one sees the first one's commit and ends the job.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.entity.base import utcnow
from api.entity.job import Job, JobUnit
from api.jobs.engine import ending, tally
from api.jobs.engine import eventlog as events
from api.jobs.engine.queue import JobQueue
from api.jobs.engine.retry import retrying
from api.jobs.engine.types import ACTIVE, Claim, Pending, Verdict
from api.jobs.engine.unit_io import upsert_many

logger = logging.getLogger(__name__)

_UNITS = cast(Table, JobUnit.__table__)
_JOBS = cast(Table, Job.__table__)
#: `(job_id, pipeline, status)` of a job a batch ended
Ended = tuple[str, str, str]


@dataclass
class _Item:
    claim: Claim
    pending: Pending
    future: asyncio.Future[Verdict]


@dataclass
class _Written:
    """What one batch's transaction did, to report once it has committed."""

    verdicts: list[Verdict]
    published: list[dict[str, Any]]
    ended: list[Ended]


class Finisher:
    """One per process: writes succeeded units in batches (see the module docstring)."""

    def __init__(
        self,
        *,
        queue: JobQueue,
        sessionmaker: async_sessionmaker[AsyncSession],
        worker_id: str,
        progress_due: Callable[[str], bool],
    ) -> None:
        self.queue = queue
        self.sessionmaker = sessionmaker
        self.worker_id = worker_id
        self.progress_due = progress_due
        self._queue: list[_Item] = []
        self._task: asyncio.Task[None] | None = None

    async def finish(self, claim: Claim, pending: Pending) -> Verdict:
        future: asyncio.Future[Verdict] = asyncio.get_running_loop().create_future()
        self._queue.append(_Item(claim, pending, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain(), name="jobs-finisher")
        return await future

    async def close(self) -> None:
        """Wait for the batch in flight (shutdown: units may have stopped waiting for it)."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                written = await retrying(
                    functools.partial(self._write, batch), what=f"finish {len(batch)} units"
                )
            except Exception as exc:
                if len(batch) == 1:
                    batch[0].future.set_exception(exc)
                    continue
                logger.warning("finishing %s units together failed (%r)", len(batch), exc)
                written = _Written(["alone"] * len(batch), [], [])
            await self.queue.publisher.events(written.published)
            for job_id, pipeline, status in written.ended:
                ending.record_ended(job_id, pipeline, status)
            for item, verdict in zip(batch, written.verdicts, strict=True):
                item.future.set_result(verdict)

    async def _write(self, batch: list[_Item]) -> _Written:
        async with self.sessionmaker() as session:
            owned = await self._lock_units(session, batch)
            live = [item for item in batch if (item.claim.unit_id, item.claim.attempt) in owned]
            if not live:
                await session.rollback()
                return _Written(["lost"] * len(batch), [], [])
            await upsert_many(session, [(item.claim.job_id, item.pending.results) for item in live])
            await self._write_units(session, live)
            verdicts, published, ended = await self._write_jobs(session, live)
            await session.commit()
        return _Written(
            [verdicts.get(item.claim.job_id, "done") if item in live else "lost" for item in batch],
            published,
            ended,
        )

    async def _lock_units(self, session: AsyncSession, batch: list[_Item]) -> set[tuple[int, int]]:
        rows = await session.execute(
            select(_UNITS.c.id, _UNITS.c.attempts)
            .where(
                _UNITS.c.id.in_(sorted(item.claim.unit_id for item in batch)),
                _UNITS.c.lease_owner == self.worker_id,
                _UNITS.c.status == "running",
            )
            .order_by(_UNITS.c.id)
            .with_for_update()
        )
        return {(unit_id, attempts) for unit_id, attempts in rows}

    async def _write_units(self, session: AsyncSession, live: list[_Item]) -> None:
        """`succeeded`, with each unit's last progress and checkpoint.

        Units that report the same progress share one UPDATE; a unit with a checkpoint
        gets its own.
        """
        now = utcnow()

        def final(done: int | None, total: int | None) -> dict[str, Any]:
            return {
                "status": "succeeded", "finished_at": now, "lease_owner": None,
                "lease_expires_at": None,
                "done": func.coalesce(done, _UNITS.c.done),
                "total": func.coalesce(total, _UNITS.c.total),
            }  # fmt: skip

        same: dict[tuple[int | None, int | None], list[int]] = defaultdict(list)
        for item in live:
            progress = item.pending.progress
            done, total = (None, None) if progress is None else (progress[0], progress[1])
            if not item.pending.has_checkpoint:
                same[(done, total)].append(item.claim.unit_id)
                continue
            await session.execute(
                update(_UNITS)
                .where(_UNITS.c.id == item.claim.unit_id)
                .values(checkpoint=item.pending.checkpoint, **final(done, total))
            )
        for (done, total), ids in same.items():
            await session.execute(
                update(_UNITS).where(_UNITS.c.id.in_(sorted(ids))).values(**final(done, total))
            )

    async def _write_jobs(
        self, session: AsyncSession, live: list[_Item]
    ) -> tuple[dict[str, Verdict], list[dict[str, Any]], list[Ended]]:
        """Progress or the terminal state of each job, `last_seq` and the events.

        A job whose units are all terminal ends here unless its pipeline has a finalize
        hook: then its verdict is `finish` and the runner ends it after the hook.
        """
        job_ids = sorted({item.claim.job_id for item in live})
        jobs = await _lock_jobs(session, job_ids)
        tallies = await tally.count_units(session, job_ids)
        closing = [
            job_id
            for job_id, counted in tallies.items()
            if job_id in jobs and jobs[job_id].status in ACTIVE and not counted.active
        ]
        verdicts: dict[str, Verdict] = {
            job_id: "finish"
            for job_id in closing
            if self.queue.types.finalize_hook(jobs[job_id].pipeline) is not None
        }
        closing = [job_id for job_id in closing if job_id not in verdicts]
        results = await tally.count_results(session, closing)
        drafts: dict[str, list[events.Draft]] = defaultdict(list)
        for item in live:
            drafts[item.claim.job_id] += item.pending.drafts
        changes: dict[str, dict[str, Any]] = {}
        ended: list[Ended] = []
        now = utcnow()
        for job_id in job_ids:
            job, counted = jobs.get(job_id), tallies.get(job_id)
            if job is None or counted is None or job.status not in ACTIVE:
                continue
            stage = _last_stage(live, job_id) or job.stage
            if job_id in closing:
                end = ending.end_state(
                    tally=counted, error_code=job.error_code, error=job.error,
                    cancel_requested=job.cancel_requested, results=results.get(job_id, 0),
                    stage=stage, now=now,
                )  # fmt: skip
                changes[job_id] = end.values
                drafts[job_id].append(end.event)
                ended.append((job_id, job.pipeline, end.status))
            elif job.status == "running":
                changes[job_id] = self._progress(job_id, counted, stage, live, drafts)
        published = await _write_job_rows(session, jobs, job_ids, changes, drafts)
        return verdicts, published, ended

    def _progress(
        self,
        job_id: str,
        counted: tally.Tally,
        stage: str | None,
        live: list[_Item],
        drafts: dict[str, list[events.Draft]],
    ) -> dict[str, Any]:
        """A running job's new progress, and its `job.progress` event when one is due."""
        shown: dict[str, Any] = {"done": counted.done, "total": counted.total, "stage": stage}
        if self.progress_due(job_id):
            drafts[job_id].append(
                events.Draft("job.progress", progress=counted.progress,
                             message=_last_message(live, job_id), **shown)
            )  # fmt: skip
        return {"progress": counted.progress, **shown}


async def _lock_jobs(session: AsyncSession, job_ids: list[str]) -> dict[str, Any]:
    """The jobs' rows (the event head columns and what ends a job), locked in id order."""
    rows = await session.execute(
        select(
            *events.HEAD_COLUMNS, _JOBS.c.pipeline, _JOBS.c.error_code, _JOBS.c.error,
            _JOBS.c.cancel_requested,
        ).where(_JOBS.c.id.in_(job_ids)).order_by(_JOBS.c.id).with_for_update()
    )  # fmt: skip
    return {row.id: row for row in rows}


async def _write_job_rows(
    session: AsyncSession,
    jobs: dict[str, Any],
    job_ids: list[str],
    changes: dict[str, dict[str, Any]],
    drafts: dict[str, list[events.Draft]],
) -> list[dict[str, Any]]:
    """Each job's changes and its advanced `last_seq`, then all events in one INSERT.

    Jobs written with the same values (a batch of one-unit jobs) share one UPDATE.
    """
    groups: dict[str, tuple[dict[str, Any], int, list[str]]] = {}
    heads: list[tuple[Any, int, list[events.Draft]]] = []
    for job_id in job_ids:
        job = jobs.get(job_id)
        if job is None:
            continue
        values, added = changes.get(job_id, {}), len(drafts[job_id])
        if not values and not added:
            continue
        key = json.dumps([values, added], sort_keys=True, default=str)
        groups.setdefault(key, (values, added, []))[2].append(job_id)
        heads.append((job, job.last_seq, drafts[job_id]))
    for values, added, ids in groups.values():
        await session.execute(
            update(_JOBS)
            .where(_JOBS.c.id.in_(ids))
            .values(last_seq=_JOBS.c.last_seq + added, **values)
        )
    return await events.insert_drafts(session, heads)


def _last_stage(live: list[_Item], job_id: str) -> str | None:
    stages = [
        item.pending.progress[2]
        for item in live
        if item.claim.job_id == job_id and item.pending.progress and item.pending.progress[2]
    ]
    return stages[-1] if stages else None


def _last_message(live: list[_Item], job_id: str) -> str | None:
    messages = [
        item.pending.progress[3]
        for item in live
        if item.claim.job_id == job_id and item.pending.progress and item.pending.progress[3]
    ]
    return messages[-1] if messages else None
