"""A SIGKILL between the erasure's commit and the removal of the bytes leaves no file
behind once the service has restarted and swept once."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from api.entity.job import Job
from api.entity.privacy import Blob
from api.main import create_app
from tests.conftest import UserFactory, auth
from tests.controller.screening_support import files_under
from tests.privacy.flows import API, screen, wait_db_job
from tests.privacy.markers import Person, scan_files
from tests.support import processes

pytestmark = pytest.mark.slow


async def _doomed(app: Any) -> list[str]:
    async with app.state.sessionmaker() as session:
        return list(
            await session.scalars(select(Blob.storage_key).where(Blob.doomed_at.is_not(None)))
        )


async def test_a_kill_after_the_commit_leaves_no_file_after_a_restart_and_a_sweep(
    app: Any, client: httpx.AsyncClient, make_user: UserFactory, tmp_path: Path
) -> None:
    person = Person.new()
    made = await make_user()
    screened = await screen(client, auth(made), [person.upload(tmp_path, "pdf")])
    candidate = next(iter(screened.candidates.values()))
    settings = app.state.settings
    env = processes.app_env(
        database_url=settings.database_url, folder=tmp_path,
        SECRET_KEY=settings.secret_key.get_secret_value(),
    )  # fmt: skip
    crash = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.privacy.crash_erase", made["id"], candidate["id"],
        cwd=processes.REPO, env=env, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await asyncio.wait_for(crash.communicate(), 120)
    assert crash.returncode == -9, stderr.decode(errors="replace")[-2000:]
    gone = await client.get(f"{API}/candidates/{candidate['id']}", headers=auth(made))
    assert gone.status_code == 404  # the deletion committed
    assert scan_files([settings.upload_dir], [person]) != []  # the bytes did not go
    assert len(await _doomed(app)) == 1

    restarted = create_app(settings.model_copy(update={"privacy_sweep_seconds": 3600.0}))
    async with restarted.router.lifespan_context(restarted):
        job_id = await _first_sweep(restarted)
        done = await wait_db_job(restarted, job_id)
    assert done.status == "succeeded" and done.result is not None
    assert done.result["blobs_removed"] == 1
    assert files_under(settings.upload_dir) == set()
    assert await _doomed(app) == []


async def _first_sweep(app: Any) -> str:
    """The sweep job the restarted service's scheduler submitted on start."""
    for _ in range(600):
        async with app.state.sessionmaker() as session:
            found = await session.scalar(select(Job.id).where(Job.pipeline == "privacy_sweep"))
        if found is not None:
            return str(found)
        await asyncio.sleep(0.05)
    raise AssertionError("the restarted service scheduled no sweep")
