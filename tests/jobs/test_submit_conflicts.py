"""Submissions that collide with a queued twin: a clear 409, never a 500."""

from __future__ import annotations

import httpx
import pytest

from api.config.settings import Settings
from tests.conftest import UserFactory, auth
from tests.support.envelope import assert_envelope


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No dispatcher: the first job stays queued, so the second is its active twin."""
    return settings.model_copy(update={"enable_dispatcher": False})


async def test_a_new_idempotency_key_for_an_active_twin_is_409(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    """The fuzzer's find: the duplicate guard fired, and explaining it reloaded the
    caller from an expired session (MissingGreenlet, a 500)."""
    user = auth(await make_user())
    body = {"pipeline": "sleep", "params": {"seconds": 1, "steps": 2}}
    first = await client.post("/api/v1/jobs", json=body, headers=user)
    assert first.status_code == 202, first.text
    twin = await client.post(
        "/api/v1/jobs", json=body, headers={**user, "Idempotency-Key": "another-key"}
    )
    answer = assert_envelope(twin, 409, "DUPLICATE_JOB")
    assert answer["job_id"] == first.json()["id"]
    posting = await client.post(
        "/api/v1/postings", json={"title": "T", "description": "Python"}, headers=user
    )
    rescore = f"/api/v1/postings/{posting.json()['id']}/rescore"
    assert (await client.post(rescore, headers=user)).status_code == 202
    again = await client.post(rescore, headers={**user, "Idempotency-Key": "k"})
    assert_envelope(again, 409, "DUPLICATE_JOB")
