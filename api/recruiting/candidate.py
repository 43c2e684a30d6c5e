"""Candidates: summaries, full profiles with their neighbours in the ranking, file downloads."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.config.settings import Settings
from api.core import security
from api.core.errors import NotFoundError, UnauthenticatedError
from api.entity.candidate import Candidate
from api.entity.file import StoredFile
from api.entity.user import User
from api.recruiting.filestore import store_for
from api.schema.candidate import CandidateRead, CandidateSummary, profile_fields
from pipeline import sniff

EDUCATION_ORDER = {"high_school": 1, "diploma": 2, "bachelor": 3, "master": 4, "doctorate": 5}


@dataclass(frozen=True)
class Download:
    path: Path
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


def summary(candidate: Candidate, settings: Settings) -> CandidateSummary:
    return CandidateSummary(
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


async def get_candidate(
    *, session: AsyncSession, settings: Settings, owner: User, candidate_id: str
) -> CandidateRead:
    """The full profile of one of the owner's candidates."""
    candidate = await session.scalar(
        select(Candidate).where(Candidate.id == candidate_id, Candidate.owner_id == owner.id)
    )
    if candidate is None:
        raise NotFoundError("Candidate not found")
    profile = candidate.profile or {}
    previous_id, next_id = await _neighbours(session, candidate)
    fields = {
        **summary(candidate, settings).model_dump(),
        **profile_fields(profile),
        "years_experience": profile.get("total_years_experience"),
        "education_level": highest_education(profile.get("education")),
    }
    return CandidateRead(
        **fields, posting_id=candidate.posting_id, previous_id=previous_id, next_id=next_id
    )


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
    owner: User | None,
    sig: str | None,
) -> Download:
    """The original file, for its owner or for a valid signed link to this candidate."""
    if owner is None and sig is None:
        raise UnauthenticatedError()
    query = (
        select(Candidate.owner_id, StoredFile)
        .join(StoredFile, StoredFile.id == Candidate.file_id)
        .where(Candidate.id == candidate_id)
    )
    row = (await session.execute(query)).first()
    if row is None:
        raise NotFoundError("Candidate not found")
    owned = owner is not None and row[0] == owner.id
    signed = sig is not None and security.verify_download(
        resource=_resource(candidate_id), sig=sig, settings=settings
    )
    if not (owned or signed):
        if owner is not None:
            raise NotFoundError("Candidate not found")
        raise UnauthenticatedError(
            "The download link is invalid or has expired", error_code="INVALID_SIGNATURE"
        )
    stored: StoredFile = row[1]
    path = store_for(settings.upload_dir).path(stored.storage_key)
    if not path.is_file():
        raise NotFoundError("The file is no longer stored")
    filename = sniff.sanitize_filename(stored.filename)
    return Download(path=path, filename=filename, content_type=stored.content_type)
