"""A large batch: 2,500 files in 3 uploads, one screening by file ids, every file answered."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.conftest import UserFactory, auth
from tests.controller.screening_support import (
    create_posting,
    job_results,
    multipart,
    person,
    wait_job,
)

FILES = 2500
REQUESTS = 3


def _cv(index: int) -> tuple[str, bytes]:
    if index % 250 == 0:
        return f"broken{index}.pdf", f"%PDF-1.4 broken {index}".encode()
    text = (
        f"{person(index)}\ncv{index}@example.com\n\nSUMMARY\nBackend developer number {index}"
        f" with {2 + index % 8} years of experience.\n\nSKILLS\nPython, Django, Docker\n"
    )
    return f"cv{index}.txt", text.encode()


@pytest.mark.slow
@pytest.mark.mysql_only  # the flow runs on MariaDB (the make test-mysql pass)
async def test_2500_files_in_three_uploads_then_one_screening(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    user = await make_user()
    posting = await create_posting(client, auth(user))

    async def upload(part: int) -> list[str]:
        body, headers = multipart([_cv(i) for i in range(part, FILES, REQUESTS)])
        response = await client.post(
            "/api/v1/files", content=body, headers={**headers, **auth(user)}
        )
        assert response.status_code == 201, response.text
        assert response.json()["errors"] == []
        return [item["id"] for item in response.json()["items"]]

    ids = [i for batch in await asyncio.gather(*map(upload, range(REQUESTS))) for i in batch]
    assert len(set(ids)) == FILES
    response = await client.post(
        f"/api/v1/postings/{posting['id']}/screenings", json={"file_ids": ids}, headers=auth(user)
    )
    assert response.status_code == 202, response.text
    job = await wait_job(client, auth(user), response.json()["id"], within=600)
    assert job["status"] == "succeeded", job
    results = await job_results(client, auth(user), job["id"])
    assert len(results) == FILES
    failed = {name for name, r in results.items() if r["status"] != "ok"}
    assert failed == {f"broken{i}.pdf" for i in range(0, FILES, 250)}
    assert all(r["candidate_id"] for r in results.values() if r["status"] == "ok")
    assert job["result"]["candidates"] == FILES - len(failed)
    page = await client.get(
        f"/api/v1/postings/{posting['id']}/candidates", params={"limit": 1}, headers=auth(user)
    )
    assert page.json()["items"][0]["rank"] == 1
