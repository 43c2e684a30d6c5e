"""Clients that hang up: the request ends quietly, never as an error with a traceback
(anyone could flood the error log by connecting and leaving)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.types import Message

from api.config.logging_config import configure_logging
from api.config.settings import Settings
from api.core.middleware import RequestContextMiddleware
from api.main import create_app
from tests.conftest import UserFactory, auth
from tests.controller.screening_support import cv_text, multipart

SOCKETS = ["/api/v1/ws", "/api/v1/ws/jobs/00000000-0000-0000-0000-000000000000"]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No dispatcher: its polls, cancelled when the test app stops, are not what is judged."""
    return settings.model_copy(update={"enable_dispatcher": False})


def _log(settings: Settings) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    path: Path = settings.log_dir / "app.log"
    return path.read_text() if path.exists() else ""


def test_hanging_up_during_the_auth_wait_is_no_error(settings: Settings) -> None:
    with TestClient(create_app(settings)) as test_client:
        for path in SOCKETS:
            for _ in range(3):
                with test_client.websocket_connect(path):
                    pass  # leave before sending the auth message
    log = _log(settings)
    assert "Traceback" not in log and "unhandled error" not in log and " ERROR " not in log
    assert log.count("WS /api/v1/ws") == 2 * 3  # each still has its access line


async def test_hanging_up_mid_upload_is_no_error(
    app: Any, make_user: UserFactory, settings: Settings
) -> None:
    user = auth(await make_user())
    body, headers = multipart([("cv.txt", cv_text(1).encode() * 50)])
    arriving: list[Message] = [
        {"type": "http.request", "body": body[: len(body) // 2], "more_body": True},
        {"type": "http.disconnect"},  # the client is gone before the rest
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return arriving.pop(0) if arriving else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    wire = {**headers, **user}
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/api/v1/files", "raw_path": b"/api/v1/files",
        "query_string": b"", "root_path": "", "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
        "headers": [(k.lower().encode(), v.encode()) for k, v in wire.items()],
    }  # fmt: skip
    await app(scope, receive, send)
    log = _log(settings)
    assert "Traceback" not in log and "unhandled error" not in log
    assert "POST /api/v1/files 499" in log


async def test_a_real_error_in_a_websocket_is_logged_once_and_closes_1011(
    settings: Settings,
) -> None:
    """The server's own fault, unlike a client's hang-up: one error with its traceback."""
    configure_logging(settings)

    async def broken(scope: Any, receive: Any, send: Any) -> None:
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        raise LookupError("a bug")

    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "websocket", "path": "/api/v1/ws", "query_string": b"", "headers": []}
    await RequestContextMiddleware(broken)(scope, receive, send)  # not raised again
    assert sent[-1] == {"type": "websocket.close", "code": 1011, "reason": ""}
    log = _log(settings)
    assert log.count("unhandled error") == 1 and log.count("LookupError: a bug") == 1


async def test_leaving_before_the_handshake_completes_is_no_error(
    app: Any, settings: Settings
) -> None:
    """The server library raises an OSError (uvicorn's ClientDisconnected) on accept."""

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        raise ConnectionResetError("the client is gone")

    for path in SOCKETS:
        await app(_ws_scope(path), receive, send)
    log = _log(settings)
    assert "Traceback" not in log and "unhandled error" not in log


def _ws_scope(path: str) -> dict[str, Any]:
    return {
        "type": "websocket", "path": path, "raw_path": path.encode(), "query_string": b"",
        "headers": [], "client": ("127.0.0.1", 5000), "server": ("testserver", 80),
        "scheme": "ws", "root_path": "", "subprotocols": [], "asgi": {"version": "3.0"},
    }  # fmt: skip


async def test_a_refusal_after_the_server_closed_over_a_bad_frame_is_no_error(
    app: Any, settings: Settings
) -> None:
    """uvicorn closes a socket itself over a bad frame (1007) and then refuses the app's
    own close with a RuntimeError; found by the WebSocket fuzzer."""
    arriving: list[Message] = []
    sent: list[Message] = []

    async def receive() -> Message:
        return arriving.pop(0) if arriving else {"type": "websocket.disconnect", "code": 1007}

    async def send(message: Message) -> None:
        if message["type"] == "websocket.close":
            raise RuntimeError("Unexpected ASGI message 'websocket.close', after sending it.")
        sent.append(message)

    for path in SOCKETS:
        scope = _ws_scope(path)
        arriving[:] = [
            {"type": "websocket.connect"},
            {"type": "websocket.receive", "text": "not the auth message"},
        ]
        await app(scope, receive, send)
    assert [m["type"] for m in sent] == ["websocket.accept"] * len(SOCKETS)
    log = _log(settings)
    assert "Traceback" not in log and "unhandled error" not in log
