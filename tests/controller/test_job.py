"""Jobs over HTTP with the in-process dispatcher: submit, progress, events, control."""

from __future__ import annotations

import asyncio

import httpx

from tests.conftest import UserFactory, auth
from tests.jobs.helpers import all_events, wait_job
from tests.support.envelope import assert_envelope

JOBS = "/api/v1/jobs"


async def test_noop_job_runs_and_reports(client: httpx.AsyncClient, make_user: UserFactory) -> None:
    user = auth(await make_user())
    created = await client.post(JOBS, json={"pipeline": "noop", "params": {}}, headers=user)
    assert created.status_code == 202, created.text
    job = created.json()
    assert created.headers["location"] == f"{JOBS}/{job['id']}"
    assert "params" not in job
    done = await wait_job(client, user, job["id"])
    assert done["status"] == "succeeded" and done["progress"] == 100
    assert done["result"]["units"] == 1 and done["finished_at"] is not None
    events = await all_events(client, user, job["id"])
    assert [e["seq"] for e in events] == list(range(1, done["last_seq"] + 1))
    assert events[0]["type"] == "job.status" and events[0]["status"] == "queued"
    assert events[-1]["type"] == "job.status" and events[-1]["status"] == "succeeded"


async def test_sleep_job_reports_progress(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    user = auth(await make_user())
    body = {"pipeline": "sleep", "params": {"seconds": 1.0, "steps": 10}}
    job = (await client.post(JOBS, json=body, headers=user)).json()
    done = await wait_job(client, user, job["id"])
    assert done["status"] == "succeeded" and (done["done"], done["total"]) == (10, 10)
    events = await all_events(client, user, job["id"])
    progress = [e for e in events if e["type"] == "job.progress"]
    assert 1 <= len(progress) <= 8  # coalesced: not one event per step
    statuses = [e["status"] for e in events if e["type"] == "job.status"]
    assert statuses == ["queued", "running", "succeeded"]


async def test_bad_params_and_unknown_or_private_pipelines_are_422(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    user = auth(await make_user())
    bad = await client.post(JOBS, json={"pipeline": "sleep", "params": {"x": 1}}, headers=user)
    assert_envelope(bad, 422, "VALIDATION_ERROR")
    for name in ("cv_match", "no-such-pipeline"):
        response = await client.post(JOBS, json={"pipeline": name, "params": {}}, headers=user)
        assert_envelope(response, 422, "UNKNOWN_PIPELINE")


async def test_idempotency_key(client: httpx.AsyncClient, make_user: UserFactory) -> None:
    user = auth(await make_user())
    key = {**user, "Idempotency-Key": "order-42"}
    body = {"pipeline": "sleep", "params": {"seconds": 0.1, "steps": 1}}
    first = await client.post(JOBS, json=body, headers=key)
    again = await client.post(JOBS, json=body, headers=key)
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]
    other = {"pipeline": "sleep", "params": {"seconds": 0.2, "steps": 1}}
    assert_envelope(await client.post(JOBS, json=other, headers=key), 422, "IDEMPOTENCY_MISMATCH")
    # the key belongs to its owner: another user gets a job of their own
    stranger = {**auth(await make_user()), "Idempotency-Key": "order-42"}
    theirs = await client.post(JOBS, json=body, headers=stranger)
    assert theirs.status_code == 202 and theirs.json()["id"] != first.json()["id"]


async def test_duplicate_guard_under_concurrent_submits(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    user = auth(await make_user())
    body = {"pipeline": "sleep", "params": {"seconds": 2.0, "steps": 20}}
    answers = await asyncio.gather(*(client.post(JOBS, json=body, headers=user) for _ in range(5)))
    accepted = [a for a in answers if a.status_code == 202]
    assert len(accepted) == 1
    job_id = accepted[0].json()["id"]
    for refused in (a for a in answers if a.status_code != 202):
        assert assert_envelope(refused, 409, "DUPLICATE_JOB")["job_id"] == job_id
    await client.post(f"{JOBS}/{job_id}/cancel", headers=user)
    await wait_job(client, user, job_id)
    # once the job ended, the same request is accepted again
    assert (await client.post(JOBS, json=body, headers=user)).status_code == 202


async def test_another_users_job_is_404(client: httpx.AsyncClient, make_user: UserFactory) -> None:
    owner, other = auth(await make_user()), auth(await make_user())
    job = (await client.post(JOBS, json={"pipeline": "noop"}, headers=owner)).json()
    for method, path in (
        ("GET", f"{JOBS}/{job['id']}"),
        ("GET", f"{JOBS}/{job['id']}/events"),
        ("GET", f"{JOBS}/{job['id']}/results"),
        ("POST", f"{JOBS}/{job['id']}/cancel"),
        ("DELETE", f"{JOBS}/{job['id']}"),
    ):
        assert_envelope(await client.request(method, path, headers=other), 404, "NOT_FOUND")
    listed = await client.get(JOBS, headers=other)
    assert listed.json()["items"] == []


async def test_cancel_running_job_keeps_partial_result(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    user = auth(await make_user())
    body = {"pipeline": "sleep", "params": {"seconds": 20.0, "steps": 200}}
    job = (await client.post(JOBS, json=body, headers=user)).json()
    await wait_job(client, user, job["id"], {"running"})
    await asyncio.sleep(0.3)
    cancel = await client.post(f"{JOBS}/{job['id']}/cancel", headers=user)
    assert cancel.status_code == 202 and cancel.json()["cancel_requested"] is True
    done = await wait_job(client, user, job["id"], within=15)
    assert done["status"] == "cancelled" and done["result"]["partial"] is True
    assert 0 < done["done"] < 200
    events = await all_events(client, user, job["id"])
    assert events[-1]["type"] == "job.status" and events[-1]["status"] == "cancelled"
    again = await client.post(f"{JOBS}/{job['id']}/cancel", headers=user)
    assert_envelope(again, 409, "INVALID_STATE")


async def test_timeout_fails_the_job(client: httpx.AsyncClient, make_user: UserFactory) -> None:
    user = auth(await make_user())
    body = {
        "pipeline": "sleep",
        "params": {"seconds": 30.0, "steps": 300},
        "max_execution_seconds": 1,
    }
    job = (await client.post(JOBS, json=body, headers=user)).json()
    done = await wait_job(client, user, job["id"], within=20)
    assert done["status"] == "failed" and done["error_code"] == "JOB_TIMEOUT"
    assert done["done"] < 300


async def test_retry_resumes_and_delete_removes(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    user = auth(await make_user())
    body = {"pipeline": "sleep", "params": {"seconds": 4.0, "steps": 40}}
    job = (await client.post(JOBS, json=body, headers=user)).json()
    await wait_job(client, user, job["id"], {"running"})
    await asyncio.sleep(0.5)
    assert_envelope(
        await client.post(f"{JOBS}/{job['id']}/retry", headers=user), 409, "INVALID_STATE"
    )
    assert_envelope(await client.delete(f"{JOBS}/{job['id']}", headers=user), 409, "INVALID_STATE")
    await client.post(f"{JOBS}/{job['id']}/cancel", headers=user)
    stopped = await wait_job(client, user, job["id"])
    retried = await client.post(f"{JOBS}/{job['id']}/retry", headers=user)
    assert retried.status_code == 202 and retried.json()["status"] == "queued"
    done = await wait_job(client, user, job["id"])
    assert done["status"] == "succeeded" and done["done"] == 40
    events = await all_events(client, user, job["id"])
    assert [e["seq"] for e in events] == list(range(1, done["last_seq"] + 1))
    assert stopped["done"] > 0  # the retry resumed from the checkpoint, not from zero
    assert (await client.delete(f"{JOBS}/{job['id']}", headers=user)).status_code == 204
    assert (await client.get(f"{JOBS}/{job['id']}", headers=user)).status_code == 404


async def test_list_filters_and_pages(client: httpx.AsyncClient, make_user: UserFactory) -> None:
    user = auth(await make_user())
    ids = []
    for seconds in (0.0, 0.01, 0.02):
        body = {"pipeline": "sleep", "params": {"seconds": seconds, "steps": 1}}
        ids.append((await client.post(JOBS, json=body, headers=user)).json()["id"])
    ids.append((await client.post(JOBS, json={"pipeline": "noop"}, headers=user)).json()["id"])
    first = (await client.get(JOBS, params={"limit": 3}, headers=user)).json()
    second = (
        await client.get(JOBS, params={"limit": 3, "cursor": first["next_cursor"]}, headers=user)
    ).json()
    assert [j["id"] for j in first["items"] + second["items"]] == ids[::-1]
    assert second["next_cursor"] is None
    noop = (await client.get(JOBS, params={"pipeline": "noop"}, headers=user)).json()
    assert [j["id"] for j in noop["items"]] == ids[3:]
    for job_id in ids:  # end with no unit in flight (shutdown mid-unit is tested elsewhere)
        assert (await wait_job(client, user, job_id))["status"] == "succeeded"


async def test_status_counts(client: httpx.AsyncClient, make_user: UserFactory) -> None:
    user = auth(await make_user())
    job = (await client.post(JOBS, json={"pipeline": "noop"}, headers=user)).json()
    await wait_job(client, user, job["id"])
    status = (await client.get("/api/v1/status", headers=user)).json()
    assert status["jobs"] == {"succeeded": 1} and "global" not in status
