"""The queue status: the caller's own counts; the global picture for admins."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api import jobs
from api.controller.deps import CurrentUser, SessionDep
from api.schema.common import error_responses
from api.schema.job import QueueStatus

router = APIRouter(tags=["service"])


@router.get(
    "/status",
    response_model=QueueStatus,
    response_model_exclude_none=True,
    responses=error_responses(401),
    summary="Queue counts (yours; admins also global depth, running units, processes)",
)
async def queue_status(request: Request, user: CurrentUser, session: SessionDep) -> QueueStatus:
    manager = getattr(request.app.state, "connection_manager", None)
    connections = getattr(manager, "count", None) if manager is not None else None
    report = await jobs.queue_status(
        session=session,
        user=user,
        connections=connections if isinstance(connections, int) else None,
    )
    return QueueStatus.model_validate(report)
