"""The OpenAPI schema declares the answers the API really gives."""

from __future__ import annotations

import json

import httpx

ENVELOPE = {"$ref": "#/components/schemas/ErrorResponse"}


async def test_every_422_is_the_envelope_and_every_body_may_answer_400_and_413(
    client: httpx.AsyncClient,
) -> None:
    schema = (await client.get("/openapi.json")).json()
    assert "HTTPValidationError" not in json.dumps(schema)  # FastAPI's own, never sent
    bodies = 0
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            if "422" in responses:
                assert responses["422"]["content"]["application/json"]["schema"] == ENVELOPE
            if "requestBody" in operation:
                bodies += 1
                assert {"400", "413"} <= responses.keys(), f"{method} {path}"
    assert bodies >= 8
    register = schema["paths"]["/api/v1/auth/register"]["post"]["responses"]
    assert "429" in register  # registrations are rate limited
