"""Candidates: summaries, full profiles with their neighbours in the ranking, file downloads."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.config.settings import Settings
from api.core import security
from api.core.errors import DomainError, ForbiddenError, NotFoundError, UnauthenticatedError
from api.entity.base import utcnow
from api.entity.candidate import Candidate
from api.entity.file import StoredFile
from api.entity.posting import Posting
from api.entity.user import User
from api.recruiting import audit, blind, blobcrypt
from api.recruiting.filestore import store_of
from api.schema.candidate import CandidateRead, CandidateSummary, profile_fields
from pipeline import sniff


class FileUnreadableError(DomainError):
    """A stored file sealed under a key that is not configured, or altered."""

    status_code = 500
    error_code = "FILE_UNREADABLE"


EDUCATION_ORDER = {"high_school": 1, "diploma": 2, "bachelor": 3, "master": 4, "doctorate": 5}


@dataclass(frozen=True)
class Download:
    """An original file: served from `path` when stored plain, else from `chunks`."""

    chunks: Iterator[bytes]
    path: Path
    sealed: bool
    filename: str
    content_type: str


def download_path(candidate_id: str, settings: Settings, *, for_export: bool = False) -> str:
    """The signed link to a candidate's original file, valid `download_url_seconds`
    (`export_link_seconds` for the links written into exports)."""
    if for_export:
        settings = settings.model_copy(
            update={"download_url_seconds": settings.export_link_seconds}
        )
    sig = security.sign_download(resource=_resource(candidate_id), settings=settings)
    return f"/api/v1/candidates/{candidate_id}/file?sig={sig}"


def _resource(candidate_id: str) -> str:
    return f"candidate-file:{candidate_id}"


def hidden(candidate: Candidate, posting: Posting) -> bool:
    """Blind review hides this candidate (it was not revealed)."""
    return posting.blind_review and candidate.revealed_at is None


def summary(candidate: Candidate, settings: Settings, *, hide: bool = False) -> CandidateSummary:
    item = CandidateSummary(
        id=candidate.id,
        file_id=candidate.file_id,
        filename=candidate.filename,
        name=candidate.name,
        email=candidate.email,
        score=round(candidate.score, 1),
        rank=candidate.rank,
        breakdown=candidate.breakdown or {},
        matched_skills=candidate.matched_skills or [],
        missing_skills=candidate.missing_skills or [],
        download_url=download_path(candidate.id, settings),
    )
    if hide:
        blind.hide_summary(item, candidate.name)
    return item


async def owned(session: AsyncSession, owner: User, candidate_id: str) -> tuple[Candidate, Posting]:
    """One of the owner's candidates with its posting, or NotFoundError."""
    row = (
        await session.execute(
            select(Candidate, Posting)
            .join(Posting, Posting.id == Candidate.posting_id)
            .where(Candidate.id == candidate_id, Candidate.owner_id == owner.id)
        )
    ).first()
    if row is None:
        raise NotFoundError("Candidate not found")
    return row[0], row[1]


async def read(
    session: AsyncSession, settings: Settings, candidate: Candidate, *, hide: bool
) -> CandidateRead:
    profile = candidate.profile or {}
    previous_id, next_id = await _neighbours(session, candidate)
    fields = {
        **summary(candidate, settings).model_dump(),
        **profile_fields(profile),
        "years_experience": profile.get("total_years_experience"),
        "education_level": highest_education(profile.get("education")),
    }
    item = CandidateRead(
        **fields, posting_id=candidate.posting_id, previous_id=previous_id, next_id=next_id
    )
    if hide:
        blind.hide_read(item, candidate.name)
    return item


async def get_candidate(
    *, session: AsyncSession, settings: Settings, actor: audit.Actor, candidate_id: str
) -> CandidateRead:
    """The full profile of one of the owner's candidates (the view is audited)."""
    assert actor.user is not None
    candidate, posting = await owned(session, actor.user, candidate_id)
    item = await read(session, settings, candidate, hide=hidden(candidate, posting))
    entry = audit.Entry("view", "candidate", candidate.id, candidate.owner_id, posting.id)
    await audit.record_now(session, actor, entry)
    return item


async def reveal(
    *, session: AsyncSession, settings: Settings, actor: audit.Actor, candidate_id: str
) -> CandidateRead:
    """Show who a blind-review candidate is, from now on (audited)."""
    assert actor.user is not None
    candidate, posting = await owned(session, actor.user, candidate_id)
    if candidate.revealed_at is None:
        candidate.revealed_at = utcnow()
    entry = audit.Entry("reveal", "candidate", candidate.id, candidate.owner_id, posting.id)
    await audit.record(session, actor, [entry])
    await session.commit()
    return await read(session, settings, candidate, hide=False)


def highest_education(items: Any) -> str | None:
    """The highest `level` in a profile's education list."""
    levels = [i.get("level") for i in items or [] if isinstance(i, dict)]
    known = [level for level in levels if level in EDUCATION_ORDER]
    return max(known, key=EDUCATION_ORDER.__getitem__) if known else None


async def _neighbours(session: AsyncSession, candidate: Candidate) -> tuple[str | None, str | None]:
    """The candidates ranked just above and just below (ranks tie-break by id)."""
    rank, ident = candidate.rank or 0, candidate.id
    same = Candidate.posting_id == candidate.posting_id
    above = await session.scalar(
        select(Candidate.id)
        .where(same, (Candidate.rank < rank) | ((Candidate.rank == rank) & (Candidate.id < ident)))
        .order_by(Candidate.rank.desc(), Candidate.id.desc())
        .limit(1)
    )
    below = await session.scalar(
        select(Candidate.id)
        .where(same, (Candidate.rank > rank) | ((Candidate.rank == rank) & (Candidate.id > ident)))
        .order_by(Candidate.rank, Candidate.id)
        .limit(1)
    )
    return above, below


async def candidate_file(
    *,
    session: AsyncSession,
    settings: Settings,
    candidate_id: str,
    actor: audit.Actor | None,
    sig: str | None,
) -> Download:
    """The original file, for its owner or for a valid signed link to this candidate
    (audited; refused while blind review hides the candidate)."""
    owner = actor.user if actor is not None else None
    if owner is None and sig is None:
        raise UnauthenticatedError()
    query = (
        select(Candidate, StoredFile, Posting)
        .join(StoredFile, StoredFile.id == Candidate.file_id)
        .join(Posting, Posting.id == Candidate.posting_id)
        .where(Candidate.id == candidate_id)
    )
    row = (await session.execute(query)).first()
    if row is None:
        raise NotFoundError("Candidate not found")
    candidate, stored, posting = row[0], row[1], row[2]
    mine = owner is not None and candidate.owner_id == owner.id
    signed = sig is not None and security.verify_download(
        resource=_resource(candidate_id), sig=sig, settings=settings
    )
    if not (mine or signed):
        if owner is not None:
            raise NotFoundError("Candidate not found")
        raise UnauthenticatedError(
            "The download link is invalid or has expired", error_code="INVALID_SIGNATURE"
        )
    if hidden(candidate, posting):
        raise ForbiddenError(
            "Blind review: reveal the candidate to open the file", error_code="BLIND_REVIEW"
        )
    store = store_of(settings)
    if not store.exists(stored.storage_key):
        raise NotFoundError("The file is no longer stored")
    chunks: Iterator[bytes] = iter(())
    try:
        sealed = store.sealed(stored.storage_key)
        if sealed:  # the first chunk is opened now, so a bad file fails before the answer
            chunks = store.chunks(stored.storage_key)
            chunks = itertools.chain([next(chunks, b"")], chunks)
    except blobcrypt.BlobCryptError as exc:
        raise FileUnreadableError(str(exc)) from exc
    entry = audit.Entry("download", "candidate", candidate.id, candidate.owner_id, posting.id,
                        {"file_id": stored.id})  # fmt: skip
    await audit.record_now(session, actor if mine and actor else audit.SIGNED_LINK, entry)
    return Download(
        chunks=chunks,
        path=store.path(stored.storage_key),
        sealed=sealed,
        filename=sniff.sanitize_filename(stored.filename),
        content_type=stored.content_type,
    )
