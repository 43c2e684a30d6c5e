"""Postings, their screenings and rescoring (the ranked candidates: shortlist.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from api.controller.deps import CurrentActor, CurrentUser, QueueDep, SessionDep, SettingsDep
from api.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from api.recruiting import erasure
from api.recruiting import file as file_service
from api.recruiting import posting as posting_service
from api.recruiting import screening as screening_service
from api.schema.common import Page, error_responses
from api.schema.job import JobRead
from api.schema.posting import PostingCreate, PostingRead, PostingUpdate, ScreeningCreate

router = APIRouter(prefix="/postings", tags=["postings"])
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]
_SCREENING_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": ScreeningCreate.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}}
                    },
                }
            },
        },
    }
}


@router.post(
    "",
    response_model=PostingRead,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 422),
)
async def create_posting(
    data: PostingCreate, user: CurrentUser, session: SessionDep
) -> PostingRead:
    """Create a posting; skills not given are taken from the description."""
    posting = await posting_service.create_posting(session=session, owner=user, data=data)
    return PostingRead.of(posting)


@router.get("", response_model=Page[PostingRead], responses=error_responses(401, 422))
async def list_postings(
    user: CurrentUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[PostingRead]:
    """The caller's postings, newest first."""
    rows, next_cursor = await posting_service.list_postings(
        session=session, owner=user, limit=limit, cursor=cursor
    )
    return Page(items=[PostingRead.of(row) for row in rows], next_cursor=next_cursor)


@router.get("/{posting_id}", response_model=PostingRead, responses=error_responses(401, 404))
async def get_posting(posting_id: str, user: CurrentUser, session: SessionDep) -> PostingRead:
    """One posting."""
    posting = await posting_service.get_posting(session=session, owner=user, posting_id=posting_id)
    return PostingRead.of(posting)


@router.patch("/{posting_id}", response_model=PostingRead, responses=error_responses(401, 404, 422))
async def update_posting(
    posting_id: str, data: PostingUpdate, user: CurrentUser, session: SessionDep
) -> PostingRead:
    """Change a posting; run a rescore afterwards to apply it to ranked candidates."""
    posting = await posting_service.update_posting(
        session=session, owner=user, posting_id=posting_id, data=data
    )
    return PostingRead.of(posting)


@router.delete(
    "/{posting_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 404, 409),
)
async def delete_posting(
    posting_id: str, actor: CurrentActor, session: SessionDep, settings: SettingsDep
) -> None:
    """Erase a posting: its candidates, its screenings, and the files they used that no
    other candidate is made from (409 `ACTIVE_JOB` while one of its jobs is active)."""
    assert actor.user is not None
    await erasure.erase_posting(
        session=session, settings=settings, actor=actor, owner=actor.user, posting_id=posting_id
    )


async def _file_ids(request: Request) -> list[str]:
    try:
        return ScreeningCreate.model_validate_json(await request.body()).file_ids
    except ValidationError as exc:
        errors = [{**err, "loc": ("body", *err["loc"])} for err in exc.errors()]
        raise RequestValidationError(errors) from exc


@router.post(
    "/{posting_id}/screenings",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    openapi_extra=_SCREENING_BODY,
    responses=error_responses(401, 404, 409, 413, 415, 422),
)
async def create_screening(
    posting_id: str,
    request: Request,
    response: Response,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    queue: QueueDep,
    idempotency_key: IdempotencyKey = None,
) -> JobRead:
    """Screen CVs: multipart `files` (uploaded now) or JSON `{"file_ids": [...]}`."""
    if request.headers.get("content-type", "").startswith("multipart/"):
        posting = await posting_service.get_posting(
            session=session, owner=user, posting_id=posting_id
        )
        intake = await file_service.receive_intake(
            session=session,
            settings=settings,
            stream=request.stream(),
            content_type=request.headers.get("content-type"),
            content_length=request.headers.get("content-length"),
        )
        job = await screening_service.screen_uploads(
            session=session,
            settings=settings,
            queue=queue,
            owner=user,
            posting=posting,
            intake=intake,
            idempotency_key=idempotency_key,
        )
    else:
        job = await screening_service.screen_file_ids(
            session=session,
            settings=settings,
            queue=queue,
            owner=user,
            posting_id=posting_id,
            file_ids=await _file_ids(request),
            idempotency_key=idempotency_key,
        )
    response.headers["Location"] = f"/api/v1/jobs/{job.id}"
    return JobRead.model_validate(job)


@router.post(
    "/{posting_id}/rescore",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(401, 404, 409),
)
async def rescore(
    posting_id: str,
    response: Response,
    actor: CurrentActor,
    session: SessionDep,
    queue: QueueDep,
    idempotency_key: IdempotencyKey = None,
) -> JobRead:
    """Re-score every candidate from cached profiles, e.g. after a PATCH (audited)."""
    job = await screening_service.rescore(
        session=session,
        queue=queue,
        actor=actor,
        posting_id=posting_id,
        idempotency_key=idempotency_key,
    )
    response.headers["Location"] = f"/api/v1/jobs/{job.id}"
    return JobRead.model_validate(job)
