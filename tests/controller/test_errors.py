"""One error envelope everywhere, request ids, CORS."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.envelope import assert_envelope


async def test_unknown_route_is_404_envelope(client: httpx.AsyncClient) -> None:
    assert_envelope(await client.get("/api/v1/no-such-thing"), 404, "NOT_FOUND")


async def test_wrong_method_is_405_envelope(client: httpx.AsyncClient) -> None:
    assert_envelope(await client.put("/api/v1/auth/me"), 405, "METHOD_NOT_ALLOWED")


async def test_malformed_json_is_422_with_errors(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/register", content=b"{not json", headers={"content-type": "application/json"}
    )
    body = assert_envelope(response, 422, "VALIDATION_ERROR")
    assert body["detail"] == "Invalid request: body.1: JSON decode error"
    assert body["errors"] == [
        {"loc": ["body", 1], "msg": "JSON decode error", "type": "json_invalid"}
    ]


async def test_unhandled_error_is_500_and_leaks_nothing(
    app: Any, client: httpx.AsyncClient
) -> None:
    @app.get("/boom-test")
    async def boom() -> None:
        raise RuntimeError("secret internal detail /etc/passwd")

    response = await client.get("/boom-test", headers={"X-Request-ID": "trace-500"})
    body = assert_envelope(response, 500, "INTERNAL_ERROR")
    assert "secret" not in response.text and "passwd" not in response.text
    assert body["request_id"] == "trace-500"
    assert "errors" not in body


async def test_request_id_is_echoed_or_generated(client: httpx.AsyncClient) -> None:
    given = await client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    generated = await client.get("/health")
    assert len(generated.headers["x-request-id"]) >= 16
    hostile = await client.get("/health", headers={"X-Request-ID": "bad id\nwith newline"})
    assert hostile.headers["x-request-id"] != "bad id\nwith newline"


async def test_cors_allows_configured_origin_with_credentials(client: httpx.AsyncClient) -> None:
    response = await client.options(
        "/api/v1/auth/me",
        headers={"Origin": "http://localhost:4200", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "http://localhost:4200"
    assert response.headers["access-control-allow-credentials"] == "true"
    simple = await client.get("/health", headers={"Origin": "http://localhost:3000"})
    assert "x-request-id" in simple.headers["access-control-expose-headers"].lower()
    foreign = await client.get("/health", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in foreign.headers
