"""Body size and submission limits, client addresses behind a proxy, WebSocket limits
(logins and registrations: test_login_limits.py)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from api.config.settings import Settings
from api.core.limits import MessageLimiter
from api.core.ratelimit import client_address
from api.main import create_app
from tests.conftest import PASSWORD
from tests.security.conftest import ClientFactory, register
from tests.support.envelope import assert_envelope

LOGIN = "/api/v1/auth/token"


async def _chunks(payload: bytes, size: int = 256) -> AsyncIterator[bytes]:
    for start in range(0, len(payload), size):
        yield payload[start : start + size]


async def test_declared_body_over_the_limit_is_413(client_with: ClientFactory) -> None:
    async with client_with(max_body_kb=1) as client:
        body = {"email": "a@example.com", "password": PASSWORD, "full_name": "x" * 2000}
        response = await client.post("/api/v1/auth/register", json=body)
        assert_envelope(response, 413, "REQUEST_TOO_LARGE")
        assert "1 KB" in response.json()["detail"]


async def test_streamed_body_over_the_limit_is_413(client_with: ClientFactory) -> None:
    """No Content-Length (chunked): the bytes are counted as they arrive."""
    async with client_with(max_body_kb=1) as client:
        payload = json.dumps(
            {"email": "a@example.com", "password": PASSWORD, "full_name": "x" * 4000}
        )
        response = await client.post(
            "/api/v1/auth/register",
            content=_chunks(payload.encode()),
            headers={"content-type": "application/json"},
        )
        assert "content-length" not in response.request.headers
        assert_envelope(response, 413, "REQUEST_TOO_LARGE")
        # a small streamed body still passes
        small = json.dumps({"email": "b@example.com", "password": PASSWORD, "full_name": "B"})
        ok = await client.post(
            "/api/v1/auth/register",
            content=_chunks(small.encode(), 16),
            headers={"content-type": "application/json"},
        )
        assert ok.status_code == 201, ok.text


async def test_uploads_have_their_own_larger_limit(client_with: ClientFactory) -> None:
    async with client_with(max_body_kb=1, max_request_mb=1) as client:
        headers = await register(client, "up@example.com")
        cv = ("Jane Doe\nSkills: Python, SQL\n" * 200).encode()  # ~6 KB, over max_body_kb
        ok = await client.post(
            "/api/v1/files", files=[("files", ("cv.txt", cv, "text/plain"))], headers=headers
        )
        assert ok.status_code == 201, ok.text
        assert len(ok.json()["items"]) == 1
        big = b"x" * (1024 * 1024 + 10)
        refused = await client.post(
            "/api/v1/files",
            files=[("files", ("big.txt", big, "text/plain"))],
            headers=headers,
        )
        assert_envelope(refused, 413, "REQUEST_TOO_LARGE")


def test_client_address_walks_forwarded_for_from_the_right() -> None:
    def scope(peer: str, *xff: str) -> dict[str, object]:
        headers = [(b"x-forwarded-for", value.encode()) for value in xff]
        return {"client": (peer, 1), "headers": headers}

    trusted = ["127.0.0.1", "10.0.0.0/8"]
    assert client_address(scope("127.0.0.1", "1.2.3.4"), trusted) == "1.2.3.4"
    # a client-sent spoof on the left is ignored: the first untrusted hop from the right wins
    assert client_address(scope("127.0.0.1", "6.6.6.6, 1.2.3.4, 10.0.0.5"), trusted) == "1.2.3.4"
    assert client_address(scope("127.0.0.1", "6.6.6.6", "1.2.3.4"), trusted) == "1.2.3.4"
    assert client_address(scope("8.8.8.8", "1.2.3.4"), trusted) == "8.8.8.8"
    assert client_address(scope("127.0.0.1"), trusted) == "127.0.0.1"
    assert client_address(scope("127.0.0.1", "1.2.3.4"), []) == "127.0.0.1"


async def test_job_submissions_per_user_are_limited(client_with: ClientFactory) -> None:
    async with client_with(submissions_per_user=2) as client:
        alice = await register(client, "alice@example.com")
        bob = await register(client, "bob@example.com")
        for steps in (1, 2):
            made = await client.post(
                "/api/v1/jobs",
                json={"pipeline": "sleep", "params": {"seconds": 0, "steps": steps}},
                headers=alice,
            )
            assert made.status_code == 202, made.text
        limited = await client.post(
            "/api/v1/jobs",
            json={"pipeline": "sleep", "params": {"seconds": 0, "steps": 3}},
            headers=alice,
        )
        assert_envelope(limited, 429, "RATE_LIMITED")
        assert int(limited.headers["retry-after"]) >= 1
        # screenings share the budget
        screening = await client.post(
            "/api/v1/postings/some-id/screenings", json={"file_ids": []}, headers=alice
        )
        assert screening.status_code == 429
        # reads are not limited, and nor is another user
        assert (await client.get("/api/v1/jobs", headers=alice)).status_code == 200
        other = await client.post(
            "/api/v1/jobs", json={"pipeline": "noop", "params": {}}, headers=bob
        )
        assert other.status_code == 202, other.text


def _ws_token(test_client: TestClient) -> str:
    body = {"email": "ws@example.com", "password": PASSWORD, "full_name": "W"}
    assert test_client.post("/api/v1/auth/register", json=body).status_code == 201
    form = {"username": "ws@example.com", "password": PASSWORD}
    return str(test_client.post(LOGIN, data=form).json()["access_token"])


def _close_code(socket: Any) -> int:
    with pytest.raises(WebSocketDisconnect) as closed:
        for _ in range(200):
            socket.receive_text()
    return int(closed.value.code)


def test_websocket_message_size_and_rate_limits(own_database_settings: Settings) -> None:
    custom = own_database_settings.model_copy(
        update={"ws_max_message_bytes": 256, "ws_messages_per_second": 0.01, "ws_message_burst": 3}
    )
    with TestClient(create_app(custom)) as test_client:
        token = _ws_token(test_client)
        with test_client.websocket_connect(f"/api/v1/ws?token={token}") as socket:
            assert socket.receive_json()["type"] == "ready"
            socket.send_text(json.dumps({"type": "ping", "pad": "x" * 300}))
            assert _close_code(socket) == 1009
        with test_client.websocket_connect(f"/api/v1/ws?token={token}") as socket:
            assert socket.receive_json()["type"] == "ready"
            for _ in range(3):  # the burst passes
                socket.send_text(json.dumps({"type": "ping"}))
                assert socket.receive_json()["type"] == "pong"
            socket.send_text(json.dumps({"type": "ping"}))
            assert _close_code(socket) == 1008


def test_message_limiter_refills() -> None:
    limiter = MessageLimiter(max_bytes=10, rate=2.0, burst=2)
    assert limiter.check(5, now=100.0) is None
    assert limiter.check(5, now=100.0) is None
    assert limiter.check(5, now=100.0) == (1008, "too many messages")
    assert limiter.check(5, now=100.6) is None  # 0.6 s at 2/s refilled one
    assert limiter.check(11, now=200.0) == (1009, "message larger than 10 bytes")
