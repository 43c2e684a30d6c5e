"""Live job events as Server-Sent Events, for clients that prefer plain HTTP."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Security
from fastapi.responses import StreamingResponse

from api.controller.deps import SettingsDep, api_key_scheme, oauth2_scheme
from api.schema.common import INT32_MAX, error_responses
from api.socket import push as push_service
from api.socket.manager import Connection, ConnectionManager
from api.socket.outbox import TERMINAL_STATUSES, OutboxClosed

router = APIRouter(tags=["jobs"])


@router.get(
    "/jobs/{job_id}/stream",
    response_class=StreamingResponse,
    status_code=200,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "The job's events"},
        **error_responses(401, 404, 422),
    },
    summary="Follow a job as Server-Sent Events (`Last-Event-ID` or `?after_seq=` resumes)",
)
async def stream_job(
    request: Request,
    settings: SettingsDep,
    job_id: Annotated[str, Path(max_length=36)],
    bearer: Annotated[str | None, Security(oauth2_scheme)],
    api_key: Annotated[str | None, Security(api_key_scheme)],
    token: Annotated[str | None, Query(description="JWT or API key (EventSource)")] = None,
    after_seq: Annotated[int | None, Query(ge=0, le=INT32_MAX)] = None,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """`job.snapshot` first, then each event as `id: <seq>`, `event: <type>`, `data: <json>`;
    keep-alive comments every 15 s; the stream ends after the terminal status."""
    sessions = request.app.state.sessionmaker
    user = await push_service.authenticate_request(
        sessions=sessions, settings=settings, token=token, bearer=bearer, api_key=api_key
    )
    start = push_service.resume_point(after_seq=after_seq, last_event_id=last_event_id)
    manager: ConnectionManager = request.app.state.connection_manager
    conn = manager.connect(user_id=user.id, kind="sse", transport=None)
    try:
        snap = await push_service.follow_job(
            manager=manager,
            sessions=sessions,
            conn=conn,
            owner=user,
            job_id=job_id,
            after_seq=start,
        )
    except BaseException:
        manager.disconnect(conn)
        raise
    finished = snap["status"] in TERMINAL_STATUSES and (start is None or start >= snap["seq"])
    return StreamingResponse(
        _frames(manager, conn, finished=finished, keepalive=settings.sse_keepalive_seconds),
        media_type="text/event-stream",
        headers={
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
            "X-Worker-Pid": str(os.getpid()),
        },
    )


async def _frames(
    manager: ConnectionManager, conn: Connection, *, finished: bool, keepalive: float
) -> AsyncIterator[str]:
    """The SSE body; frees the connection however the stream ends."""
    try:
        yield "retry: 2000\n\n"
        while True:
            try:
                item = await asyncio.wait_for(conn.outbox.get(), keepalive)
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            except OutboxClosed:
                return
            head = "" if item.type == "job.snapshot" else f"id: {item.seq}\n"
            yield f"{head}event: {item.type}\ndata: {item.text}\n\n"
            if item.terminal or (finished and item.type == "job.snapshot"):
                return
    finally:
        manager.disconnect(conn)
