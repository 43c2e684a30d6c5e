"""Request id, one access line per request, and a last-resort 500 envelope.

A pure ASGI middleware, so it also wraps WebSocket scopes and never buffers bodies.
A client that hangs up (mid-upload, or at any point of a WebSocket) is the client's
doing: it ends the request quietly, never as an error with a traceback, so nobody can
flood the error log by connecting and leaving.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect, WebSocketDisconnected

from api.config.logging_config import redact_query, request_id_var
from api.core.errors import error_response

logger = logging.getLogger("api.access")
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
#: the client went away: nobody is left to answer, and nothing went wrong here
CLIENT_GONE = (ClientDisconnect, WebSocketDisconnect, WebSocketDisconnected)
#: the access line's status of a request whose client hung up first (nginx's convention)
CLIENT_CLOSED = 499
#: WebSocket close code: the server met an unexpected condition
CLOSE_INTERNAL_ERROR = 1011


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = self._incoming_id(scope) or uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status_holder = {"status": 0}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except CLIENT_GONE:
            if scope["type"] == "http" and status_holder["status"] == 0:
                status_holder["status"] = CLIENT_CLOSED
        except Exception:
            logger.exception("unhandled error")
            if scope["type"] == "websocket":
                await _close_quietly(send, CLOSE_INTERNAL_ERROR)
            elif status_holder["status"] == 0:
                response = error_response(500, "Internal server error", "INTERNAL_ERROR")
                await response(scope, receive, send_wrapper)
            else:
                raise
        finally:
            self._access_line(scope, status_holder["status"], started)
            request_id_var.reset(token)

    @staticmethod
    def _incoming_id(scope: Scope) -> str | None:
        for name, value in scope.get("headers", []):
            if name == b"x-request-id":
                candidate = value.decode("latin-1")
                return candidate if _VALID_ID.match(candidate) else None
        return None

    @staticmethod
    def _access_line(scope: Scope, status: int, started: float) -> None:
        duration_ms = round((time.perf_counter() - started) * 1000, 2)
        path = scope.get("path", "")
        query = scope.get("query_string", b"").decode("latin-1")
        target = f"{path}?{redact_query(query)}" if query else path
        method = scope.get("method", "WS")
        client = scope.get("client")
        logger.info(
            "%s %s %s %.2fms",
            method,
            target,
            status or "-",
            duration_ms,
            extra={
                "method": method,
                "path": target,
                "status": status,
                "duration_ms": duration_ms,
                "client": client[0] if client else None,
            },
        )


async def _close_quietly(send: Send, code: int) -> None:
    """Close a WebSocket after an error of ours (1011), unless it is already gone."""
    try:
        await send({"type": "websocket.close", "code": code, "reason": ""})
    except Exception:  # closed already, or never accepted: nothing left to tell the client
        return
