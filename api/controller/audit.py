"""The audit trail, for admins."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from api.controller.deps import AdminUser, SessionDep
from api.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from api.recruiting import audit
from api.schema.audit import AuditAction, AuditEventRead, AuditSubject
from api.schema.common import Page, error_responses

router = APIRouter(prefix="/admin", tags=["admin"])
Ident = Annotated[str | None, Query(max_length=36)]


@router.get("/audit", response_model=Page[AuditEventRead], responses=error_responses(401, 403, 422))
async def list_audit(
    admin: AdminUser,
    session: SessionDep,
    action: AuditAction | None = None,
    subject_type: AuditSubject | None = None,
    subject_id: Ident = None,
    actor_id: Ident = None,
    owner_id: Ident = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[AuditEventRead]:
    """Who opened, downloaded, exported, rescored, revealed, deleted or purged which
    candidate, file, posting, job or account, newest first (`since`/`until` in UTC)."""
    query = audit.AuditQuery(
        action=action, subject_type=subject_type, subject_id=subject_id, actor_id=actor_id,
        owner_id=owner_id, since=_naive(since), until=_naive(until),
    )  # fmt: skip
    rows, next_cursor = await audit.list_events(
        session=session, query=query, limit=limit, cursor=cursor
    )
    return Page(items=[AuditEventRead.model_validate(r) for r in rows], next_cursor=next_cursor)


def _naive(value: datetime | None) -> datetime | None:
    """The database keeps naive UTC."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)
