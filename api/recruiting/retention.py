"""Retention and the privacy sweep: a scheduled job of the engine, once per period.

The `privacy_sweep` job (every `PRIVACY_SWEEP_SECONDS`, one run per period across all
processes, listed with `GET /jobs?scheduled=true`) does its work in its finalize hook:

1. candidates of closed postings older than the posting's `retention_days` (else
   `RETENTION_DAYS`) are erased like a `DELETE`, with their files when no other
   candidate is made from them;
2. files older than `RETENTION_DAYS` that no candidate is made from are erased;
3. doomed blobs (a crash between a deletion's commit and the removal of the bytes),
   bytes no row refers to and stale temporary files are removed (`blobs.sweep`).

Data that a queued or running job uses is left for the next period. What it did is the
job's `result`; every erased candidate and file has a `purge` entry in the audit trail.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from api import jobs
from api.config.settings import Settings
from api.entity.base import utcnow
from api.entity.candidate import Candidate
from api.entity.file import StoredFile
from api.entity.job import Job
from api.entity.posting import Posting
from api.recruiting import audit, blobs, erasure
from api.recruiting.filestore import store_of
from pipeline.contract import JSON, PipelineDef, UnitContext

logger = logging.getLogger(__name__)

PIPELINE = "privacy_sweep"
BATCH = 200


def _run_unit(payload: JSON, ctx: UnitContext) -> JSON | None:
    ctx.report(1, 1, "sweeping")  # the work needs the database: the finalize hook does it
    return None


SWEEP = PipelineDef(PIPELINE, lambda params: [{}], _run_unit)


async def _purge_posting(
    session: AsyncSession, settings: Settings, posting_id: str, owner_id: str, cutoff: datetime
) -> tuple[int, int, int]:
    """Erase the posting's candidates created before `cutoff`: (candidates, files,
    skipped because a job uses them)."""
    query = (
        select(Candidate)
        .where(Candidate.posting_id == posting_id, Candidate.created_at < cutoff)
        .order_by(Candidate.id)
        .limit(BATCH)
    )
    candidates = files = 0
    while rows := list(await session.scalars(query)):
        file_ids = {row.file_id for row in rows}
        if await erasure.busy(session, owner_id, [posting_id], file_ids):
            await session.rollback()
            return candidates, files, len(rows)
        erased = erasure.Erased(candidates=rows)
        await erasure.drop_candidates(session, owner_id, rows)
        await erasure.drop_files(session, owner_id, await erasure.unused(session, file_ids), erased)
        await erasure.finish(session, settings, audit.SYSTEM, erased)
        candidates, files = candidates + len(rows), files + len(erased.files)
    return candidates, files, 0


async def _purge_files(session: AsyncSession, settings: Settings, cutoff: datetime) -> int:
    """Erase files older than `cutoff` that no candidate is made from."""
    skip: set[str] = set()
    purged = 0
    while True:
        made = exists().where(Candidate.file_id == StoredFile.id)
        query = select(StoredFile).where(StoredFile.created_at < cutoff, ~made)
        if skip:
            query = query.where(StoredFile.id.not_in(sorted(skip)))
        rows = list(await session.scalars(query.order_by(StoredFile.id).limit(BATCH)))
        if not rows:
            return purged
        erased = erasure.Erased()
        for ident, owner_id in [(row.id, row.owner_id) for row in rows]:
            if await erasure.busy(session, owner_id, [], [ident]):
                skip.add(ident)
            else:
                await erasure.drop_files(session, owner_id, [ident], erased)
        await erasure.finish(session, settings, audit.SYSTEM, erased)
        purged += len(erased.files)


async def purge(session: AsyncSession, settings: Settings, now: datetime) -> dict[str, int]:
    """Erase what outlived its retention; the counts of what went."""
    counts = {"candidates_purged": 0, "files_purged": 0, "skipped_in_use": 0}
    closed = (
        await session.execute(
            select(Posting.id, Posting.owner_id, Posting.retention_days).where(
                Posting.closed_at.is_not(None)
            )
        )
    ).all()
    await session.rollback()
    for posting_id, owner_id, own_days in closed:
        days = own_days or settings.retention_days
        if not days:
            continue
        cutoff = now - timedelta(days=days)
        done = await _purge_posting(session, settings, posting_id, owner_id, cutoff)
        counts["candidates_purged"] += done[0]
        counts["files_purged"] += done[1]
        counts["skipped_in_use"] += done[2]
    if settings.retention_days:
        cutoff = now - timedelta(days=settings.retention_days)
        counts["files_purged"] += await _purge_files(session, settings, cutoff)
    return counts


async def sweep(session: AsyncSession, settings: Settings) -> dict[str, Any]:
    """The whole sweep: retention, then blobs and temporary files."""
    counts: dict[str, Any] = await purge(session, settings, utcnow())
    counts.update(await blobs.sweep(session, store_of(settings), settings.orphan_grace_seconds))
    logger.info(
        "privacy sweep: %s candidate(s), %s file(s) purged, %s blob(s) removed",
        counts["candidates_purged"], counts["files_purged"], counts["blobs_removed"],
    )  # fmt: skip
    return counts


def job_type(settings: Settings) -> jobs.JobType:
    async def finalize(session: AsyncSession, job: Job) -> dict[str, Any] | None:
        return await sweep(session, settings)

    return jobs.JobType(SWEEP, finalize=finalize)


def schedule(settings: Settings) -> jobs.Schedule:
    return jobs.Schedule(PIPELINE, PIPELINE, settings.privacy_sweep_seconds)
