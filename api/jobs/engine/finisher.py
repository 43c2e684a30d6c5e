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

from sqlalchemy import Table, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.core import metrics
from api.entity.base import utcnow
from api.entity.job import Job, JobResult, JobUnit
from api.jobs.engine import eventlog as events
from api.jobs.engine.completion import final_status
from api.jobs.engine.registry import hooks_for
from api.jobs.engine.retry import retrying
from api.jobs.engine.types import ACTIVE, TERMINAL, Claim, Pending, Verdict
from api.jobs.engine.unit_io import upsert_many

logger = logging.getLogger(__name__)

_UNITS = cast(Table, JobUnit.__table__)
_JOBS = cast(Table, Job.__table__)


@dataclass
class _Item:
    claim: Claim
    pending: Pending
    future: asyncio.Future[Verdict]


class Finisher:
    """One per process: writes succeeded units in batches (see the module docstring)."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        worker_id: str,
        progress_due: Callable[[str], bool],
    ) -> None:
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
                verdicts, published = await retrying(
                    functools.partial(self._write, batch), what=f"finish {len(batch)} units"
                )
            except Exception as exc:
                if len(batch) == 1:
                    batch[0].future.set_exception(exc)
                    continue
                logger.warning("finishing %s units together failed (%r)", len(batch), exc)
                verdicts, published = ["alone"] * len(batch), []
            await events.publish(published)
            for item, verdict in zip(batch, verdicts, strict=True):
                item.future.set_result(verdict)

    async def _write(self, batch: list[_Item]) -> tuple[list[Verdict], list[dict[str, Any]]]:
        async with self.sessionmaker() as session:
            owned = await self._lock_units(session, batch)
            live = [item for item in batch if (item.claim.unit_id, item.claim.attempt) in owned]
            if not live:
                await session.rollback()
                return ["lost"] * len(batch), []
            await upsert_many(session, [(item.claim.job_id, item.pending.results) for item in live])
            await self._write_units(session, live)
            verdicts, published = await self._write_jobs(session, live)
            await session.commit()
        return [
            verdicts.get(item.claim.job_id, "done") if item in live else "lost" for item in batch
        ], published

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
    ) -> tuple[dict[str, Verdict], list[dict[str, Any]]]:
        """Progress or the terminal state of each job, `last_seq` and the events.

        Jobs written with the same values (a batch of one-unit jobs) share one UPDATE.
        """
        job_ids = sorted({item.claim.job_id for item in live})
        jobs = await _lock_jobs(session, job_ids)
        tallies = await _count_units(session, job_ids)
        ending = [
            job_id
            for job_id, tally in tallies.items()
            if job_id in jobs and jobs[job_id].status in ACTIVE and not tally.active
        ]
        verdicts: dict[str, Verdict] = {
            job_id: "finish" for job_id in ending if hooks_for(jobs[job_id].pipeline).finalize
        }
        ending = [job_id for job_id in ending if job_id not in verdicts]
        results = await _result_counts(session, ending)

        drafts: dict[str, list[events.Draft]] = defaultdict(list)
        for item in live:
            drafts[item.claim.job_id] += item.pending.drafts
        now = utcnow()
        groups: dict[str, tuple[dict[str, Any], int, list[str]]] = {}
        heads: list[tuple[Any, int, list[events.Draft]]] = []
        endings: list[tuple[str, str]] = []
        for job_id in job_ids:
            job, tally = jobs.get(job_id), tallies.get(job_id)
            if job is None:
                continue
            values: dict[str, Any] = {}
            if tally is not None and job.status in ACTIVE:
                stage = _last_stage(live, job_id) or job.stage
                common: dict[str, Any] = {"done": tally.done, "total": tally.total, "stage": stage}
                if job_id in ending:
                    status = final_status(job.error_code, job.cancel_requested, tally.counts)
                    summary = tally.summary(results.get(job_id, 0))
                    if status != "succeeded":
                        summary["partial"] = True
                    progress = 100.0 if status == "succeeded" else tally.progress
                    values = {"status": status, "progress": progress, "result": summary,
                              "finished_at": now, "active_fingerprint": None, **common}  # fmt: skip
                    message = job.error if status == "failed" else None
                    drafts[job_id].append(
                        events.Draft("job.status", status=status, progress=progress,
                                     message=message, **common)
                    )  # fmt: skip
                    endings.append((job_id, status))
                elif job.status == "running":
                    values = {"progress": tally.progress, **common}
                    if self.progress_due(job_id):
                        drafts[job_id].append(
                            events.Draft("job.progress", progress=tally.progress,
                                         message=_last_message(live, job_id), **common)
                        )  # fmt: skip
            added = len(drafts[job_id])
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
        published = await events.insert_drafts(session, heads)
        for job_id, status in endings:
            logger.info("job %s %s", job_id, status)
            metrics.JOBS_FINISHED.labels(pipeline=jobs[job_id].pipeline, status=status).inc()
        return verdicts, published


@dataclass
class _Tally:
    counts: dict[str, int]
    fraction: float = 0.0
    done: int = 0
    total: int = 0

    @property
    def active(self) -> bool:
        return any(self.counts.get(status) for status in ACTIVE)

    @property
    def progress(self) -> float:
        units = sum(self.counts.values())
        return min(100.0 * self.fraction / units, 100.0) if units else 0.0

    def summary(self, results: int) -> dict[str, Any]:
        return {
            "units": sum(self.counts.values()),
            **{status: self.counts.get(status, 0) for status in TERMINAL},
            "results": results,
        }


async def _lock_jobs(session: AsyncSession, job_ids: list[str]) -> dict[str, Any]:
    """The jobs' rows (the event head columns and what ends a job), locked in id order."""
    rows = await session.execute(
        select(
            *events.HEAD_COLUMNS, _JOBS.c.pipeline, _JOBS.c.error_code, _JOBS.c.error,
            _JOBS.c.cancel_requested,
        ).where(_JOBS.c.id.in_(job_ids)).order_by(_JOBS.c.id).with_for_update()
    )  # fmt: skip
    return {row.id: row for row in rows}


async def _count_units(session: AsyncSession, job_ids: list[str]) -> dict[str, _Tally]:
    """Per job: units by status, and the sums `completion.aggregate` computes."""
    fraction = case(
        (_UNITS.c.total > 0, 1.0 * _UNITS.c.done / _UNITS.c.total),
        (_UNITS.c.status.in_(TERMINAL), 1.0),
        else_=0.0,
    )
    rows = await session.execute(
        select(
            _UNITS.c.job_id, _UNITS.c.status, func.count(), func.sum(fraction),
            func.sum(_UNITS.c.done), func.sum(_UNITS.c.total),
        ).where(_UNITS.c.job_id.in_(job_ids)).group_by(_UNITS.c.job_id, _UNITS.c.status)
    )  # fmt: skip
    tallies: dict[str, _Tally] = {}
    for job_id, status, count, frac, done, total in rows:
        tally = tallies.setdefault(job_id, _Tally(counts={}))
        tally.counts[status] = int(count)
        tally.fraction += float(frac or 0)
        tally.done += int(done or 0)
        tally.total += int(total or 0)
    return tallies


async def _result_counts(session: AsyncSession, job_ids: list[str]) -> dict[str, int]:
    if not job_ids:
        return {}
    rows = await session.execute(
        select(JobResult.job_id, func.count())
        .where(JobResult.job_id.in_(job_ids))
        .group_by(JobResult.job_id)
    )
    return {job_id: int(n) for job_id, n in rows}


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
