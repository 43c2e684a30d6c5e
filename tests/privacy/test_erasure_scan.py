"""Erasure leaves nothing behind: CVs with unique markers are screened, viewed,
downloaded, exported and rescored; then the candidate, the file, the posting, the job or
the whole account is deleted, or a retention purge takes it. Afterwards every table of
the database and every file under the upload and log directories is scanned, decoded,
for the markers: none may remain. Before the deletion the same scan must find them (in
the tables and files where they are expected), so the scan itself is shown to work.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from api import jobs
from api.entity.base import utcnow
from api.entity.candidate import Candidate
from api.jobs.schedule import submit_due
from api.recruiting import retention
from tests.conftest import UserFactory, auth
from tests.privacy.flows import API, screen, use_everything, wait_db_job
from tests.privacy.markers import Person, scan_database, scan_files

#: where a screened, used CV is expected before it is erased
EXPECTED_TABLES = {
    "candidates", "files", "jobs", "job_units", "job_events", "job_results", "profile_cache",
}  # fmt: skip


async def _erase(kind: str, app: Any, client: httpx.AsyncClient, headers: dict[str, str],
                 target: dict[str, Any]) -> None:  # fmt: skip
    paths = {
        "candidate": f"{API}/candidates/{target['candidate']['id']}",
        "file": f"{API}/files/{target['candidate']['file_id']}",
        "posting": f"{API}/postings/{target['posting']['id']}",
        "job": f"{API}/jobs/{target['job']['id']}",
        "account": f"{API}/auth/me",
    }
    if kind in paths:
        answer = await client.delete(paths[kind], headers=headers)
        assert answer.status_code == 204, answer.text
        return
    await _retention_purge(app, client, headers, target)


async def _retention_purge(
    app: Any, client: httpx.AsyncClient, headers: dict[str, str], target: dict[str, Any]
) -> None:
    """Close the posting, age the candidate past its retention and run the sweep job."""
    posting = f"{API}/postings/{target['posting']['id']}"
    closed = await client.patch(posting, json={"closed": True, "retention_days": 1},
                                headers=headers)  # fmt: skip
    assert closed.status_code == 200 and closed.json()["closed_at"], closed.text
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(Candidate)
            .where(Candidate.id == target["candidate"]["id"])
            .values(created_at=utcnow() - timedelta(days=3))
        )
        await session.commit()
    sweep = jobs.Schedule(retention.PIPELINE, retention.PIPELINE, 3600.0)
    async with app.state.sessionmaker() as session:
        job = await submit_due(session, app.state.job_queue, sweep, utcnow())
    assert job is not None
    done = await wait_db_job(app, job.id)
    assert done.status == "succeeded" and done.result is not None
    assert done.result["candidates_purged"] == 1 and done.result["files_purged"] == 1


@pytest.mark.parametrize("kind", ["candidate", "file", "posting", "job", "account", "retention"])
async def test_erasure_leaves_no_marker_anywhere(
    kind: str, app: Any, client: httpx.AsyncClient, make_user: UserFactory, tmp_path: Path
) -> None:
    person, bystander = Person.new(), Person.new()
    made = await make_user()
    headers = auth(made)
    files = [person.upload(tmp_path, "pdf"), bystander.upload(tmp_path, "txt")]
    screened = await screen(client, headers, files)
    candidate = screened.candidates[person.filename("pdf")]
    assert candidate["name"] == person.name
    await use_everything(client, headers, screened.posting["id"], candidate["id"])
    settings = app.state.settings
    folders = [settings.upload_dir, settings.log_dir]

    found = await scan_database(app.state.engine, [person])
    assert {hit.where.split(".")[0] for hit in found} >= EXPECTED_TABLES, found
    assert scan_files([settings.upload_dir], [person]), "the stored CV holds the markers"

    target = {"candidate": candidate, "posting": screened.posting, "job": screened.job}
    await _erase(kind, app, client, headers, target)

    assert await scan_database(app.state.engine, [person]) == []
    assert scan_files(folders, [person]) == []
    logs = [p for p in settings.log_dir.rglob("*") if p.is_file() and p.stat().st_size]
    assert logs, "the service logged to LOG_DIR, so the log scan read something"
    if kind in {"candidate", "file", "retention"}:  # the other CV of the posting stays
        ranking = await client.get(
            f"{API}/postings/{screened.posting['id']}/candidates", headers=headers
        )
        assert [c["name"] for c in ranking.json()["items"]] == [bystander.name]
        assert await scan_database(app.state.engine, [bystander]) != []
