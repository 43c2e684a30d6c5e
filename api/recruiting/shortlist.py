"""The shortlist of a posting: its ranking filtered and sorted, and its statistics.

The plain ranking is keyset-paged in the database. A filtered or re-sorted list reads
the posting's candidates without their profiles (the few profile fields it needs are
taken out of the JSON by the database), narrows and sorts them here, and pages by
position: a pool is at most a few tens of thousands of rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from api.config.settings import Settings
from api.core.errors import ValidationFailedError
from api.core.pagination import decode_cursor, encode_cursor
from api.entity.candidate import Candidate
from api.entity.posting import Posting
from api.recruiting.blind import hide_summary
from api.recruiting.candidate import EDUCATION_ORDER, highest_education, summary
from api.schema.candidate import CandidateSummary
from api.schema.shortlist import CandidateQuery, ScoreBin, ShortlistStats, SkillCoverage

#: scores are rounded to 0.1; MariaDB keeps FLOAT in single precision
SCORE_EPSILON = 1e-3
_SORTED = "sorted"


@dataclass(frozen=True)
class Row:
    """A candidate without its profile, with the profile fields the shortlist uses."""

    candidate: Candidate
    years: float | None
    location: str | None
    education: str | None

    def hidden(self, blind: bool) -> bool:
        """Blind review hides this row's candidate (not revealed)."""
        return blind and self.candidate.revealed_at is None

    def summary(self, settings: Settings, *, blind: bool = False) -> CandidateSummary:
        item = summary(self.candidate, settings)
        item.years_experience = self.years
        item.location = self.location
        item.education_level = self.education
        if self.hidden(blind):
            hide_summary(item, self.candidate.name)
        return item


def rows_query(posting_id: str) -> Select[Any]:
    profile = Candidate.profile
    return (
        select(
            Candidate,
            profile["total_years_experience"].as_float(),
            profile["location"].as_string(),
            profile["education"],
        )
        .options(defer(Candidate.profile))
        .where(Candidate.posting_id == posting_id)
    )


def _row(values: Any) -> Row:
    candidate, years, location, education = values
    if isinstance(education, str):  # some drivers hand JSON back as text
        education = json.loads(education)
    return Row(candidate, years, location, highest_education(education))


async def read_rows(
    session: AsyncSession,
    posting_id: str,
    *,
    min_score: float | None = None,
    after: tuple[int, str] | None = None,
    limit: int | None = None,
) -> list[Row]:
    query = rows_query(posting_id)
    if min_score is not None:
        query = query.where(Candidate.score >= min_score - SCORE_EPSILON)
    if after is not None:
        rank, ident = after
        query = query.where(
            (Candidate.rank > rank) | ((Candidate.rank == rank) & (Candidate.id > ident))
        )
    query = query.order_by(Candidate.rank, Candidate.id)
    if limit is not None:
        query = query.limit(limit)
    return [_row(values) for values in (await session.execute(query)).all()]


def _folded(values: Iterable[str]) -> set[str]:
    return {value.casefold() for value in values}


def _keep(query: CandidateQuery) -> Callable[[Row], bool]:
    wanted = _folded(query.skills)
    lacking = _folded(query.missing)
    place = query.location.casefold() if query.location else None
    level = EDUCATION_ORDER[query.education] if query.education else 0

    def keep(row: Row) -> bool:
        c = row.candidate
        if query.max_score is not None and c.score > query.max_score + SCORE_EPSILON:
            return False
        if wanted and not wanted <= _folded(m["skill"] for m in c.matched_skills or []):
            return False
        if lacking and not lacking <= _folded(c.missing_skills or []):
            return False
        if query.min_years is not None and (row.years or 0) < query.min_years:
            return False
        if level and EDUCATION_ORDER.get(row.education or "", 0) < level:
            return False
        return not place or place in (row.location or "").casefold()

    return keep


#: sort keys that would order hidden candidates by who they are
_IDENTIFYING = frozenset({"name", "filename", "location"})
_SORT_VALUES: dict[str, Callable[[Row], Any]] = {
    "rank": lambda r: r.candidate.rank,
    "score": lambda r: r.candidate.score,
    "name": lambda r: (r.candidate.name or "").casefold() or None,
    "filename": lambda r: r.candidate.filename.casefold(),
    "years": lambda r: r.years,
    "education": lambda r: EDUCATION_ORDER.get(r.education or ""),
    "location": lambda r: (r.location or "").casefold() or None,
    "matched": lambda r: len(r.candidate.matched_skills or []),
    "missing": lambda r: len(r.candidate.missing_skills or []),
}


def narrow(rows: list[Row], query: CandidateQuery) -> list[Row]:
    """Filter and sort; unknown values last, ties by rank."""
    kept = [row for row in rows if _keep(query)(row)] if not query.is_default else rows
    value = _SORT_VALUES[query.sort]
    kept.sort(key=lambda r: (r.candidate.rank or 0, r.candidate.id))
    known = [row for row in kept if value(row) is not None]
    unknown = [row for row in kept if value(row) is None]
    known.sort(key=value, reverse=query.order == "desc")
    return known + unknown


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    kind, offset = decode_cursor(cursor, 2)
    if kind != _SORTED or not isinstance(offset, int) or offset < 0:
        raise ValidationFailedError("Invalid cursor", error_code="INVALID_CURSOR")
    return offset


def _after(cursor: str | None) -> tuple[int, str] | None:
    if not cursor:
        return None
    rank, ident = decode_cursor(cursor, 2)
    if not isinstance(rank, int) or not isinstance(ident, str):
        raise ValidationFailedError("Invalid cursor", error_code="INVALID_CURSOR")
    return rank, ident


async def page(
    *,
    session: AsyncSession,
    settings: Settings,
    posting_id: str,
    query: CandidateQuery,
    limit: int,
    cursor: str | None,
    blind: bool = False,
) -> tuple[list[CandidateSummary], str | None]:
    """One page of the shortlist and the cursor of the next; under blind review a sort
    by name, file or location is the ranking."""
    if blind and query.sort in _IDENTIFYING:
        query = query.model_copy(update={"sort": "rank", "order": "asc"})
    if query.is_default:
        rows = await read_rows(
            session, posting_id, min_score=query.min_score, after=_after(cursor), limit=limit + 1
        )
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            last = rows[-1].candidate
            next_cursor = encode_cursor(last.rank, last.id)
        return [row.summary(settings, blind=blind) for row in rows], next_cursor
    start = _offset(cursor)
    everyone = narrow(await read_rows(session, posting_id, min_score=query.min_score), query)
    chosen = everyone[start : start + limit]
    more = start + limit < len(everyone)
    next_cursor = encode_cursor(_SORTED, start + limit) if more else None
    return [row.summary(settings, blind=blind) for row in chosen], next_cursor


async def stats(*, session: AsyncSession, posting: Posting) -> ShortlistStats:
    """Score distribution in ten bins and how many candidates have each posted skill."""
    result = await session.execute(
        select(Candidate.score, Candidate.matched_skills).where(Candidate.posting_id == posting.id)
    )
    bins = [0] * 10
    have: dict[str, int] = {}
    total = 0
    for score, matched in result.all():
        total += 1
        bins[min(9, max(0, int((score or 0) // 10)))] += 1
        for skill in {m["skill"].casefold() for m in matched or []}:
            have[skill] = have.get(skill, 0) + 1
    skills = [
        SkillCoverage(skill=name, kind=kind, count=have.get(name.casefold(), 0))
        for kind, names in (
            ("required", posting.required_skills),
            ("preferred", posting.preferred_skills),
        )
        for name in names or []
    ]
    score_bins = [ScoreBin(low=i * 10, high=i * 10 + 10, count=n) for i, n in enumerate(bins)]
    return ShortlistStats(total=total, score_bins=score_bins, skills=skills)
