"""Subject access export (GDPR Art. 15 and 20): everything held about one candidate.

A JSON document: the candidate with its score and its explanation, the full parsed
profile (protected attributes included: they are the person's data), the stored
file's metadata, every other screening of the same file in the account, the jobs that
processed it, and the access history from the audit trail. `?format=zip` bundles the
document with the original file. The export is audited like a download; under blind
review it shows everything, since it is the person's own copy.
"""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.config.settings import Settings
from api.core.errors import NotFoundError
from api.entity.base import utcnow
from api.entity.candidate import Candidate
from api.entity.file import StoredFile
from api.entity.job import Job
from api.entity.posting import Posting
from api.entity.privacy import AuditEvent
from api.recruiting import audit, erasure_traces
from api.recruiting.candidate import owned
from api.recruiting.filestore import store_of

VERSION = 1


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds") + "Z"


def _screening(candidate: Candidate, title: str) -> dict[str, Any]:
    return {
        "candidate_id": candidate.id,
        "posting": {"id": candidate.posting_id, "title": title},
        "screened_at": _iso(candidate.created_at),
        "updated_at": _iso(candidate.updated_at),
        "score": round(candidate.score, 1),
        "rank": candidate.rank,
        "explanation": candidate.breakdown or {},
        "matched_skills": candidate.matched_skills or [],
        "missing_skills": candidate.missing_skills or [],
    }


def _access(entry: AuditEvent) -> dict[str, Any]:
    return {
        "at": _iso(entry.created_at),
        "action": entry.action,
        "subject": {"type": entry.subject_type, "id": entry.subject_id},
        "by": {"user_id": entry.actor_id, "via": entry.via, "credential": entry.credential},
        "detail": entry.detail,
    }


async def _screenings(session: AsyncSession, file_id: str) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(Candidate, Posting.title)
        .join(Posting, Posting.id == Candidate.posting_id)
        .where(Candidate.file_id == file_id)
        .order_by(Candidate.created_at, Candidate.id)
    )
    return [_screening(candidate, title) for candidate, title in rows]


async def _processing(session: AsyncSession, owner_id: str, file_id: str) -> list[dict[str, Any]]:
    ids = await erasure_traces.jobs_naming(session, owner_id=owner_id, file_ids=[file_id])
    found = await session.scalars(select(Job).where(Job.id.in_(ids)).order_by(Job.created_at))
    return [
        {"job_id": job.id, "pipeline": job.pipeline, "posting_id": job.posting_id,
         "status": job.status, "created_at": _iso(job.created_at),
         "finished_at": _iso(job.finished_at)}
        for job in found
    ]  # fmt: skip


async def build(
    *, session: AsyncSession, actor: audit.Actor, candidate_id: str
) -> tuple[dict[str, Any], StoredFile]:
    """The export document and the stored file (the export is audited)."""
    assert actor.user is not None
    candidate, posting = await owned(session, actor.user, candidate_id)
    stored = await session.get(StoredFile, candidate.file_id)
    assert stored is not None  # candidates go with their files (foreign key)
    entry = audit.Entry("export", "candidate", candidate.id, candidate.owner_id, posting.id,
                        {"kind": "subject_access"})  # fmt: skip
    await audit.record(session, actor, [entry])
    screenings = await _screenings(session, stored.id)
    history = await audit.history(
        session=session, subject_ids=[s["candidate_id"] for s in screenings] + [stored.id]
    )
    document = {
        "export": {"kind": "subject_access", "version": VERSION, "generated_at": _iso(utcnow())},
        "candidate": {
            "id": candidate.id, "name": candidate.name, "email": candidate.email,
            "revealed_at": _iso(candidate.revealed_at),
            **_screening(candidate, posting.title),
        },
        "profile": candidate.profile or {},
        "file": {
            "id": stored.id, "filename": stored.filename, "size": stored.size,
            "sha256": stored.sha256, "content_type": stored.content_type,
            "uploaded_at": _iso(stored.created_at),
        },
        "screenings": screenings,
        "processing": await _processing(session, candidate.owner_id, stored.id),
        "access_history": [_access(e) for e in history],
    }  # fmt: skip
    await session.commit()
    return document, stored


def _zip(document: dict[str, Any], original: bytes, filename: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("candidate.json", json.dumps(document, indent=2, ensure_ascii=False))
        bundle.writestr(f"original/{filename}", original)
    return buffer.getvalue()


async def bundle(settings: Settings, document: dict[str, Any], stored: StoredFile) -> bytes:
    """The document and the original file in one ZIP."""
    store = store_of(settings)
    if not store.exists(stored.storage_key):
        raise NotFoundError("The file is no longer stored")

    def read() -> bytes:
        return b"".join(store.chunks(stored.storage_key))

    original = await asyncio.to_thread(read)
    return await asyncio.to_thread(_zip, document, original, stored.filename)
