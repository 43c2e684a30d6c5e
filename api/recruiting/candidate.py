"""Candidates: the ranking of a posting, full profiles, CSV export and file downloads."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.config.settings import Settings
from api.core import security
from api.core.errors import NotFoundError, UnauthenticatedError, ValidationFailedError
from api.core.pagination import DEFAULT_LIMIT, decode_cursor, encode_cursor
from api.entity.candidate import Candidate
from api.entity.file import StoredFile
from api.entity.user import User
from api.recruiting import posting as posting_service
from api.recruiting.filestore import store_for
from api.schema.candidate import CandidateRead, CandidateSummary, profile_fields
from pipeline import sniff
from pipeline.components import COMPONENTS

CSV_PAGE = 500
#: scores are rounded to 0.1; MariaDB keeps FLOAT in single precision
SCORE_EPSILON = 1e-3


@dataclass(frozen=True)
class Download:
    path: Path
    filename: str
    content_type: str


def download_path(candidate_id: str, settings: Settings) -> str:
    """The signed link to a candidate's original file, valid `download_url_seconds`."""
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


def _ranking_query(posting_id: str, min_score: float | None) -> Select[Candidate]:
    query = select(Candidate).where(Candidate.posting_id == posting_id)
    if min_score is not None:
        query = query.where(Candidate.score >= min_score - SCORE_EPSILON)
    return query.order_by(Candidate.rank, Candidate.id)


def _after(query: Select[Candidate], cursor: str) -> Select[Candidate]:
    rank, ident = decode_cursor(cursor, 2)
    if not isinstance(rank, int) or not isinstance(ident, str):
        raise ValidationFailedError("Invalid cursor", error_code="INVALID_CURSOR")
    return query.where(
        (Candidate.rank > rank) | ((Candidate.rank == rank) & (Candidate.id > ident))
    )


async def list_ranking(
    *,
    session: AsyncSession,
    settings: Settings,
    owner: User,
    posting_id: str,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
    min_score: float | None = None,
) -> tuple[list[CandidateSummary], str | None]:
    """The posting's candidates by score (highest first), keyset-paged by rank."""
    await posting_service.get_posting(session=session, owner=owner, posting_id=posting_id)
    query = _ranking_query(posting_id, min_score)
    if cursor:
        query = _after(query, cursor)
    rows = list(await session.scalars(query.limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1].rank, rows[-1].id)
    return [summary(row, settings) for row in rows], next_cursor


def _safe_cell(value: Any) -> Any:
    """Keep spreadsheets from running CV text as a formula."""
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + value
    return value


def _csv_row(candidate: Candidate, settings: Settings) -> list[Any]:
    breakdown = candidate.breakdown or {}
    points = [(breakdown.get(name) or {}).get("points", 0.0) for name in COMPONENTS]
    matched = "; ".join(item["skill"] for item in candidate.matched_skills or [])
    link = settings.base_url.rstrip("/") + download_path(candidate.id, settings)
    cells = [
        candidate.rank,
        candidate.name,
        candidate.email,
        round(candidate.score, 1),
        *points,
        matched,
        "; ".join(candidate.missing_skills or []),
        sniff.sanitize_filename(candidate.filename),
        link,
    ]
    return [_safe_cell(cell) for cell in cells]


def _csv_line(row: list[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(row)
    return buffer.getvalue()


async def ranking_csv(
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    posting_id: str,
    min_score: float | None = None,
) -> AsyncIterator[str]:
    """The whole ranking as CSV lines, read page by page with a session of its own.

    Check ownership (`get_posting`) before streaming this.
    """
    header = [
        "rank",
        "name",
        "email",
        "score",
        *COMPONENTS,
        "matched_skills",
        "missing_skills",
        "filename",
        "download_url",
    ]
    yield _csv_line(header)
    cursor: str | None = None
    while True:
        async with sessionmaker() as session:
            query = _ranking_query(posting_id, min_score)
            if cursor:
                query = _after(query, cursor)
            rows = list(await session.scalars(query.limit(CSV_PAGE)))
        for row in rows:
            yield _csv_line(_csv_row(row, settings))
        if len(rows) < CSV_PAGE:
            return
        cursor = encode_cursor(rows[-1].rank, rows[-1].id)


async def get_candidate(
    *, session: AsyncSession, settings: Settings, owner: User, candidate_id: str
) -> CandidateRead:
    """The full profile of one of the owner's candidates."""
    candidate = await session.scalar(
        select(Candidate).where(Candidate.id == candidate_id, Candidate.owner_id == owner.id)
    )
    if candidate is None:
        raise NotFoundError("Candidate not found")
    return CandidateRead(
        **summary(candidate, settings).model_dump(),
        posting_id=candidate.posting_id,
        **profile_fields(candidate.profile or {}),
    )


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
