"""Erasure: deleting a candidate, a file, a posting, a job or an account removes every copy
of the personal data it owns.

One transaction deletes the rows (candidates, file records, cached profiles) and makes
the screenings forget the files (`erasure_traces`), with the audit entries; once it has
committed, the bytes of the files no row refers to any more are removed (`blobs`). A
candidate's file goes with it when no other candidate of the owner uses it; a file
takes every candidate made from it. Nothing is erased while a job that uses the data
is queued or running (409 `ACTIVE_JOB`): cancel it, or wait for it to end.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from api import jobs
from api.config.settings import Settings
from api.core.errors import InvalidStateError, NotFoundError
from api.entity.candidate import Candidate
from api.entity.file import StoredFile
from api.entity.job import Job
from api.entity.posting import Posting
from api.entity.user import User
from api.recruiting import audit, blobs
from api.recruiting import erasure_traces as traces
from api.recruiting.filestore import store_of

BATCH = 500


@dataclass
class Erased:
    """What one erasure removed; `doomed` blobs lose their bytes after the commit."""

    candidates: list[Candidate] = field(default_factory=list)
    files: list[StoredFile] = field(default_factory=list)
    doomed: list[str] = field(default_factory=list)

    def entries(self, action: audit.Action) -> list[audit.Entry]:
        return [
            *(audit.Entry(action, "candidate", c.id, c.owner_id, c.posting_id)
              for c in self.candidates),
            *(audit.Entry(action, "file", f.id, f.owner_id) for f in self.files),
        ]  # fmt: skip

    def counts(self) -> dict[str, int]:
        return {"candidates": len(self.candidates), "files": len(self.files)}


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


async def busy(
    session: AsyncSession, owner_id: str, posting_ids: Iterable[str], file_ids: Iterable[str]
) -> bool:
    """A queued or running job of the owner works on one of these postings or files."""
    postings = sorted(set(posting_ids))
    for chunk in _chunks(postings):
        found = await session.scalar(
            select(Job.id)
            .where(
                Job.owner_id == owner_id,
                Job.posting_id.in_(chunk),
                Job.status.in_(jobs.ACTIVE_STATUSES),
            )
            .limit(1)
        )
        if found is not None:
            return True
    active = await traces.jobs_naming(
        session, owner_id=owner_id, file_ids=file_ids, active_only=True
    )
    return bool(active)


async def _ensure_idle(
    session: AsyncSession, owner_id: str, posting_ids: Iterable[str], file_ids: Iterable[str]
) -> None:
    if await busy(session, owner_id, posting_ids, file_ids):
        raise InvalidStateError(
            "A job that uses this data is queued or running; cancel it or wait for it to end",
            error_code="ACTIVE_JOB",
        )


async def _filenames(session: AsyncSession, file_ids: Iterable[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for chunk in _chunks(sorted(set(file_ids))):
        rows = await session.execute(
            select(StoredFile.id, StoredFile.filename).where(StoredFile.id.in_(chunk))
        )
        names.update((str(ident), str(name)) for ident, name in rows)
    return names


async def drop_candidates(session: AsyncSession, owner_id: str, rows: list[Candidate]) -> None:
    """Delete the candidates and what their postings' screenings hold about their files."""
    by_posting: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        by_posting[row.posting_id].add(row.file_id)
    for posting_id, file_ids in by_posting.items():
        names = await _filenames(session, file_ids)
        files = {ident: names.get(ident, "") for ident in file_ids}
        await traces.forget_files(session, owner_id=owner_id, files=files, posting_id=posting_id)
    ids = [row.id for row in rows]
    await traces.forget_candidates(session, owner_id=owner_id, candidate_ids=ids)
    for chunk in _chunks(ids):
        await session.execute(delete(Candidate).where(Candidate.id.in_(chunk)))


async def unused(session: AsyncSession, file_ids: Iterable[str]) -> list[str]:
    """The files no candidate is made from (any more)."""
    ids = sorted(set(file_ids))
    used: set[str] = set()
    for chunk in _chunks(ids):
        used.update(
            await session.scalars(
                select(Candidate.file_id).where(Candidate.file_id.in_(chunk)).distinct()
            )
        )
    return [ident for ident in ids if ident not in used]


async def drop_files(
    session: AsyncSession, owner_id: str, file_ids: Iterable[str], erased: Erased
) -> None:
    """Delete the owner's files with every candidate made from them and every trace in
    the owner's screenings; doom the blobs no file row refers to any more."""
    files: list[StoredFile] = []
    for chunk in _chunks(sorted(set(file_ids))):
        files += await session.scalars(
            select(StoredFile).where(StoredFile.owner_id == owner_id, StoredFile.id.in_(chunk))
        )
    if not files:
        return
    ids = [f.id for f in files]
    made: list[Candidate] = []
    for chunk in _chunks(ids):
        made += await session.scalars(select(Candidate).where(Candidate.file_id.in_(chunk)))
    await drop_candidates(session, owner_id, made)
    await traces.forget_files(session, owner_id=owner_id, files={f.id: f.filename for f in files})
    for chunk in _chunks(ids):
        await session.execute(delete(StoredFile).where(StoredFile.id.in_(chunk)))
    erased.candidates += made
    erased.files += files
    erased.doomed += await blobs.release(session, {f.storage_key for f in files})


async def finish(
    session: AsyncSession, settings: Settings, actor: audit.Actor, erased: Erased,
    subject: audit.Entry | None = None,
) -> Erased:  # fmt: skip
    """Audit, commit, then remove the bytes of the doomed blobs."""
    entries = erased.entries("purge" if actor.via == "system" else "delete")
    await audit.record(session, actor, [*([subject] if subject else []), *entries])
    await session.commit()
    await blobs.remove(session, store_of(settings), erased.doomed)
    return erased


async def named_files(session: AsyncSession, job: Job) -> list[str]:
    """The owner's files a screening's params name (erased ones are no longer named)."""
    named = [
        str(item["file_id"])
        for item in (job.params or {}).get("files") or []
        if isinstance(item, dict) and item.get("file_id") and item.get("sha256")
    ]
    found: list[str] = []
    for chunk in _chunks(sorted(set(named))):
        found += await session.scalars(
            select(StoredFile.id).where(
                StoredFile.owner_id == job.owner_id, StoredFile.id.in_(chunk)
            )
        )
    return found


# --- use cases ------------------------------------------------------------------------------


async def erase_candidate(
    *, session: AsyncSession, settings: Settings, actor: audit.Actor, owner: User,
    candidate_id: str,
) -> Erased:  # fmt: skip
    """`DELETE /candidates/{id}`: the candidate, and its file unless another candidate
    of the owner is made from it."""
    candidate = await session.scalar(
        select(Candidate).where(Candidate.id == candidate_id, Candidate.owner_id == owner.id)
    )
    if candidate is None:
        raise NotFoundError("Candidate not found")
    await _ensure_idle(session, owner.id, [candidate.posting_id], [candidate.file_id])
    erased = Erased(candidates=[candidate])
    await drop_candidates(session, owner.id, [candidate])
    await drop_files(session, owner.id, await unused(session, [candidate.file_id]), erased)
    return await finish(session, settings, actor, erased)


async def erase_file(
    *, session: AsyncSession, settings: Settings, actor: audit.Actor, owner: User, file_id: str
) -> Erased:
    """`DELETE /files/{id}`: the file and every candidate made from it."""
    row = await session.scalar(
        select(StoredFile).where(StoredFile.id == file_id, StoredFile.owner_id == owner.id)
    )
    if row is None:
        raise NotFoundError("File not found")
    postings = await session.scalars(
        select(Candidate.posting_id).where(Candidate.file_id == file_id)
    )
    await _ensure_idle(session, owner.id, list(postings), [file_id])
    erased = Erased()
    await drop_files(session, owner.id, [file_id], erased)
    return await finish(session, settings, actor, erased)


async def erase_posting(
    *, session: AsyncSession, settings: Settings, actor: audit.Actor, owner: User,
    posting_id: str,
) -> Erased:  # fmt: skip
    """`DELETE /postings/{id}`: the posting, its candidates and screenings, and the files
    they used that no other candidate is made from."""
    posting = await session.scalar(
        select(Posting).where(Posting.id == posting_id, Posting.owner_id == owner.id)
    )
    if posting is None:
        raise NotFoundError("Posting not found")
    query = select(Candidate).where(Candidate.posting_id == posting.id)
    candidates = list(await session.scalars(query))
    file_ids = {c.file_id for c in candidates}
    for job in await session.scalars(select(Job).where(Job.posting_id == posting.id)):
        file_ids.update(await named_files(session, job))
    await _ensure_idle(session, owner.id, [posting.id], file_ids)
    erased = Erased(candidates=candidates)
    ids = [c.id for c in candidates]
    await traces.forget_candidates(session, owner_id=owner.id, candidate_ids=ids)
    await session.delete(posting)  # its candidates and jobs go with it (foreign keys)
    await session.flush()
    await drop_files(session, owner.id, await unused(session, file_ids), erased)
    subject = audit.Entry("delete", "posting", posting.id, owner.id, posting.id, erased.counts())
    return await finish(session, settings, actor, erased, subject)


async def erase_job(
    *, session: AsyncSession, settings: Settings, actor: audit.Actor, owner: User, job_id: str
) -> Erased:
    """`DELETE /jobs/{id}`: a finished job with its units, events and results; for a
    screening also the candidates it ranked last and the files it screened that no
    candidate is made from any more."""
    job = await jobs.get_job_for_owner(session=session, owner=owner, job_id=job_id)
    if job.status in jobs.ACTIVE_STATUSES:
        raise InvalidStateError("Cancel the job before deleting it")
    erased = Erased()
    if job.pipeline == "cv_match" and job.owner_id is not None:
        file_ids = set(await named_files(session, job))
        postings = [job.posting_id] if job.posting_id else []
        await _ensure_idle(session, job.owner_id, postings, file_ids)
        ranked = list(await session.scalars(select(Candidate).where(Candidate.job_id == job.id)))
        await drop_candidates(session, job.owner_id, ranked)
        erased.candidates += ranked
        file_ids.update(c.file_id for c in ranked)
        await drop_files(session, job.owner_id, await unused(session, file_ids), erased)
    await session.execute(delete(Job).where(Job.id == job.id))
    subject = audit.Entry("delete", "job", job.id, job.owner_id, job.posting_id, erased.counts())
    return await finish(session, settings, actor, erased, subject)


async def erase_account(
    *, session: AsyncSession, settings: Settings, actor: audit.Actor, user: User
) -> Erased:
    """`DELETE /auth/me`: the account with everything it holds; shared file content stays
    for the other accounts that hold it."""
    active = await session.scalar(
        select(Job.id).where(Job.owner_id == user.id, Job.status.in_(jobs.ACTIVE_STATUSES)).limit(1)
    )
    if active is not None:
        raise InvalidStateError(
            "Cancel your queued and running jobs before deleting the account",
            error_code="ACTIVE_JOB",
        )
    owned = select(StoredFile.storage_key).where(StoredFile.owner_id == user.id)
    keys = list(await session.scalars(owned))
    counts = {"files": len(keys)}
    await session.execute(delete(User).where(User.id == user.id))  # everything cascades
    erased = Erased(doomed=await blobs.release(session, set(keys)))
    subject = audit.Entry("delete", "account", user.id, user.id, None, counts)
    return await finish(session, settings, actor, erased, subject)
