"""Jobs that no process has claimed yet (no dispatcher here, no worker started)."""

from __future__ import annotations

from typing import Any

import httpx

from api.recruiting import user as user_service
from tests.conftest import UserFactory, auth
from tests.jobs.helpers import all_events
from tests.support.envelope import assert_envelope

JOBS = "/api/v1/jobs"


async def test_cancel_while_queued_is_immediate(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    user = auth(await make_user())
    body = {"pipeline": "steps", "params": {"units": 3}}
    job = (await client.post(JOBS, json=body, headers=user)).json()
    assert job["status"] == "queued"
    cancelled = await client.post(f"{JOBS}/{job['id']}/cancel", headers=user)
    assert cancelled.status_code == 202
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["result"] == {
        "units": 3, "succeeded": 0, "failed": 0, "cancelled": 3, "results": 0, "partial": True
    }  # fmt: skip
    events = await all_events(client, user, job["id"])
    assert [(e["seq"], e["status"]) for e in events] == [(1, "queued"), (2, "cancelled")]
    assert_envelope(
        await client.post(f"{JOBS}/{job['id']}/cancel", headers=user), 409, "INVALID_STATE"
    )


async def test_admin_status_shows_the_global_queue(
    app: Any, client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    admin_user = await make_user()
    admin, other = auth(admin_user), auth(await make_user())
    for tag in range(3):
        body = {"pipeline": "steps", "params": {"tag": tag}}
        assert (await client.post(JOBS, json=body, headers=other)).status_code == 202
    async with app.state.sessionmaker() as session:
        await user_service.set_admin(session=session, email=admin_user["email"])
    status = (await client.get("/api/v1/status", headers=admin)).json()
    assert status["jobs"] == {}
    assert status["global"]["jobs"] == {"queued": 3}
    assert status["global"]["units"] == {"queued": 3} and status["global"]["running_units"] == 0
    assert status["version"] and status["global"]["processes"] == []
    mine = (await client.get("/api/v1/status", headers=other)).json()
    assert mine == {"jobs": {"queued": 3}}
