"""Uploaded CV files."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status

from api.controller.deps import CurrentActor, CurrentUser, SessionDep, SettingsDep
from api.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from api.recruiting import erasure
from api.recruiting import file as file_service
from api.schema.common import Page, error_responses
from api.schema.file import FileRead, FileUploadRead

router = APIRouter(prefix="/files", tags=["files"])
_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
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
    response_model=FileUploadRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=_UPLOAD_BODY,
    responses=error_responses(401, 413, 415, 422),
)
async def upload_files(
    request: Request, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> FileUploadRead:
    """Upload CVs (repeat the `files` field). Each file is kept or rejected on its own."""
    intake = await file_service.receive_intake(
        session=session,
        settings=settings,
        stream=request.stream(),
        content_type=request.headers.get("content-type"),
        content_length=request.headers.get("content-length"),
    )
    items, errors = await file_service.upload_files(
        session=session, settings=settings, owner=user, intake=intake
    )
    return FileUploadRead(items=[FileRead.model_validate(i) for i in items], errors=errors)


@router.get("", response_model=Page[FileRead], responses=error_responses(401, 422))
async def list_files(
    user: CurrentUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[FileRead]:
    """The caller's files, newest first."""
    rows, next_cursor = await file_service.list_files(
        session=session, owner=user, limit=limit, cursor=cursor
    )
    return Page(items=[FileRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.delete(
    "/{file_id}", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(401, 404, 409)
)
async def delete_file(
    file_id: str, actor: CurrentActor, session: SessionDep, settings: SettingsDep
) -> None:
    """Erase a file: the record, every candidate made from it and its traces in
    screenings; the bytes go when no other account holds the same content (409
    `ACTIVE_JOB` while a job uses it)."""
    assert actor.user is not None
    await erasure.erase_file(
        session=session, settings=settings, actor=actor, owner=actor.user, file_id=file_id
    )
