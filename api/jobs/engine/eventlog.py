"""The job event log: sequence numbers from `Job.last_seq`, persisted, then published.

Every event is written to `job_events` with a `seq` allocated in the database
(`UPDATE jobs SET last_seq = last_seq + n`, which row-locks the job), committed, and
only then published on the bus channel `jobs` (`bus.Publisher.events`). So every
published event is in the table, and `seq` has no gap and no duplicate even when
several processes work on one job. Replay (`list_events`) and live delivery use the
same dict shape.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.entity.base import utcnow
from api.entity.job import Job, JobEvent


@dataclass
class Draft:
    """An event before it has a seq. Job-level fields default to the job's row."""

    type: str
    status: str | None = None
    progress: float | None = None
    stage: str | None = None
    done: int | None = None
    total: int | None = None
    message: str | None = None
    data: dict[str, Any] | None = None


def iso(ts: datetime | None) -> str | None:
    return None if ts is None else ts.isoformat(timespec="microseconds") + "Z"


def event_to_dict(ev: JobEvent, owner_id: str) -> dict[str, Any]:
    """The wire shape of a stored event (live and replayed alike)."""
    return stored_to_dict({name: getattr(ev, name) for name in _WIRE_FIELDS}, owner_id)


_WIRE_FIELDS = (
    "type", "job_id", "seq", "created_at", "status", "progress", "stage", "done", "total",
    "message", "data",
)  # fmt: skip


def job_snapshot(job: Job) -> dict[str, Any]:
    """`job.snapshot`: the job's state now, `seq = last_seq` (first frame of a stream)."""
    return {
        "type": "job.snapshot",
        "job_id": job.id,
        "owner_id": job.owner_id,
        "seq": job.last_seq,
        "ts": iso(utcnow()),
        "status": job.status,
        "progress": round(job.progress, 2),
        "stage": job.stage,
        "done": job.done,
        "total": job.total,
        "data": {"error_code": job.error_code, "cancel_requested": job.cancel_requested},
    }


async def append(
    session: AsyncSession, job_id: str, drafts: Sequence[Draft]
) -> list[dict[str, Any]]:
    """Allocate seqs and insert `drafts` in the caller's transaction (not committed).

    Returns the event dicts to publish once the caller has committed.
    """
    return await append_many(session, {job_id: drafts})


_JOBS = cast(Table, Job.__table__)
_EVENTS = cast(Table, JobEvent.__table__)
#: the job columns an event copies (`Draft` fields left None), plus `last_seq`
HEAD_COLUMNS = (
    _JOBS.c.id, _JOBS.c.last_seq, _JOBS.c.owner_id, _JOBS.c.status, _JOBS.c.progress,
    _JOBS.c.stage, _JOBS.c.done, _JOBS.c.total,
)  # fmt: skip


async def append_many(
    session: AsyncSession, drafts_by_job: Mapping[str, Sequence[Draft]]
) -> list[dict[str, Any]]:
    """`append` for several jobs at once: three statements whatever the number of jobs.

    `UPDATE jobs SET last_seq = last_seq + n` row-locks the jobs (in id order) and the
    SELECT that follows reads the new `last_seq` of this transaction.
    """
    jobs = sorted(job_id for job_id, drafts in drafts_by_job.items() if drafts)
    if not jobs:
        return []
    await session.flush()
    by_count: dict[int, list[str]] = defaultdict(list)
    for job_id in jobs:
        by_count[len(drafts_by_job[job_id])].append(job_id)
    for count, ids in sorted(by_count.items()):
        await session.execute(
            update(_JOBS).where(_JOBS.c.id.in_(ids)).values(last_seq=_JOBS.c.last_seq + count)
        )
    _expire_last_seq(session, set(jobs))
    heads = await session.execute(
        select(*HEAD_COLUMNS).where(_JOBS.c.id.in_(jobs)).order_by(_JOBS.c.id)
    )
    return await insert_drafts(
        session,
        [(head, head.last_seq - len(drafts_by_job[head.id]), drafts_by_job[head.id])
         for head in heads],
    )  # fmt: skip


async def insert_drafts(
    session: AsyncSession, batches: Sequence[tuple[Any, int, Sequence[Draft]]]
) -> list[dict[str, Any]]:
    """Insert `(head, seq before, drafts)` batches; `last_seq` was already advanced.

    `head` is a row of HEAD_COLUMNS read under the job's row lock. Returns the wire
    dicts to publish once the caller has committed.
    """
    now = utcnow()
    stored: list[dict[str, Any]] = []
    owners: list[str] = []
    for head, before, drafts in batches:
        for i, d in enumerate(drafts, start=1):
            stored.append(
                {
                    "job_id": head.id,
                    "seq": before + i,
                    "type": d.type,
                    "status": d.status or head.status,
                    "progress": head.progress if d.progress is None else d.progress,
                    "stage": d.stage if d.stage is not None else head.stage,
                    "done": head.done if d.done is None else d.done,
                    "total": head.total if d.total is None else d.total,
                    "message": None if d.message is None else d.message[:1000],
                    "data": d.data,
                    "created_at": now,
                }
            )
            owners.append(head.owner_id)
    if stored:
        await session.execute(insert(_EVENTS), stored)
    return [stored_to_dict(ev, owner) for ev, owner in zip(stored, owners, strict=True)]


def _expire_last_seq(session: AsyncSession, job_ids: set[str]) -> None:
    """Jobs loaded in this session must not keep a stale `last_seq` (Core UPDATE)."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Job) and obj.id in job_ids:
            session.expire(obj, ["last_seq"])


def stored_to_dict(ev: Mapping[str, Any], owner_id: str) -> dict[str, Any]:
    """The wire shape of an event row written by `append_many` (same as `event_to_dict`)."""
    out: dict[str, Any] = {
        "type": ev["type"],
        "job_id": ev["job_id"],
        "owner_id": owner_id,
        "seq": ev["seq"],
        "ts": iso(ev["created_at"]),
        "status": ev["status"],
        "progress": round(ev["progress"], 2),
        "stage": ev["stage"],
        "done": ev["done"],
        "total": ev["total"],
    }
    if ev["message"] is not None:
        out["message"] = ev["message"]
    if ev["data"] is not None:
        out["data"] = ev["data"]
    return out


async def list_events(
    *, session: AsyncSession, job_id: str, after_seq: int, limit: int
) -> list[JobEvent]:
    """Events of a job with `seq > after_seq`, oldest first."""
    result = await session.scalars(
        select(JobEvent)
        .where(JobEvent.job_id == job_id, JobEvent.seq > after_seq)
        .order_by(JobEvent.seq)
        .limit(limit)
    )
    return list(result)
