"""Live job events over WebSocket: one job, or the user's feed.

Failures are reported after `accept()` with a close code (4401 unauthenticated, 4403
origin not allowed, 4404 job not found, 4422 invalid parameter), so a browser sees the
code, not a bare 1006.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from typing import Any

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from api.core import limits
from api.core.errors import NotFoundError, UnauthenticatedError, ValidationFailedError
from api.entity.user import User
from api.socket import push as push_service
from api.socket.manager import Connection, ConnectionManager
from api.socket.outbox import control
from api.socket.transport import SocketTransport

logger = logging.getLogger(__name__)
router = APIRouter(tags=["live"])

AUTH_TIMEOUT_SECONDS = 5.0
CLOSE_TRY_AGAIN = 1013
CLOSE_INVALID = 4422
MAX_FEED_FOLLOWS = 100
WORKER_HEADER = [(b"x-worker-pid", str(os.getpid()).encode())]


@router.websocket("/ws/jobs/{job_id}")
async def job_socket(websocket: WebSocket, job_id: str) -> None:
    """Follow one job: `job.snapshot`, then every event; `?after_seq=N` replays first."""
    user = await _accept(websocket)
    if user is None:
        return
    try:
        after_seq = _after_seq(websocket.query_params)
    except ValidationFailedError as exc:
        await _refuse(websocket, CLOSE_INVALID, exc.detail)
        return
    manager, conn = _connect(websocket, user)
    try:
        await push_service.follow_job(
            manager=manager,
            sessions=websocket.app.state.sessionmaker,
            conn=conn,
            owner=user,
            job_id=job_id,
            after_seq=after_seq,
        )
    except NotFoundError:
        await manager.close(conn, 4404, "job not found")
        return
    except Exception as exc:
        logger.warning("websocket follow unavailable: %s", type(exc).__name__)
        await manager.close(conn, CLOSE_TRY_AGAIN, "try again later")
        return
    await _serve(websocket, manager, conn, None)


@router.websocket("/ws")
async def feed_socket(websocket: WebSocket) -> None:
    """The user's feed: status events of all their jobs, plus subscribed jobs in full."""
    user = await _accept(websocket)
    if user is None:
        return
    manager, conn = _connect(websocket, user)
    manager.subscribe_feed(conn)
    conn.put(control("ready", user_id=user.id))

    async def on_message(message: dict[str, Any]) -> None:
        await _feed_message(websocket, manager, conn, user, message)

    await _serve(websocket, manager, conn, on_message)


async def _accept(websocket: WebSocket) -> User | None:
    """Accept, then check the origin and the token; close with 4403/4401 on failure."""
    settings = websocket.app.state.settings
    try:
        await websocket.accept(headers=WORKER_HEADER)
    except (OSError, WebSocketDisconnect):  # uvicorn's ClientDisconnected is an OSError
        return None  # the client left before the handshake completed
    origin_ok = push_service.origin_allowed(
        origin=websocket.headers.get("origin"),
        settings=settings,
        host=websocket.headers.get("host"),
    )
    if not origin_ok:
        await _refuse(websocket, 4403, "origin not allowed")
        return None
    try:
        token = websocket.query_params.get("token") or await _first_message_token(websocket)
    except WebSocketDisconnect:
        return None  # the client hung up before it authenticated: nobody to answer
    try:
        return await push_service.authenticate(
            sessions=websocket.app.state.sessionmaker, settings=settings, token=token
        )
    except UnauthenticatedError:
        await _refuse(websocket, 4401, "unauthenticated")
        return None
    except Exception as exc:  # database unreachable or saturated: retry later
        logger.warning("websocket auth unavailable: %s", type(exc).__name__)
        await _refuse(websocket, CLOSE_TRY_AGAIN, "try again later")
        return None


async def _refuse(websocket: WebSocket, code: int, reason: str) -> None:
    """Close with a refusal's code, unless the connection is closing already: the client
    left, or the server closed it over a bad frame (uvicorn then refuses a second close)."""
    with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
        await websocket.close(code, reason)


async def _first_message_token(websocket: WebSocket) -> str | None:
    """`{"type": "auth", "token": ...}` as the first message, within 5 s; a client that
    hangs up instead raises WebSocketDisconnect."""
    try:
        raw = await asyncio.wait_for(websocket.receive_text(), AUTH_TIMEOUT_SECONDS)
        message = json.loads(raw)
    except (TimeoutError, ValueError, KeyError, RuntimeError):
        return None
    if isinstance(message, dict) and message.get("type") == "auth":
        token = message.get("token")
        return token if isinstance(token, str) else None
    return None


def _connect(websocket: WebSocket, user: User) -> tuple[ConnectionManager, Connection]:
    manager: ConnectionManager = websocket.app.state.connection_manager
    conn = manager.connect(user_id=user.id, kind="ws", transport=SocketTransport(websocket))
    return manager, conn


async def _serve(
    websocket: WebSocket, manager: ConnectionManager, conn: Connection, on_message: Any
) -> None:
    """Read client messages until the client or the manager ends the connection."""
    limiter = limits.message_limiter(websocket.app.state.settings)
    try:
        while not conn.closed.is_set():
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            refused = limiter.check(limits.message_size(message))
            if refused is not None:  # too big or too fast: WS_MAX_MESSAGE_BYTES / _PER_SECOND
                await manager.close(conn, *refused)
                break
            text = message.get("text")
            if on_message is not None and text:
                with contextlib.suppress(ValueError):
                    parsed = json.loads(text)
                    if isinstance(parsed, dict):
                        await on_message(parsed)
    except Exception:  # the peer vanished mid-read
        pass
    finally:
        manager.disconnect(conn)


async def _feed_message(
    websocket: WebSocket,
    manager: ConnectionManager,
    conn: Connection,
    user: User,
    message: dict[str, Any],
) -> None:
    kind, job_id = message.get("type"), message.get("job_id")
    if kind == "ping":
        conn.put(control("pong"))
    elif kind == "unsubscribe" and isinstance(job_id, str):
        manager.unfollow(conn, job_id)
        conn.put(control("unsubscribed", job_id=job_id))
    elif kind == "subscribe" and isinstance(job_id, str):
        if len(conn.follows) >= MAX_FEED_FOLLOWS and job_id not in conn.follows:
            conn.put(control("error", error_code="TOO_MANY_SUBSCRIPTIONS", job_id=job_id))
            return
        try:
            after = message.get("after_seq")
            await push_service.follow_job(
                manager=manager,
                sessions=websocket.app.state.sessionmaker,
                conn=conn,
                owner=user,
                job_id=job_id,
                after_seq=None if after is None else push_service.seq_from(after, name="after_seq"),
            )
        except NotFoundError:
            conn.put(control("error", error_code="NOT_FOUND", job_id=job_id))
        except ValidationFailedError as exc:
            conn.put(control("error", error_code=exc.error_code, job_id=job_id, detail=exc.detail))
    else:
        conn.put(control("error", error_code="BAD_MESSAGE", detail="unknown message"))


def _after_seq(params: Any) -> int | None:
    """`?after_seq=`: absent or empty resumes at the snapshot; anything else must be a seq."""
    raw = params.get("after_seq")
    if raw is None or raw == "":
        return None
    return push_service.seq_from(raw, name="after_seq")
