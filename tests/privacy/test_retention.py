"""Retention: candidates of closed postings older than the posting's (or the service's)
retention period, and old files no candidate is made from, are purged by the scheduled
sweep; open postings, younger data and data a job uses stay."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from api import jobs
from api.config.settings import Settings
from api.entity.base import utcnow
from api.entity.candidate import Candidate
from api.entity.file import StoredFile
from api.entity.job import Job
from api.jobs.schedule import submit_due
from api.recruiting import retention
from api.recruiting import user as user_service
from tests.conftest import UserFactory, auth
from tests.controller.screening_support import multipart
from tests.privacy.flows import API, Screened, screen, wait_db_job
from tests.privacy.markers import Person
from tests.support.envelope import assert_envelope

DAY = timedelta(days=1)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"retention_days": 30})


async def _age(app: Any, model: Any, ident: str, days: int) -> None:
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(model).where(model.id == ident).values(created_at=utcnow() - days * DAY)
        )
        await session.commit()


async def _posting(
    client: httpx.AsyncClient, headers: dict[str, str], tmp: Path, **patch: Any
) -> Screened:
    screened = await screen(client, headers, [Person.new().upload(tmp, "txt")])
    if patch:
        changed = await client.patch(f"{API}/postings/{screened.posting['id']}", json=patch,
                                     headers=headers)  # fmt: skip
        assert changed.status_code == 200, changed.text
    return screened


async def _sweep(app: Any) -> dict[str, Any]:
    """One run of the scheduled sweep job, through the engine."""
    schedule = jobs.Schedule(retention.PIPELINE, retention.PIPELINE, 3600.0)
    async with app.state.sessionmaker() as session:
        job = await submit_due(session, app.state.job_queue, schedule, utcnow() + 7 * DAY)
    assert job is not None
    done = await wait_db_job(app, job.id)
    assert done.status == "succeeded" and done.result is not None
    return dict(done.result)


async def _count(client: httpx.AsyncClient, headers: dict[str, str], screened: Screened) -> int:
    page = await client.get(f"{API}/postings/{screened.posting['id']}/candidates", headers=headers)
    return len(page.json()["items"])


async def test_only_what_outlived_its_retention_is_purged(
    app: Any, client: httpx.AsyncClient, make_user: UserFactory, tmp_path: Path
) -> None:
    headers = auth(await make_user())
    expired = await _posting(client, headers, tmp_path, closed=True)
    still_open = await _posting(client, headers, tmp_path)
    longer = await _posting(client, headers, tmp_path, closed=True, retention_days=60)
    shorter = await _posting(client, headers, tmp_path, closed=True, retention_days=7)
    young = await _posting(client, headers, tmp_path, closed=True)
    ages = ((expired, 40), (still_open, 40), (longer, 40), (shorter, 8), (young, 2))
    for screened, days in ages:
        await _age(app, Candidate, screened.ranking[0]["id"], days)
    body, mp = multipart(
        [Person.new().upload(tmp_path, "txt"), Person.new().upload(tmp_path, "docx")]
    )
    stored = (await client.post(f"{API}/files", content=body, headers={**mp, **headers})).json()
    old_file, new_file = (item["id"] for item in stored["items"])
    await _age(app, StoredFile, old_file, 31)
    await _age(app, StoredFile, still_open.ranking[0]["file_id"], 90)  # used: stays

    counts = await _sweep(app)
    assert counts["candidates_purged"] == 2 and counts["files_purged"] == 3
    assert [await _count(client, headers, s) for s, _ in ages] == [0, 1, 1, 0, 1]
    files = {f["id"] for f in (await client.get(f"{API}/files", headers=headers)).json()["items"]}
    assert new_file in files and old_file not in files
    assert still_open.ranking[0]["file_id"] in files
    admin = await make_user()
    async with app.state.sessionmaker() as session:
        await user_service.set_admin(session=session, email=admin["email"])
    purged = await client.get(f"{API}/admin/audit", params={"action": "purge"}, headers=auth(admin))
    entries = purged.json()["items"]
    assert len(entries) == 5 and {e["via"] for e in entries} == {"system"}
    assert {e["actor_id"] for e in entries} == {None}
    listed = await client.get(f"{API}/jobs", params={"scheduled": "true"}, headers=auth(admin))
    assert [j["pipeline"] for j in listed.json()["items"]] == ["privacy_sweep"]


async def test_data_a_job_uses_waits_for_the_next_sweep(
    app: Any, client: httpx.AsyncClient, make_user: UserFactory, tmp_path: Path
) -> None:
    headers = auth(await make_user())
    screened = await _posting(client, headers, tmp_path, closed=True)
    await _age(app, Candidate, screened.ranking[0]["id"], 40)
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(Job).where(Job.id == screened.job["id"]).values(status="running")
        )
        await session.commit()
    counts = await _sweep(app)
    assert counts["candidates_purged"] == 0 and counts["skipped_in_use"] == 1
    assert await _count(client, headers, screened) == 1


async def test_closing_reopening_and_bad_retention_values(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    headers = auth(await make_user())
    posting = {"title": "Nurse", "description": "Ward nurse, BLS."}
    made = await client.post(f"{API}/postings", headers=headers, json=posting)
    path = f"{API}/postings/{made.json()['id']}"
    assert made.json()["closed_at"] is None and made.json()["retention_days"] is None
    closed = await client.patch(path, json={"closed": True}, headers=headers)
    assert closed.json()["closed_at"] is not None
    again = await client.patch(path, json={"closed": True}, headers=headers)
    assert again.json()["closed_at"] == closed.json()["closed_at"]  # closing twice keeps the date
    reopened = await client.patch(path, json={"closed": False}, headers=headers)
    assert reopened.json()["closed_at"] is None
    for bad in (0, -1, 100_000):
        assert_envelope(await client.patch(path, json={"retention_days": bad}, headers=headers),
                        422, "VALIDATION_ERROR")  # fmt: skip
