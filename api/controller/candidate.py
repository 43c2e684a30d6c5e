"""Candidates: full profiles, original files, reveal (blind review), subject access
export and erasure."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Response, Security, status
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse

from api.controller.deps import (
    CurrentActor,
    SessionDep,
    SettingsDep,
    api_key_scheme,
    oauth2_scheme,
)
from api.recruiting import audit, erasure, subject_export
from api.recruiting import candidate as candidate_service
from api.recruiting import user as user_service
from api.schema.candidate import CandidateRead
from api.schema.common import error_responses

router = APIRouter(prefix="/candidates", tags=["candidates"])


@router.get("/{candidate_id}", response_model=CandidateRead, responses=error_responses(401, 404))
async def get_candidate(
    candidate_id: str, actor: CurrentActor, session: SessionDep, settings: SettingsDep
) -> CandidateRead:
    """The full parsed profile, score and explanation (audited as a view). Under blind
    review, who the candidate is stays hidden until revealed."""
    return await candidate_service.get_candidate(
        session=session, settings=settings, actor=actor, candidate_id=candidate_id
    )


@router.delete(
    "/{candidate_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 404, 409),
)
async def delete_candidate(
    candidate_id: str, actor: CurrentActor, session: SessionDep, settings: SettingsDep
) -> None:
    """Erase the candidate: its profile, scores and traces in screenings, and its file
    when no other candidate of yours is made from it (409 `ACTIVE_JOB` while a job of
    its posting runs)."""
    assert actor.user is not None
    await erasure.erase_candidate(
        session=session, settings=settings, actor=actor, owner=actor.user,
        candidate_id=candidate_id,
    )  # fmt: skip


@router.post(
    "/{candidate_id}/reveal", response_model=CandidateRead, responses=error_responses(401, 404)
)
async def reveal(
    candidate_id: str, actor: CurrentActor, session: SessionDep, settings: SettingsDep
) -> CandidateRead:
    """Blind review: show who the candidate is, from now on (audited)."""
    return await candidate_service.reveal(
        session=session, settings=settings, actor=actor, candidate_id=candidate_id
    )


@router.get(
    "/{candidate_id}/export",
    responses={
        **error_responses(401, 404),
        200: {"content": {"application/json": {}, "application/zip": {}}},
    },
)
async def export_candidate(
    candidate_id: str,
    actor: CurrentActor,
    session: SessionDep,
    settings: SettingsDep,
    format: Literal["json", "zip"] = "json",
) -> Response:
    """Subject access export: everything held about the candidate (profile, scores,
    explanations, screenings, processing, access history) as JSON, or with the
    original file as a ZIP (audited)."""
    document, stored = await subject_export.build(
        session=session, actor=actor, candidate_id=candidate_id
    )
    name = f"candidate-{candidate_id}"
    if format == "zip":
        content = await subject_export.bundle(settings, document, stored)
        disposition = f'attachment; filename="{name}.zip"'
        return Response(content, media_type="application/zip",
                        headers={"Content-Disposition": disposition})  # fmt: skip
    disposition = f'attachment; filename="{name}.json"'
    return JSONResponse(document, headers={"Content-Disposition": disposition})


@router.get(
    "/{candidate_id}/file",
    response_class=FileResponse,
    responses={**error_responses(401, 403, 404), 200: {"content": {"application/pdf": {}}}},
)
async def download_file(
    candidate_id: str,
    session: SessionDep,
    settings: SettingsDep,
    bearer: Annotated[str | None, Security(oauth2_scheme)] = None,
    api_key: Annotated[str | None, Security(api_key_scheme)] = None,
    sig: Annotated[str | None, Query(max_length=200)] = None,
    inline: bool = False,
) -> Any:
    """The original file: for its owner, or with the signed `download_url`'s `?sig=`
    (audited as a download; 403 `BLIND_REVIEW` until a hidden candidate is revealed).

    `?inline=true` asks the browser to show it (the console frames PDFs) instead of
    saving it."""
    actor: audit.Actor | None = None
    if bearer or api_key or sig is None:
        actor = await user_service.resolve_actor(
            session=session, settings=settings, bearer=bearer, api_key=api_key
        )
    found = await candidate_service.candidate_file(
        session=session, settings=settings, candidate_id=candidate_id, actor=actor, sig=sig
    )
    kind = "inline" if inline else "attachment"
    if not found.sealed:
        return FileResponse(found.path, media_type=found.content_type,
                            filename=found.filename, content_disposition_type=kind)  # fmt: skip
    return StreamingResponse(
        found.chunks,
        media_type=found.content_type,
        headers={"Content-Disposition": _disposition(kind, found.filename)},
    )


def _disposition(kind: str, filename: str) -> str:
    """The header FileResponse writes for `filename`."""
    quoted = quote(filename)
    if quoted != filename:
        return f"{kind}; filename*=utf-8''{quoted}"
    return f'{kind}; filename="{filename}"'
