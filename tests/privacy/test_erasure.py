"""Erasure's failure paths: another account's data, missing rows, a job still using the
data, a removal of the bytes that fails, files nothing refers to, and an upload of
content that is being removed."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from api.entity.job import Job
from api.entity.privacy import Blob
from api.recruiting import blobs, retention
from api.recruiting.filestore import LocalFileStore
from tests.conftest import UserFactory, auth
from tests.controller.screening_support import files_under, multipart
from tests.privacy.flows import API, Screened, screen
from tests.privacy.markers import Person
from tests.support.envelope import assert_envelope

MISSING = "00000000-0000-4000-8000-000000000000"


def _paths(screened: Screened) -> dict[str, str]:
    candidate = next(iter(screened.candidates.values()))
    return {
        "candidate": f"{API}/candidates/{candidate['id']}",
        "file": f"{API}/files/{candidate['file_id']}",
        "posting": f"{API}/postings/{screened.posting['id']}",
        "job": f"{API}/jobs/{screened.job['id']}",
    }


async def _present(client: httpx.AsyncClient, headers: dict[str, str], path: str) -> bool:
    if path.startswith(f"{API}/files/"):
        listed = (await client.get(f"{API}/files", headers=headers)).json()["items"]
        return path.rsplit("/", 1)[1] in {item["id"] for item in listed}
    return (await client.get(path, headers=headers)).status_code == 200


async def _screened(client: httpx.AsyncClient, headers: dict[str, str], tmp: Path) -> Screened:
    return await screen(client, headers, [Person.new().upload(tmp, "txt")])


async def _sweep(app: Any) -> dict[str, Any]:
    async with app.state.sessionmaker() as session:
        return await retention.sweep(session, app.state.settings)


@pytest.mark.parametrize("kind", ["candidate", "file", "posting", "job"])
async def test_another_accounts_data_and_missing_rows_are_404(
    kind: str, client: httpx.AsyncClient, make_user: UserFactory, tmp_path: Path
) -> None:
    owner, stranger = auth(await make_user()), auth(await make_user())
    path = _paths(await _screened(client, owner, tmp_path))[kind]
    assert_envelope(await client.delete(path, headers=stranger), 404, "NOT_FOUND")
    assert await _present(client, owner, path)  # untouched
    missing = path.rsplit("/", 1)[0] + f"/{MISSING}"
    assert_envelope(await client.delete(missing, headers=owner), 404, "NOT_FOUND")
    assert (await client.delete(path)).status_code == 401


@pytest.mark.parametrize("kind", ["candidate", "file", "posting"])
async def test_nothing_is_erased_while_a_job_uses_the_data(
    kind: str, app: Any, client: httpx.AsyncClient, make_user: UserFactory, tmp_path: Path
) -> None:
    headers = auth(await make_user())
    screened = await _screened(client, headers, tmp_path)
    await _set_status(app, screened.job["id"], "running")
    path = _paths(screened)[kind]
    assert_envelope(await client.delete(path, headers=headers), 409, "ACTIVE_JOB")
    assert await _present(client, headers, path)
    await _set_status(app, screened.job["id"], "succeeded")
    assert (await client.delete(path, headers=headers)).status_code == 204


async def test_an_account_with_an_active_job_is_not_erased(
    app: Any, client: httpx.AsyncClient, make_user: UserFactory, tmp_path: Path
) -> None:
    headers = auth(await make_user())
    screened = await _screened(client, headers, tmp_path)
    await _set_status(app, screened.job["id"], "queued")
    assert_envelope(await client.delete(f"{API}/auth/me", headers=headers), 409, "ACTIVE_JOB")
    assert (await client.get(f"{API}/auth/me", headers=headers)).status_code == 200
    job = f"{API}/jobs/{screened.job['id']}"
    assert_envelope(await client.delete(job, headers=headers), 409, "INVALID_STATE")


async def _set_status(app: Any, job_id: str, status: str) -> None:
    """Stand in for a job that is still queued or running."""
    async with app.state.sessionmaker() as session:
        await session.execute(update(Job).where(Job.id == job_id).values(status=status))
        await session.commit()


def _refuse(self: LocalFileStore, key: str) -> None:
    raise OSError("the volume is read-only")


async def _doomed(app: Any) -> list[str]:
    async with app.state.sessionmaker() as session:
        query = select(Blob.storage_key).where(Blob.doomed_at.is_not(None))
        return list(await session.scalars(query))


async def test_a_failed_removal_is_retried_by_the_sweep(
    app: Any,
    client: httpx.AsyncClient,
    make_user: UserFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    headers = auth(await make_user())
    screened = await _screened(client, headers, tmp_path)
    stored = files_under(app.state.settings.upload_dir)

    with monkeypatch.context() as patch:
        patch.setattr(LocalFileStore, "delete", _refuse)
        gone = await client.delete(_paths(screened)["candidate"], headers=headers)
    assert gone.status_code == 204  # the rows went; the bytes wait for the sweep
    assert files_under(app.state.settings.upload_dir) == stored
    assert len(await _doomed(app)) == 1
    assert (await _sweep(app))["blobs_removed"] == 1
    assert files_under(app.state.settings.upload_dir) == set()
    assert await _doomed(app) == []


async def test_an_upload_of_the_same_content_keeps_a_doomed_blob(
    app: Any,
    client: httpx.AsyncClient,
    make_user: UserFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    headers = auth(await make_user())
    upload = Person.new().upload(tmp_path, "txt")
    screened = await screen(client, headers, [upload])
    with monkeypatch.context() as patch:
        patch.setattr(LocalFileStore, "delete", _refuse)
        await client.delete(_paths(screened)["candidate"], headers=headers)
    assert len(await _doomed(app)) == 1
    body, mp_headers = multipart([upload])
    again = await client.post(f"{API}/files", content=body, headers={**mp_headers, **headers})
    assert again.status_code == 201, again.text
    assert await _doomed(app) == []  # the upload took the blob back
    await _sweep(app)
    [stored] = files_under(app.state.settings.upload_dir)
    assert stored.read_bytes() == upload[1]


async def test_the_sweep_removes_orphans_and_stale_temporaries_after_the_grace(
    app: Any,
) -> None:
    settings = app.state.settings
    store = LocalFileStore(settings.upload_dir)
    old = time.time() - settings.orphan_grace_seconds - 60
    orphan, fresh = ("a" * 64, "b" * 64)
    for key in (orphan, fresh):
        blob = store.path(key)
        blob.parent.mkdir(parents=True, exist_ok=True)
        blob.write_bytes(b"left by an upload that died before its commit")
    os.utime(store.path(orphan), (old, old))
    stale, recent = store.temp_path(), store.temp_path()
    stale.write_bytes(b"part"), recent.write_bytes(b"part")
    os.utime(stale, (old, old))
    counts = await _sweep(app)
    assert counts["blobs_removed"] == 1 and counts["temporary_removed"] == 1
    assert not store.exists(orphan) and store.exists(fresh)
    assert not stale.exists() and recent.exists()


async def test_blobs_release_keeps_referenced_content(app: Any) -> None:
    async with app.state.sessionmaker() as session:
        assert await blobs.release(session, []) == []
        assert await blobs.release(session, ["c" * 64]) == ["c" * 64]
        await session.rollback()
