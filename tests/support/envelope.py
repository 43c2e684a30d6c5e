"""The error envelope every failure answers with (docs/api.md), checked in one place."""

from __future__ import annotations

import httpx

ENVELOPE_KEYS = {"detail", "error_code", "timestamp", "request_id"}


def assert_envelope(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    """The response is `status` with the envelope for `code`; returns the body."""
    assert response.status_code == status, response.text
    body: dict[str, object] = response.json()
    assert ENVELOPE_KEYS <= body.keys()
    assert body["error_code"] == code
    assert body["request_id"] == response.headers["x-request-id"]
    return body
