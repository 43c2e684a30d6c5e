"""Push use cases against the real database: where a follow resumes."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest

from api.config.settings import Settings
from api.entity.job import Job
from api.entity.user import User
from api.jobs.engine import eventlog
from api.socket import push as push_service
from api.socket.manager import ConnectionManager

INT32_MAX = 2**31 - 1


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No job engine: this job is driven by hand."""
    return settings.model_copy(update={"enable_dispatcher": False})


class Frames:
    """A transport that keeps what it is sent."""

    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = []

    async def send_text(self, text: str) -> None:
        self.frames.append(json.loads(text))

    async def close(self, code: int, reason: str) -> None:
        pass

    def abort(self) -> None:
        pass


async def test_a_seq_past_the_jobs_last_one_resumes_at_its_end(app: Any) -> None:
    """Resuming past the end once dropped every later event without a word."""
    async with app.state.sessionmaker() as session:
        owner = User(email=f"{uuid.uuid4().hex}@example.com", full_name="T", password_hash="-")
        session.add(owner)
        await session.flush()
        job = Job(owner_id=owner.id, pipeline="sleep", status="running", params={})
        session.add(job)
        await session.commit()
    manager: ConnectionManager = app.state.connection_manager
    socket = Frames()
    conn = manager.connect(user_id=owner.id, kind="ws", transport=socket)
    snap = await push_service.follow_job(
        manager=manager, sessions=app.state.sessionmaker, conn=conn, owner=owner,
        job_id=job.id, after_seq=INT32_MAX,
    )  # fmt: skip
    async with app.state.sessionmaker() as session:
        rows = await eventlog.append(session, job.id, [eventlog.Draft(type="job.log", message="x")])
        await session.commit()
    manager.publish_local(rows[0])
    for _ in range(250):  # up to 5 s for the send loop
        if any(frame.get("type") == "job.log" for frame in socket.frames):
            break
        await asyncio.sleep(0.02)
    assert [f["type"] for f in socket.frames] == ["job.snapshot", "job.log"]
    assert socket.frames[1]["seq"] == snap["seq"] + 1
    manager.disconnect(conn)
