"""Request body size limit, and the per-connection limits of WebSocket messages.

`BodySizeLimitMiddleware` is a pure ASGI middleware: it refuses a declared
`Content-Length` over the limit before the app runs, and counts the bytes of a
streamed body as they pass, so nothing is buffered and uploads keep streaming.
Multipart bodies (uploads) have their own, larger limit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.config.settings import Settings
from api.core.errors import error_response

#: the largest value of an INTEGER column (signed 32 bits on MySQL/MariaDB); integers the
#: API accepts and stores, or compares with a column, stay within it
INT32_MAX = 2_147_483_647
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: WebSocket close codes: 1009 message too big, 1008 policy violation (too many messages)
CLOSE_TOO_BIG = 1009
CLOSE_TOO_FAST = 1008


class BodyTooLargeError(HTTPException):
    """Raised from `receive()` when a streamed body passes the limit.

    An HTTPException, so FastAPI re-raises it from body parsing and the app's
    handler answers with the envelope (413 `REQUEST_TOO_LARGE`).
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {_human(limit)}")
        self.limit = limit


def _human(size: int) -> str:
    if size >= 1024 * 1024 and size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MB"
    if size >= 1024 and size % 1024 == 0:
        return f"{size // 1024} KB"
    return f"{size} bytes"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class BodySizeLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_multipart_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_multipart_bytes = max_multipart_bytes

    def limit_for(self, scope: Scope) -> int:
        content_type = (_header(scope, b"content-type") or "").lower()
        if content_type.startswith("multipart/form-data"):
            return self.max_multipart_bytes
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLargeError:
            if started:  # the app already answered; nothing more can be said
                return
            await self._refuse(scope, receive, send, limit)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = error_response(
            413,
            f"The request body is larger than {_human(limit)}",
            "REQUEST_TOO_LARGE",
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


@dataclass
class MessageLimiter:
    """Size and rate limits of the messages one WebSocket client sends.

    A token bucket: `rate` messages a second on average, bursts up to `burst`.
    `check()` answers None while the client is within its limits, else the close
    code and reason to end the connection with.
    """

    max_bytes: int
    rate: float
    burst: int
    _tokens: float = field(init=False)
    _stamp: float = field(init=False)

    def __post_init__(self) -> None:
        self._tokens = float(self.burst)
        self._stamp = time.monotonic()

    def check(self, size: int, *, now: float | None = None) -> tuple[int, str] | None:
        if size > self.max_bytes:
            return CLOSE_TOO_BIG, f"message larger than {self.max_bytes} bytes"
        now = time.monotonic() if now is None else now
        elapsed = max(0.0, now - self._stamp)
        self._stamp = now
        self._tokens = min(float(self.burst), self._tokens + elapsed * self.rate)
        if self._tokens < 1.0:
            return CLOSE_TOO_FAST, "too many messages"
        self._tokens -= 1.0
        return None


def message_limiter(settings: Settings) -> MessageLimiter:
    """A fresh limiter for one WebSocket connection, from the settings."""
    return MessageLimiter(
        max_bytes=settings.ws_max_message_bytes,
        rate=settings.ws_messages_per_second,
        burst=settings.ws_message_burst,
    )


def message_size(message: Message) -> int:
    """The size of a `websocket.receive` message, text or bytes."""
    text = message.get("text")
    if text is not None:
        return len(text.encode("utf-8"))
    data = message.get("bytes")
    return len(data) if data is not None else 0
