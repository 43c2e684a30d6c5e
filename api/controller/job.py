"""Jobs: submit, list, read, cancel, retry, delete, events and results."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status

from api import jobs
from api.controller.deps import CurrentActor, CurrentUser, QueueDep, SessionDep, SettingsDep
from api.core.errors import ForbiddenError
from api.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from api.recruiting import erasure
from api.schema.common import INT32_MAX, Page, error_responses
from api.schema.job import JobCreate, JobEventRead, JobRead, JobResultRead

router = APIRouter(prefix="/jobs", tags=["jobs"])
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


@router.post(
    "",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(401, 409, 422),
    summary="Submit a job (202 + Location); `Idempotency-Key` makes retries safe",
)
async def submit(
    data: JobCreate,
    user: CurrentUser,
    session: SessionDep,
    queue: QueueDep,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> JobRead:
    job, _created = await jobs.submit_job(
        session=session, queue=queue, owner=user, pipeline=data.pipeline,
        params=data.params, priority=data.priority,
        max_execution_seconds=data.max_execution_seconds, idempotency_key=idempotency_key,
    )  # fmt: skip
    response.headers["Location"] = f"/api/v1/jobs/{job.id}"
    return JobRead.model_validate(job)


@router.get("", response_model=Page[JobRead], responses=error_responses(401, 403, 422))
async def list_jobs(
    user: CurrentUser,
    session: SessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: str | None = None,
    status: str | None = None,
    pipeline: str | None = None,
    posting_id: str | None = None,
    scheduled: bool = False,
) -> Page[JobRead]:
    """The caller's jobs, newest first; `?scheduled=true` (admins): the scheduled jobs
    (the privacy sweep), which belong to no user."""
    if scheduled and not user.is_admin:
        raise ForbiddenError("Administrator rights required")
    rows, next_cursor = await jobs.list_jobs(
        session=session, owner=user, limit=limit, cursor=cursor,
        status=status, pipeline=pipeline, posting_id=posting_id, scheduled=scheduled,
    )  # fmt: skip
    return Page(items=[JobRead.model_validate(j) for j in rows], next_cursor=next_cursor)


@router.get("/{job_id}", response_model=JobRead, responses=error_responses(401, 404))
async def get_job(job_id: str, user: CurrentUser, session: SessionDep) -> JobRead:
    """One of the caller's jobs."""
    job = await jobs.get_job_for_owner(session=session, owner=user, job_id=job_id)
    return JobRead.model_validate(job)


@router.post(
    "/{job_id}/cancel",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(401, 404, 409),
    summary="Cancel: queued units at once, running units at their next check",
)
async def cancel(job_id: str, user: CurrentUser, session: SessionDep, queue: QueueDep) -> JobRead:
    job = await jobs.cancel_job(session=session, queue=queue, owner=user, job_id=job_id)
    return JobRead.model_validate(job)


@router.post(
    "/{job_id}/retry",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(401, 404, 409),
    summary="Re-queue the unfinished units of a failed or cancelled job",
)
async def retry(job_id: str, user: CurrentUser, session: SessionDep, queue: QueueDep) -> JobRead:
    job = await jobs.retry_job(session=session, queue=queue, owner=user, job_id=job_id)
    return JobRead.model_validate(job)


@router.delete(
    "/{job_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 404, 409),
    summary="Delete a finished job with its units, events and results",
)
async def delete(
    job_id: str, actor: CurrentActor, session: SessionDep, settings: SettingsDep
) -> Response:
    """A screening's deletion erases what it brought: the candidates it ranked last, and
    the files it screened that no candidate is made from any more."""
    assert actor.user is not None
    await erasure.erase_job(
        session=session, settings=settings, actor=actor, owner=actor.user, job_id=job_id
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{job_id}/events",
    response_model=Page[JobEventRead],
    responses=error_responses(401, 404, 422),
)
async def events(
    job_id: str,
    user: CurrentUser,
    session: SessionDep,
    after_seq: Annotated[int, Query(ge=0, le=INT32_MAX)] = 0,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[JobEventRead]:
    """Stored events with `seq > after_seq`; pass `next_cursor` as the next `after_seq`."""
    items, next_cursor = await jobs.list_job_events(
        session=session, owner=user, job_id=job_id, after_seq=after_seq, limit=limit
    )
    return Page(items=[JobEventRead(**e) for e in items], next_cursor=next_cursor)


@router.get(
    "/{job_id}/results",
    response_model=Page[JobResultRead],
    responses=error_responses(401, 404, 422),
)
async def results(
    job_id: str,
    user: CurrentUser,
    session: SessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[JobResultRead]:
    """The job's results in key order."""
    items, next_cursor = await jobs.list_job_results(
        session=session, owner=user, job_id=job_id, limit=limit, cursor=cursor
    )
    return Page(items=[JobResultRead(**r) for r in items], next_cursor=next_cursor)
