"""Screenings and rescoring: submit `cv_match` / `cv_rescore` jobs for a posting.

What those jobs do, and what their hooks leave behind, is in `screening_jobs`.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api import jobs
from api.config.settings import Settings
from api.core.errors import NotFoundError
from api.entity.file import StoredFile
from api.entity.job import Job
from api.entity.posting import Posting
from api.entity.user import User
from api.recruiting import audit
from api.recruiting import file as file_service
from api.recruiting import posting as posting_service
from api.recruiting.upload import Intake
from api.schema.file import FileError

logger = logging.getLogger(__name__)


def _file_entry(row: StoredFile, settings: Settings) -> dict[str, Any]:
    path = file_service.store(settings).path(row.storage_key)
    return {
        "file_id": row.id,
        "filename": row.filename,
        "path": str(path),
        "sha256": row.sha256,
        "kind": row.kind,
        "intake_error": None,
    }


def _reject_entry(owner: User, index: int, error: FileError) -> dict[str, Any]:
    # deterministic, so that replaying a request under its Idempotency-Key matches
    ident = uuid.uuid5(uuid.NAMESPACE_URL, f"intake:{owner.id}:{index}:{error.filename}")
    return {
        "file_id": str(ident),
        "filename": error.filename,
        "path": "",
        "sha256": "",
        "kind": None,
        "intake_error": {"error_code": error.error_code, "detail": error.detail},
    }


def _spec(posting: Posting) -> dict[str, Any]:
    """The posting as a screening reads it; `blind` keeps names out of its events."""
    return {**posting.spec, "blind": True} if posting.blind_review else posting.spec


async def _submit_match(
    *,
    session: AsyncSession,
    queue: jobs.JobQueue,
    owner: User,
    posting: Posting,
    files: list[dict[str, Any]],
    idempotency_key: str | None,
) -> Job:
    job, _ = await jobs.submit_job(
        session=session,
        queue=queue,
        owner=owner,
        pipeline="cv_match",
        params={"posting": _spec(posting), "files": files},
        idempotency_key=idempotency_key,
        posting_id=posting.id,
        public_only=False,
    )
    return job


async def screen_uploads(
    *,
    session: AsyncSession,
    settings: Settings,
    queue: jobs.JobQueue,
    owner: User,
    posting: Posting,
    intake: Intake,
    idempotency_key: str | None = None,
) -> Job:
    """The one-shot path: keep the uploaded files, then screen them with the rejects."""
    outcomes = await file_service.keep_intake(
        session=session, settings=settings, owner=owner, intake=intake
    )
    await session.commit()
    files: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, outcome in enumerate(outcomes):
        if isinstance(outcome, FileError):
            files.append(_reject_entry(owner, index, outcome))
        elif outcome.id not in seen:  # the same content twice in one request
            seen.add(outcome.id)
            files.append(_file_entry(outcome, settings))
    return await _submit_match(
        session=session,
        queue=queue,
        owner=owner,
        posting=posting,
        files=files,
        idempotency_key=idempotency_key,
    )


async def screen_file_ids(
    *,
    session: AsyncSession,
    settings: Settings,
    queue: jobs.JobQueue,
    owner: User,
    posting_id: str,
    file_ids: list[str],
    idempotency_key: str | None = None,
) -> Job:
    """Screen files the owner uploaded before; any unknown id answers 404."""
    posting = await posting_service.get_posting(session=session, owner=owner, posting_id=posting_id)
    wanted = list(dict.fromkeys(file_ids))
    rows: dict[str, StoredFile] = {}
    for start in range(0, len(wanted), 500):
        found = await session.scalars(
            select(StoredFile).where(
                StoredFile.owner_id == owner.id, StoredFile.id.in_(wanted[start : start + 500])
            )
        )
        rows.update((row.id, row) for row in found)
    missing = [ident for ident in wanted if ident not in rows]
    if missing:
        raise NotFoundError(f"{len(missing)} file(s) not found", extra={"file_ids": missing[:20]})
    files = [_file_entry(rows[ident], settings) for ident in wanted]
    return await _submit_match(
        session=session,
        queue=queue,
        owner=owner,
        posting=posting,
        files=files,
        idempotency_key=idempotency_key,
    )


async def rescore(
    *,
    session: AsyncSession,
    queue: jobs.JobQueue,
    actor: audit.Actor,
    posting_id: str,
    idempotency_key: str | None = None,
) -> Job:
    """Re-score every candidate of the posting from cached profiles (no parsing); the
    request is audited."""
    owner = actor.user
    assert owner is not None
    posting = await posting_service.get_posting(session=session, owner=owner, posting_id=posting_id)
    await audit.record_now(session, actor, audit.Entry("rescore", "posting", posting.id, owner.id,
                                                       posting.id))  # fmt: skip
    job, _ = await jobs.submit_job(
        session=session,
        queue=queue,
        owner=owner,
        pipeline="cv_rescore",
        params={"posting": posting.spec, "candidates": []},
        idempotency_key=idempotency_key,
        posting_id=posting.id,
        public_only=False,
    )
    return job
