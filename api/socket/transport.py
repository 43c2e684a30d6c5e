"""WebSocket transport for the connection manager, with a real abort.

ASGI can send a close frame but cannot abort a connection whose peer stopped reading
(the close frame then never leaves the buffer). `CaptureTransportMiddleware` keeps a
reference to the server's transport in the scope so the manager can abort it.
"""

from __future__ import annotations

import contextlib
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

SCOPE_KEY = "cvmatch.transport"


class CaptureTransportMiddleware:
    """Outermost middleware: remembers the server protocol's transport of a WebSocket."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            protocol = getattr(send, "__self__", None)
            transport = getattr(protocol, "transport", None)
            if transport is not None and hasattr(transport, "abort"):
                scope[SCOPE_KEY] = transport
        await self.app(scope, receive, send)


class SocketTransport:
    """What the manager needs from a Starlette WebSocket."""

    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket

    async def send_text(self, text: str) -> None:
        await self.websocket.send_text(text)

    async def close(self, code: int, reason: str) -> None:
        await self.websocket.close(code, reason)

    def abort(self) -> None:
        transport: Any = self.websocket.scope.get(SCOPE_KEY)
        if transport is not None:
            with contextlib.suppress(Exception):
                transport.abort()
