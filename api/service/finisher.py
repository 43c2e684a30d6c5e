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
import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Literal, cast

from sqlalchemy import Table, bindparam, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.core import metrics
from api.entity.base import utcnow
from api.entity.job import Job, JobResult, JobUnit
from api.service import events
from api.service.clock import retrying
from api.service.completion import final_status
from api.service.events import ACTIVE, TERMINAL
from api.service.hooks import hooks_for
from api.service.runner import Claim
from api.service.unit_io import _UNSET, Pending, upsert_many

logger = logging.getLogger(__name__)

#: `done`: written (and the job ended if it could); `finish`: written, but the job needs
#: its finalize hook (the caller runs `completion.finish_job_if_done`); `lost`: another
#: run holds the unit, nothing was written; `alone`: the batch failed, write it alone
Verdict = Literal["done", "finish", "lost", "alone"]

_UNITS = cast(Table, JobUnit.__table__)
_JOBS = cast(Table, Job.__table__)


@dataclass
class _Item:
    claim: Claim
    pending: Pending
    future: asyncio.Future[Verdict]


@dataclass
class _JobRow:
    id: str
    pipeline: str
    status: str
    error_code: str | None
    error: str | None
    cancel_requested: bool
    stage: str | None


class Finisher:
    """One per process: writes succeeded units in batches (see the module docstring)."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        worker_id: str,
        progress_due: Any,
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
        """`succeeded`, with the unit's last progress and checkpoint (one statement each)."""
        now = utcnow()
        groups: dict[bool, list[dict[str, Any]]] = defaultdict(list)
        for item in live:
            progress = item.pending.progress
            params: dict[str, Any] = {
                "u_id": item.claim.unit_id,
                "u_done": None if progress is None else progress[0],
                "u_total": None if progress is None else progress[1],
            }
            has_checkpoint = item.pending.checkpoint is not _UNSET
            if has_checkpoint:
                params["u_checkpoint"] = item.pending.checkpoint
            groups[has_checkpoint].append(params)
        for has_checkpoint, rows in groups.items():
            values: dict[str, Any] = {
                "status": "succeeded",
                "finished_at": now,
                "lease_owner": None,
                "lease_expires_at": None,
                "done": func.coalesce(bindparam("u_done"), _UNITS.c.done),
                "total": func.coalesce(bindparam("u_total"), _UNITS.c.total),
            }
            if has_checkpoint:
                values["checkpoint"] = bindparam("u_checkpoint", type_=_UNITS.c.checkpoint.type)
            await session.execute(
                update(_UNITS).where(_UNITS.c.id == bindparam("u_id")).values(**values), rows
            )

    async def _write_jobs(
        self, session: AsyncSession, live: list[_Item]
    ) -> tuple[dict[str, Verdict], list[dict[str, Any]]]:
        job_ids = sorted({item.claim.job_id for item in live})
        jobs = await _lock_jobs(session, job_ids)
        tallies = await _tally(session, job_ids)
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
        updates: list[dict[str, Any]] = []
        endings: list[tuple[str, str]] = []
        for job_id in job_ids:
            job, tally = jobs.get(job_id), tallies.get(job_id)
            if job is None or tally is None or job.status not in ACTIVE:
                continue
            stage = _last_stage(live, job_id) or job.stage
            if job_id in ending:
                status = final_status(job.error_code, job.cancel_requested, tally.counts)
                summary = tally.summary(results.get(job_id, 0))
                if status != "succeeded":
                    summary["partial"] = True
                progress = 100.0 if status == "succeeded" else tally.progress
                updates.append(
                    _job_values(job_id, status, progress, tally, stage, summary, ended=True)
                )
                message = job.error if status == "failed" else None
                drafts[job_id].append(
                    events.Draft("job.status", status=status, progress=progress, stage=stage,
                                 done=tally.done, total=tally.total, message=message)
                )  # fmt: skip
                endings.append((job_id, status))
                continue
            if job.status != "running":
                continue
            updates.append(_job_values(job_id, "running", tally.progress, tally, stage))
            if self.progress_due(job_id):
                drafts[job_id].append(
                    events.Draft("job.progress", progress=tally.progress, stage=stage,
                                 done=tally.done, total=tally.total,
                                 message=_last_message(live, job_id))
                )  # fmt: skip
        await _update_jobs(session, updates)
        published = await events.append_many(session, drafts)
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


async def _lock_jobs(session: AsyncSession, job_ids: list[str]) -> dict[str, _JobRow]:
    rows = await session.execute(
        select(
            _JOBS.c.id, _JOBS.c.pipeline, _JOBS.c.status, _JOBS.c.error_code, _JOBS.c.error,
            _JOBS.c.cancel_requested, _JOBS.c.stage,
        ).where(_JOBS.c.id.in_(job_ids)).order_by(_JOBS.c.id).with_for_update()
    )  # fmt: skip
    return {row.id: _JobRow(*row) for row in rows}


async def _tally(session: AsyncSession, job_ids: list[str]) -> dict[str, _Tally]:
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


def _job_values(
    job_id: str,
    status: str,
    progress: float,
    tally: _Tally,
    stage: str | None,
    summary: dict[str, Any] | None = None,
    *,
    ended: bool = False,
) -> dict[str, Any]:
    return {
        "j_id": job_id,
        "j_status": status,
        "j_progress": progress,
        "j_done": tally.done,
        "j_total": tally.total,
        "j_stage": stage,
        "j_result": summary,
        "j_ended": ended,
    }


async def _update_jobs(session: AsyncSession, updates: list[dict[str, Any]]) -> None:
    """Running jobs get their progress; ending jobs their terminal state (one each)."""
    for ended in (False, True):
        params = [p for p in updates if p["j_ended"] is ended]
        if not params:
            continue
        values: dict[str, Any] = {
            "status": bindparam("j_status"),
            "progress": bindparam("j_progress"),
            "done": bindparam("j_done"),
            "total": bindparam("j_total"),
            "stage": bindparam("j_stage"),
        }
        if ended:
            values.update(
                finished_at=utcnow(),
                active_fingerprint=None,
                result=bindparam("j_result", type_=_JOBS.c.result.type),
            )
        await session.execute(
            update(_JOBS)
            .where(_JOBS.c.id == bindparam("j_id"), or_(*(_JOBS.c.status == s for s in ACTIVE)))
            .values(**values),
            [{k: v for k, v in p.items() if k != "j_ended" and (ended or k != "j_result")}
             for p in params],
        )  # fmt: skip


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
