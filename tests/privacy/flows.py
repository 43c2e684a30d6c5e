"""Steps the privacy tests share: screen marker CVs, use them every way the API allows,
and wait for jobs."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

from api.entity.job import Job
from tests.controller.screening_support import create_posting, multipart, wait_job

API = "/api/v1"


@dataclass
class Screened:
    posting: dict[str, Any]
    job: dict[str, Any]
    #: candidate summaries by file name
    candidates: dict[str, dict[str, Any]]
    #: the ranking, best first
    ranking: list[dict[str, Any]]


async def screen(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    files: list[tuple[str, bytes]],
    posting: dict[str, Any] | None = None,
    **posting_fields: Any,
) -> Screened:
    """Upload `files` to a (new) posting's screening and wait for it."""
    posting = posting or await create_posting(client, headers, **posting_fields)
    body, mp_headers = multipart(files)
    answer = await client.post(
        f"{API}/postings/{posting['id']}/screenings",
        content=body,
        headers={**mp_headers, **headers},
    )
    assert answer.status_code == 202, answer.text
    job = await wait_job(client, headers, answer.json()["id"])
    assert job["status"] == "succeeded", job
    ranking = await client.get(f"{API}/postings/{posting['id']}/candidates", headers=headers)
    assert ranking.status_code == 200, ranking.text
    items = ranking.json()["items"]
    return Screened(posting, job, {c["filename"]: c for c in items}, items)


async def use_everything(
    client: httpx.AsyncClient, headers: dict[str, str], posting_id: str, candidate_id: str
) -> None:
    """View, download, export (subject access and shortlist), rescore, read events."""
    base = f"{API}/candidates/{candidate_id}"
    for path, params in ((base, {}), (f"{base}/file", {}), (f"{base}/export", {}),
                         (f"{base}/export", {"format": "zip"})):  # fmt: skip
        answer = await client.get(path, params=params, headers=headers)
        assert answer.status_code == 200, (path, answer.text)
    shortlist = f"{API}/postings/{posting_id}"
    assert (await client.get(f"{shortlist}/candidates", params={"format": "csv"},
                             headers=headers)).status_code == 200  # fmt: skip
    exported = await client.post(f"{shortlist}/exports", json={"format": "xlsx"}, headers=headers)
    assert exported.status_code == 200, exported.text
    rescore = await client.post(f"{shortlist}/rescore", headers=headers)
    assert rescore.status_code == 202, rescore.text
    assert (await wait_job(client, headers, rescore.json()["id"]))["status"] == "succeeded"


async def wait_db_job(app: Any, job_id: str, within: float = 60.0) -> Job:
    """A job read from the database once it is terminal (scheduled jobs have no owner
    to ask the API as)."""
    deadline = time.monotonic() + within
    while True:
        async with app.state.sessionmaker() as session:
            job = await session.scalar(select(Job).where(Job.id == job_id))
        assert job is not None
        if job.status in {"succeeded", "failed", "cancelled"}:
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job.status}"
        await asyncio.sleep(0.1)
