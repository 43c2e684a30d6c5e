"""The engine in one process: hooks, results, failures, retries, lost workers."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from api import jobs
from api.entity.base import utcnow
from api.entity.job import Job, JobResult, JobUnit
from api.entity.user import User
from api.jobs.engine import completion, recovery
from pipeline.contract import JSON, PipelineDef, UnitContext, UnitError
from tests.conftest import UserFactory, auth
from tests.jobs.helpers import all_events, wait_job

CALLS: dict[str, int] = {}


def _plan(params: JSON) -> list[JSON]:
    return [{"unit": i, **params} for i in range(int(params.get("units", 1)))]


def _run(payload: JSON, ctx: UnitContext) -> JSON | None:
    mode = payload.get("mode")
    CALLS[mode or "ok"] = CALLS.get(mode or "ok", 0) + 1
    if mode == "value":
        raise ValueError("the posting has no title")
    if mode == "boom":
        raise RuntimeError("secret internal detail /etc/passwd")
    if mode == "flaky" and ctx.attempt == 1:
        raise UnitError("STORE_BUSY", "try later", transient=True)
    for key in ("a", "b", "a"):  # the same key twice: one row
        ctx.put_result(
            f"u{payload['unit']}:{key}", {"status": "ok", "detail": payload.get("extra")}
        )
    ctx.emit("job.file", {"file_id": str(payload["unit"]), "status": "ok"})
    ctx.report(1, 1, "done")
    return None


async def _prepare(session: Any, job: Job, unit: JobUnit, payload: JSON) -> JSON:
    return {**payload, "extra": f"prepared {unit.index}"}


async def _finalize(session: Any, job: Job) -> dict[str, Any] | None:
    CALLS["finalize"] = CALLS.get("finalize", 0) + 1
    return {"ranked": True}


@pytest.fixture(autouse=True)
def engine_pipeline(app: Any) -> None:
    pipeline = PipelineDef("t_engine", _plan, _run, public=True, test_only=True)
    app.state.job_queue.register(jobs.JobType(pipeline, prepare=_prepare, finalize=_finalize))
    CALLS.clear()


async def submit(client: httpx.AsyncClient, user: dict[str, str], **params: Any) -> str:
    body = {"pipeline": "t_engine", "params": params}
    response = await client.post("/api/v1/jobs", json=body, headers=user)
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


async def test_hooks_results_and_events(client: httpx.AsyncClient, make_user: UserFactory) -> None:
    user = auth(await make_user())
    job_id = await submit(client, user, units=3)
    job = await wait_job(client, user, job_id)
    assert job["status"] == "succeeded"
    assert job["result"]["ranked"] is True and job["result"]["results"] == 6
    assert CALLS["finalize"] == 1
    page = (
        await client.get(f"/api/v1/jobs/{job_id}/results", params={"limit": 4}, headers=user)
    ).json()
    more = await client.get(
        f"/api/v1/jobs/{job_id}/results", params={"cursor": page["next_cursor"]}, headers=user
    )
    items = page["items"] + more.json()["items"]
    assert [i["key"] for i in items] == sorted(f"u{u}:{k}" for u in range(3) for k in "ab")
    assert {i["detail"] for i in items} == {"prepared 0", "prepared 1", "prepared 2"}
    events = await all_events(client, user, job_id)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert sum(e["type"] == "job.file" for e in events) == 3
    assert events[-1]["status"] == "succeeded"


@pytest.mark.parametrize(("mode", "code"), [("value", "INVALID_INPUT"), ("boom", "INTERNAL_ERROR")])
async def test_permanent_failures_fail_at_once(
    client: httpx.AsyncClient, make_user: UserFactory, mode: str, code: str
) -> None:
    user = auth(await make_user())
    job = await wait_job(client, user, await submit(client, user, mode=mode))
    assert job["status"] == "failed" and job["error_code"] == code
    assert CALLS[mode] == 1
    assert "passwd" not in (job["error"] or "")
    assert CALLS["finalize"] >= 1  # partial results are finalized too (idempotent hook)


async def test_transient_failure_is_retried(
    client: httpx.AsyncClient, make_user: UserFactory, app: Any
) -> None:
    user = auth(await make_user())
    job = await wait_job(client, user, await submit(client, user, mode="flaky"), within=30)
    assert job["status"] == "succeeded" and CALLS["flaky"] == 2
    async with app.state.sessionmaker() as session:
        unit = await session.scalar(select(JobUnit).where(JobUnit.job_id == job["id"]))
    assert unit is not None and unit.attempts == 2


async def test_expired_leases_requeue_then_fail_worker_lost(
    app: Any, make_user: UserFactory
) -> None:
    owner_id = (await make_user())["id"]
    await app.state.dispatcher.stop(graceful_seconds=0)  # this test plays the dead worker
    async with app.state.sessionmaker() as session:
        owner = await session.get(User, owner_id)
        assert owner is not None
        job, _ = await jobs.submit_job(
            session=session,
            queue=app.state.job_queue,
            owner=owner,
            pipeline="t_engine",
            params={},
        )
        expired = utcnow() - timedelta(seconds=5)
        lost = {"status": "running", "lease_owner": "gone:1:x", "lease_expires_at": expired}
        await session.execute(
            update(JobUnit).where(JobUnit.job_id == job.id).values(attempts=1, **lost)
        )
        await session.commit()
        assert await recovery.requeue_lost(session) == []
        unit = await session.scalar(select(JobUnit).where(JobUnit.job_id == job.id))
        assert unit is not None and (unit.status, unit.attempts) == ("queued", 1)
        await session.execute(
            update(JobUnit).where(JobUnit.job_id == job.id).values(attempts=3, **lost)
        )
        await session.commit()
        assert await recovery.requeue_lost(session) == [job.id]
        assert await completion.finish_job_if_done(
            session=session, queue=app.state.job_queue, job_id=job.id
        )
        ended = await session.get(Job, job.id, populate_existing=True)
        assert ended is not None and (ended.status, ended.error_code) == ("failed", "WORKER_LOST")
        assert ended.active_fingerprint is None
        results = await session.scalars(select(JobResult).where(JobResult.job_id == job.id))
        assert list(results) == []
    await asyncio.sleep(0)
