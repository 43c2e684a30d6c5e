"""What screenings remember about a file, and how erasure makes them forget it.

A `cv_match` job names each of its files in its params and in its units' payloads
(file id, client filename, storage path, hash); each file leaves a `file:<id>` result
(filename, scores, evidence lines), a `job.file` event (filename, the candidate's
name, score) and a `job.progress` event whose message is the filename. A `cv_rescore`
job leaves a `candidate:<id>` result per candidate. Erasing a file replaces its entry
in params and payloads by an `ERASED` stub (so unit indexes and checkpoints still
line up, and a retry reports the file as erased), deletes its results, and reduces its
events to the file id.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Text, cast, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.entity.job import Job, JobEvent, JobResult, JobUnit

BATCH = 100
ERASED_CODE = "ERASED"


def erased_entry(file_id: str) -> dict[str, Any]:
    """A file's place in a screening once the file is erased."""
    return {
        "file_id": file_id,
        "filename": "",
        "path": "",
        "sha256": "",
        "kind": None,
        "intake_error": {"error_code": ERASED_CODE, "detail": "the file was erased"},
    }


def _chunks(items: list[str], size: int = BATCH) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def jobs_naming(
    session: AsyncSession,
    *,
    owner_id: str,
    file_ids: Iterable[str],
    posting_id: str | None = None,
    active_only: bool = False,
) -> list[str]:
    """The owner's screenings (of one posting) whose params name one of the files."""
    ids = sorted(set(file_ids))
    found: set[str] = set()
    text = cast(Job.params, Text)
    for chunk in _chunks(ids):
        query = select(Job.id).where(
            Job.owner_id == owner_id,
            Job.pipeline == "cv_match",
            or_(*(text.like(f"%{ident}%") for ident in chunk)),
        )
        if posting_id is not None:
            query = query.where(Job.posting_id == posting_id)
        if active_only:
            query = query.where(Job.status.in_(("queued", "running")))
        found.update(await session.scalars(query))
    return sorted(found)


def _without(files: Any, gone: set[str]) -> list[Any] | None:
    """`files` with the gone ones stubbed, or None when none of them is there."""
    if not isinstance(files, list):
        return None
    changed = False
    kept: list[Any] = []
    for item in files:
        stub = erased_entry(str(item.get("file_id"))) if isinstance(item, dict) else None
        if stub is not None and item["file_id"] in gone and item != stub:
            kept.append(stub)
            changed = True
        else:
            kept.append(item)
    return kept if changed else None


async def _scrub_job(session: AsyncSession, job_id: str, gone: set[str]) -> None:
    job = await session.get(Job, job_id)
    if job is None:
        return
    files = _without((job.params or {}).get("files"), gone)
    if files is not None:
        job.params = {**job.params, "files": files}
    units = await session.scalars(select(JobUnit).where(JobUnit.job_id == job_id))
    for unit in units:
        payload_files = _without((unit.payload or {}).get("files"), gone)
        if payload_files is not None:
            unit.payload = {**unit.payload, "files": payload_files}
    await session.flush()


async def forget_files(
    session: AsyncSession,
    *,
    owner_id: str,
    files: dict[str, str],
    posting_id: str | None = None,
) -> None:
    """Erase `files` (id -> filename) from the owner's screenings (of one posting, when
    given): params, payloads, results and events. Not committed."""
    if not files:
        return
    gone = set(files)
    job_ids = await jobs_naming(session, owner_id=owner_id, file_ids=gone, posting_id=posting_id)
    for job_id in job_ids:
        await _scrub_job(session, job_id, gone)
    names = sorted({name for name in files.values() if name})
    keys = [f"file:{ident}" for ident in sorted(gone)]
    for jobs in _chunks(job_ids):
        for chunk in _chunks(keys):
            await session.execute(
                delete(JobResult).where(JobResult.job_id.in_(jobs), JobResult.key.in_(chunk))
            )
        for chunk in _chunks(sorted(gone)):
            events = await session.scalars(
                select(JobEvent).where(
                    JobEvent.job_id.in_(jobs),
                    JobEvent.type == "job.file",
                    JobEvent.data["file_id"].as_string().in_(chunk),
                )
            )
            for event in events:
                event.data = {"file_id": (event.data or {}).get("file_id"), "erased": True}
                event.message = None
        for chunk in _chunks(names):
            await session.execute(
                update(JobEvent)
                .where(JobEvent.job_id.in_(jobs), JobEvent.message.in_(chunk))
                .values(message=None)
            )


async def forget_candidates(
    session: AsyncSession, *, owner_id: str, candidate_ids: Iterable[str]
) -> None:
    """Delete the rescore results of these candidates. Not committed."""
    keys = [f"candidate:{ident}" for ident in sorted(set(candidate_ids))]
    owned = select(Job.id).where(Job.owner_id == owner_id, Job.pipeline == "cv_rescore")
    for chunk in _chunks(keys):
        await session.execute(
            delete(JobResult).where(JobResult.job_id.in_(owned), JobResult.key.in_(chunk))
        )


async def hide_in_events(session: AsyncSession, posting_id: str) -> None:
    """Blind review switched on: the posting's stored events lose the candidates' names
    and the files' names. Not committed."""
    screenings = select(Job.id).where(Job.posting_id == posting_id)
    await session.execute(
        update(JobEvent)
        .where(JobEvent.job_id.in_(screenings), JobEvent.type == "job.file")
        .values(data=func.json_remove(JobEvent.data, "$.name", "$.filename"))
    )
    await session.execute(
        update(JobEvent)
        .where(JobEvent.job_id.in_(screenings), JobEvent.type == "job.progress")
        .values(message=None)
    )
