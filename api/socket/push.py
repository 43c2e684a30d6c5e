"""Live push use cases: who may connect (token, origin, ownership), the snapshot, replay.

Each call opens its own short session: a WebSocket or SSE stream lives for minutes and
must not hold a pooled database connection for that long.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api import jobs
from api.config.settings import Settings
from api.core.errors import UnauthenticatedError, ValidationFailedError
from api.entity.user import User
from api.recruiting import user as user_service
from api.schema.common import INT32_MAX
from api.socket.manager import Connection, ConnectionManager
from api.socket.outbox import envelope

Sessions = async_sessionmaker[AsyncSession]


def origin_allowed(*, origin: str | None, settings: Settings, host: str | None) -> bool:
    """No Origin (non-browser client), an allowed CORS origin, or the service's own origin."""
    if origin is None:
        return True
    origin = origin.rstrip("/").lower()
    allowed = {o.rstrip("/").lower() for o in settings.cors_origins}
    allowed.add(settings.base_url.rstrip("/").lower())
    if "*" in allowed or origin in allowed:
        return True
    netloc = urlsplit(origin).netloc
    return bool(host) and netloc == (host or "").lower()


async def authenticate(*, sessions: Sessions, settings: Settings, token: str | None) -> User:
    """The user behind a JWT or an API key; UnauthenticatedError otherwise."""
    if not token:
        raise UnauthenticatedError()
    async with sessions() as session:
        return await user_service.user_for_token(session=session, settings=settings, token=token)


async def authenticate_request(
    *,
    sessions: Sessions,
    settings: Settings,
    token: str | None,
    bearer: str | None,
    api_key: str | None,
) -> User:
    """SSE: `?token=` (EventSource cannot send headers), or the usual headers."""
    if token:
        return await authenticate(sessions=sessions, settings=settings, token=token)
    async with sessions() as session:
        return await user_service.resolve_credentials(
            session=session, settings=settings, bearer=bearer, api_key=api_key
        )


async def snapshot(*, sessions: Sessions, owner: User, job_id: str) -> dict[str, Any]:
    """`job.snapshot` of one of the owner's jobs; NotFoundError for anyone else's."""
    async with sessions() as session:
        job = await jobs.get_job_for_owner(session=session, owner=owner, job_id=job_id)
        return jobs.job_snapshot(job)


async def follow_job(
    *,
    manager: ConnectionManager,
    sessions: Sessions,
    conn: Connection,
    owner: User,
    job_id: str,
    after_seq: int | None,
) -> dict[str, Any]:
    """Snapshot first, then every event after `after_seq` (or after the snapshot), live.

    The connection subscribes to live events before the snapshot is read; they wait
    while the log is replayed and are then delivered deduplicated by seq, so the
    stream has no gap and no duplicate. NotFoundError for another user's job.
    """
    follow = manager.follow(conn, job_id=job_id, owner_id=owner.id)
    try:
        snap = await snapshot(sessions=sessions, owner=owner, job_id=job_id)
    except BaseException:
        manager.unfollow(conn, job_id)
        raise
    conn.put(envelope(snap))
    # a seq past the job's last one would drop every event up to it: resume at the end
    start = snap["seq"] if after_seq is None else min(after_seq, snap["seq"])
    follow.begin(last_seq=start, target=snap["seq"])
    return snap


def seq_from(raw: object, *, name: str) -> int:
    """An event seq sent by a client (text or a JSON number): 0..INT32_MAX, else 422."""
    value: int | None = None
    if isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
        digits = raw.strip().lstrip("0") or "0"
        value = int(digits) if len(digits) <= len(str(INT32_MAX)) else None
    elif isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    if value is None or not 0 <= value <= INT32_MAX:
        raise ValidationFailedError(
            f"{name} must be an event seq: an integer from 0 to {INT32_MAX}",
            error_code="INVALID_SEQ",
        )
    return value


def resume_point(*, after_seq: int | None, last_event_id: str | None) -> int | None:
    """Where a stream resumes: `Last-Event-ID` (set by EventSource) wins over `after_seq`."""
    if last_event_id is not None and last_event_id.strip():
        return seq_from(last_event_id, name="Last-Event-ID")
    return after_seq


class DbEventSource:
    """The event log, read by connections to replay, fill gaps and poll."""

    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    async def events_after(self, job_id: str, after_seq: int, limit: int) -> list[dict[str, Any]]:
        async with self._sessions() as session:
            return await jobs.events_after(
                session=session, job_id=job_id, after_seq=after_seq, limit=limit
            )

    async def last_seqs(self, job_ids: list[str]) -> dict[str, int]:
        async with self._sessions() as session:
            return await jobs.last_seqs(session=session, job_ids=job_ids)

    async def status_events_since(
        self, owner_ids: list[str], seconds: float
    ) -> list[dict[str, Any]]:
        """Recent `job.status` events of these owners' jobs, oldest first (feed fallback)."""
        async with self._sessions() as session:
            return await jobs.status_events_since(
                session=session, owner_ids=owner_ids, seconds=seconds
            )
