"""Helpers shared by the job tests: wait for a job to reach a state over HTTP."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

TERMINAL = {"succeeded", "failed", "cancelled"}


async def wait_job(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    job_id: str,
    statuses: set[str] | None = None,
    within: float = 20.0,
) -> dict[str, Any]:
    """Poll `GET /jobs/{id}` until its status is in `statuses` (default: terminal)."""
    wanted = statuses or TERMINAL
    deadline = time.monotonic() + within
    while True:
        response = await client.get(f"/api/v1/jobs/{job_id}", headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["status"] in wanted:
            return body
        assert time.monotonic() < deadline, f"job stuck in {body['status']}: {body}"
        await asyncio.sleep(0.05)


async def all_events(
    client: httpx.AsyncClient, headers: dict[str, str], job_id: str
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    after = 0
    while True:
        page = await client.get(
            f"/api/v1/jobs/{job_id}/events",
            params={"after_seq": after, "limit": 200},
            headers=headers,
        )
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        if page.json()["next_cursor"] is None:
            return items
        after = int(page.json()["next_cursor"])
