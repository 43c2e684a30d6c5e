"""Blind review over a real server: a screening's WebSocket and SSE events name no
candidate and no file (an open posting's do, so the check can fail)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from tests.controller.screening_support import multipart
from tests.privacy.markers import Person
from tests.socket.server import Server, register, run_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with run_server(database_url, tmp_path_factory.mktemp("blind")) as srv:
        yield srv


async def _screen_live(
    server: Server, http: httpx.AsyncClient, token: str, upload: tuple[str, bytes], blind: bool
) -> tuple[list[dict[str, Any]], str]:
    """Every WebSocket frame of a screening from its first event, and its SSE body."""
    headers = {"Authorization": f"Bearer {token}"}
    posting = await http.post("/api/v1/postings", headers=headers, json={
        "title": "Backend Engineer", "description": "Python, Docker and PostgreSQL.",
        "blind_review": blind,
    })  # fmt: skip
    body, mp = multipart([upload])
    job = await http.post(f"/api/v1/postings/{posting.json()['id']}/screenings",
                          content=body, headers={**mp, **headers})  # fmt: skip
    assert job.status_code == 202, job.text
    url = f"{server.ws}/ws/jobs/{job.json()['id']}?token={token}&after_seq=0"
    frames: list[dict[str, Any]] = []
    async with websockets.connect(url) as ws, asyncio.timeout(120):
        while not frames or not (frames[-1]["type"] == "job.status"
                                 and frames[-1]["status"] == "succeeded"):  # fmt: skip
            frames.append(json.loads(await ws.recv()))
    sse = await http.get(f"/api/v1/jobs/{job.json()['id']}/stream",
                         params={"token": token, "after_seq": 0})  # fmt: skip
    return frames, sse.text


async def test_blind_screening_events_name_no_one(server: Server, tmp_path: Path) -> None:
    person = Person.new()
    upload = person.upload(tmp_path, "pdf")
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        _, token = await register(http)
        blind_frames, blind_sse = await _screen_live(server, http, token, upload, blind=True)
        open_frames, open_sse = await _screen_live(server, http, token, upload, blind=False)
    assert [f for f in blind_frames if f["type"] == "job.file"]
    for shown in (json.dumps(blind_frames), blind_sse):
        assert person.leaks(shown) == [] and upload[0] not in shown
    for shown in (json.dumps(open_frames), open_sse):
        assert person.leaks(shown) and upload[0] in shown
