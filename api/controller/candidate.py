"""Candidates: full profiles and original files."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Security
from fastapi.responses import FileResponse

from api.controller.deps import (
    CurrentUser,
    SessionDep,
    SettingsDep,
    api_key_scheme,
    oauth2_scheme,
)
from api.entity.user import User
from api.recruiting import candidate as candidate_service
from api.recruiting import user as user_service
from api.schema.candidate import CandidateRead
from api.schema.common import error_responses

router = APIRouter(prefix="/candidates", tags=["candidates"])


@router.get("/{candidate_id}", response_model=CandidateRead, responses=error_responses(401, 404))
async def get_candidate(
    candidate_id: str, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> CandidateRead:
    """The full parsed profile, score and explanation."""
    return await candidate_service.get_candidate(
        session=session, settings=settings, owner=user, candidate_id=candidate_id
    )


@router.get(
    "/{candidate_id}/file",
    response_class=FileResponse,
    responses={**error_responses(401, 404), 200: {"content": {"application/pdf": {}}}},
)
async def download_file(
    candidate_id: str,
    session: SessionDep,
    settings: SettingsDep,
    bearer: Annotated[str | None, Security(oauth2_scheme)] = None,
    api_key: Annotated[str | None, Security(api_key_scheme)] = None,
    sig: Annotated[str | None, Query(max_length=200)] = None,
    inline: bool = False,
) -> FileResponse:
    """The original file: for its owner, or with the signed `download_url`'s `?sig=`.

    `?inline=true` asks the browser to show it (the console frames PDFs) instead of
    saving it."""
    owner: User | None = None
    if bearer or api_key or sig is None:
        owner = await user_service.resolve_credentials(
            session=session, settings=settings, bearer=bearer, api_key=api_key
        )
    found = await candidate_service.candidate_file(
        session=session, settings=settings, candidate_id=candidate_id, owner=owner, sig=sig
    )
    return FileResponse(
        found.path,
        media_type=found.content_type,
        filename=found.filename,
        content_disposition_type="inline" if inline else "attachment",
    )
