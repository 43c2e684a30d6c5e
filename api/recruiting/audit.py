"""The audit trail: who opened, downloaded, exported, rescored, revealed or deleted which
candidate, file, posting, job or account, when, and with which credential.

Entries are only ever added (no code path updates or deletes one) and hold
identifiers, counts and formats, never CV content. Lists of candidates are not audited
row by row; their exports are, once per export.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.config.logging_config import request_id_var
from api.core.errors import ValidationFailedError
from api.core.pagination import decode_cursor, encode_cursor
from api.entity.base import utcnow
from api.entity.privacy import AuditEvent
from api.entity.user import User

Action = Literal["view", "download", "export", "rescore", "reveal", "delete", "purge"]
Subject = Literal["candidate", "file", "posting", "job", "account"]
Via = Literal["session", "api_key", "signed_link", "system"]


@dataclass(frozen=True)
class Actor:
    """Who acts: a user through a session (bearer token) or an API key, a signed link, or
    the service itself (retention)."""

    user: User | None
    via: Via
    #: the API key's id, or a digest of the session token (never the token)
    credential: str | None = None

    @property
    def user_id(self) -> str | None:
        return self.user.id if self.user is not None else None


SYSTEM = Actor(None, "system")
SIGNED_LINK = Actor(None, "signed_link")


def session_credential(token: str) -> str:
    """A stable, one-way name for the session a bearer token belongs to."""
    return "session:" + hashlib.sha256(token.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Entry:
    action: Action
    subject_type: Subject
    subject_id: str
    owner_id: str | None
    posting_id: str | None = None
    detail: dict[str, Any] | None = None


def _row(actor: Actor, entry: Entry, now: datetime, request_id: str | None) -> dict[str, Any]:
    return {
        "created_at": now,
        "action": entry.action,
        "subject_type": entry.subject_type,
        "subject_id": entry.subject_id,
        "owner_id": entry.owner_id,
        "posting_id": entry.posting_id,
        "actor_id": actor.user_id,
        "via": actor.via,
        "credential": actor.credential,
        "request_id": request_id,
        "detail": entry.detail,
    }


async def record(session: AsyncSession, actor: Actor, entries: Iterable[Entry]) -> None:
    """Add entries in the caller's transaction (not committed)."""
    request_id = request_id_var.get()
    now = utcnow()
    rows = [_row(actor, e, now, None if request_id == "-" else request_id) for e in entries]
    for start in range(0, len(rows), 500):
        await session.execute(insert(AuditEvent), rows[start : start + 500])


async def record_now(session: AsyncSession, actor: Actor, entry: Entry) -> None:
    """Add one entry and commit (a read that is audited)."""
    await record(session, actor, [entry])
    await session.commit()


@dataclass(frozen=True)
class AuditQuery:
    action: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    actor_id: str | None = None
    owner_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def list_events(
    *, session: AsyncSession, query: AuditQuery, limit: int, cursor: str | None
) -> tuple[list[AuditEvent], str | None]:
    """Entries matching `query`, newest first, keyset-paged by id (for admins)."""
    stmt = select(AuditEvent)
    for column, value in (
        (AuditEvent.action, query.action),
        (AuditEvent.subject_type, query.subject_type),
        (AuditEvent.subject_id, query.subject_id),
        (AuditEvent.actor_id, query.actor_id),
        (AuditEvent.owner_id, query.owner_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if query.since is not None:
        stmt = stmt.where(AuditEvent.created_at >= query.since)
    if query.until is not None:
        stmt = stmt.where(AuditEvent.created_at < query.until)
    if cursor:
        (before,) = decode_cursor(cursor, 1)
        if not isinstance(before, int):
            raise ValidationFailedError("Invalid cursor", error_code="INVALID_CURSOR")
        stmt = stmt.where(AuditEvent.id < before)
    rows = list(await session.scalars(stmt.order_by(AuditEvent.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].id) if more else None


async def history(
    *, session: AsyncSession, subject_ids: list[str], limit: int = 1000
) -> list[AuditEvent]:
    """The entries naming these subjects, oldest first (for a subject access export)."""
    rows = await session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_id.in_(subject_ids))
        .order_by(AuditEvent.id)
        .limit(limit)
    )
    return list(rows)
