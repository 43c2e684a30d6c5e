"""A posting's shortlist: the ranking filtered and sorted, exports, statistics, and
the preview of what a description yields."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from api.controller.deps import CurrentActor, CurrentUser, SessionDep, SettingsDep
from api.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from api.recruiting import export as export_service
from api.recruiting import posting as posting_service
from api.recruiting import shortlist as shortlist_service
from api.schema.candidate import CandidateSummary
from api.schema.common import Page, error_responses
from api.schema.posting import EducationLevel, PostingDraft, PostingPreview
from api.schema.shortlist import (
    MAX_FILTER_SKILLS,
    CandidateQuery,
    ExportCreate,
    ShortlistStats,
    SkillName,
    SortKey,
)

router = APIRouter(prefix="/postings", tags=["postings"])
_FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/csv": {},
            export_service.XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
        }
    }
}
SkillFilter = Annotated[list[SkillName], Query(max_length=MAX_FILTER_SKILLS)]
Score = Annotated[float | None, Query(ge=0, le=100, allow_inf_nan=False)]
Years = Annotated[float | None, Query(ge=0, le=60, allow_inf_nan=False)]


@router.post("/preview", response_model=PostingPreview, responses=error_responses(401, 422))
def preview_posting(data: PostingDraft, user: CurrentUser) -> PostingPreview:
    """The skills, years and education read from a description; nothing is saved."""
    return posting_service.preview_posting(data)


def _query(
    min_score: Score = None,
    max_score: Score = None,
    skill: SkillFilter = [],  # noqa: B006 - FastAPI copies defaults
    missing: SkillFilter = [],  # noqa: B006
    min_years: Years = None,
    education: EducationLevel | None = None,
    location: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    sort: SortKey = "rank",
    order: Literal["asc", "desc"] = "asc",
) -> CandidateQuery:
    return CandidateQuery(
        min_score=min_score,
        max_score=max_score,
        skills=skill,
        missing=missing,
        min_years=min_years,
        education=education,
        location=location,
        sort=sort,
        order=order,
    )


def _attachment(content: bytes, fmt: str, posting_id: str) -> Response:
    media = export_service.XLSX_TYPE if fmt == "xlsx" else "text/csv; charset=utf-8"
    disposition = f'attachment; filename="shortlist-{posting_id}.{fmt}"'
    return Response(content, media_type=media, headers={"Content-Disposition": disposition})


@router.get(
    "/{posting_id}/candidates",
    response_model=Page[CandidateSummary],
    responses={**error_responses(401, 404, 422), **_FILES},
)
async def list_candidates(
    posting_id: str,
    request: Request,
    actor: CurrentActor,
    session: SessionDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    format: Annotated[str | None, Query(pattern="^(json|csv|xlsx)$")] = None,
    min_score: Score = None,
    max_score: Score = None,
    skill: SkillFilter = [],  # noqa: B006
    missing: SkillFilter = [],  # noqa: B006
    min_years: Years = None,
    education: EducationLevel | None = None,
    location: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    sort: SortKey = "rank",
    order: Literal["asc", "desc"] = "asc",
) -> Any:
    """The ranking, best first, filtered and sorted on request; `?format=csv|xlsx` (or
    `Accept: text/csv`) for every candidate it shows, as a file (exports are audited).
    Under blind review, who a candidate is stays hidden until revealed."""
    query = _query(
        min_score, max_score, skill, missing, min_years, education, location, sort, order
    )
    assert actor.user is not None
    posting = await posting_service.get_posting(
        session=session, owner=actor.user, posting_id=posting_id
    )
    wants_csv = format is None and "text/csv" in request.headers.get("accept", "")
    if (format == "csv" or wants_csv) and query.is_default:
        await export_service.audit_export(session, actor, posting, "csv", None)
        lines = export_service.ranking_csv(
            sessionmaker=request.app.state.sessionmaker,
            settings=settings,
            posting_id=posting_id,
            min_score=min_score,
            blind=posting.blind_review,
        )
        disposition = f'attachment; filename="ranking-{posting_id}.csv"'
        return StreamingResponse(
            lines,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": disposition},
        )
    if format in {"csv", "xlsx"} or wants_csv:
        export = ExportCreate(format="xlsx" if format == "xlsx" else "csv", query=query)
        return await _export(session, settings, actor, posting, export)
    items, next_cursor = await shortlist_service.page(
        session=session,
        settings=settings,
        posting_id=posting_id,
        query=query,
        limit=limit,
        cursor=cursor,
        blind=posting.blind_review,
    )
    return Page(items=items, next_cursor=next_cursor)


async def _export(
    session: Any, settings: Any, actor: Any, posting: Any, export: ExportCreate
) -> Response:
    rows = await export_service.chosen_rows(session=session, posting_id=posting.id, request=export)
    blind = posting.blind_review
    if export.format == "xlsx":
        content = await export_service.to_xlsx(rows, settings, title=posting.title, blind=blind)
    else:
        content = export_service.to_csv(rows, settings, blind=blind)
    await export_service.audit_export(session, actor, posting, export.format, len(rows))
    return _attachment(content, export.format, posting.id)


@router.post(
    "/{posting_id}/exports",
    response_class=Response,
    responses={**error_responses(401, 404, 422), **_FILES},
)
async def export_candidates(
    posting_id: str,
    data: ExportCreate,
    actor: CurrentActor,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """The selected candidates (or all the query shows) as CSV or XLSX; the file links in
    it stay valid for `EXPORT_LINK_SECONDS` (audited; blind review hides who they are)."""
    assert actor.user is not None
    posting = await posting_service.get_posting(
        session=session, owner=actor.user, posting_id=posting_id
    )
    return await _export(session, settings, actor, posting, data)


@router.get(
    "/{posting_id}/stats", response_model=ShortlistStats, responses=error_responses(401, 404)
)
async def shortlist_stats(
    posting_id: str, user: CurrentUser, session: SessionDep
) -> ShortlistStats:
    """Score distribution and how many candidates have each of the posting's skills."""
    posting = await posting_service.get_posting(session=session, owner=user, posting_id=posting_id)
    return await shortlist_service.stats(session=session, posting=posting)
