"""Fan-out to many sockets: one serialisation per event, direct writes to sockets that
keep up, and a slow socket that coalesces, or is closed with 4008, without holding
anyone else back."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from api.config.settings import Settings
from api.jobs.engine import eventlog
from api.socket import outbox as outbox_module
from api.socket.manager import CLOSE_TOO_SLOW, ConnectionManager
from tests.socket.test_manager import (
    FakeSocket,
    follow,
    log,
    make_job,
    make_owner,
    persist,
    progress,
    until,
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No job engine here: these jobs are driven by hand."""
    return settings.model_copy(update={"enable_dispatcher": False})


class TextSocket(FakeSocket):
    """Keeps the very text objects it was sent, besides the parsed frames."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    async def send_text(self, text: str) -> None:
        self.texts.append(text)
        await super().send_text(text)


class CountingJson:
    """Stands in for the json module where envelopes are made, counting dumps()."""

    def __init__(self) -> None:
        self.dumps_calls = 0

    def dumps(self, *args: Any, **kwargs: Any) -> str:
        self.dumps_calls += 1
        return json.dumps(*args, **kwargs)


def status(value: str) -> eventlog.Draft:
    return eventlog.Draft(type="job.status", status=value)


async def test_an_event_is_serialised_once_for_all_its_sockets(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await make_owner(app)
    job_id = await make_job(app, user["id"])
    manager: ConnectionManager = app.state.connection_manager
    followers = [TextSocket() for _ in range(20)]
    for sock in followers:
        await follow(app, sock, user["id"], job_id)
    feeds = [TextSocket() for _ in range(5)]
    for sock in feeds:
        manager.subscribe_feed(manager.connect(user_id=user["id"], kind="ws", transport=sock))
    rows = await persist(app, job_id, progress(10), log("x"), status("succeeded"))
    counting = CountingJson()
    monkeypatch.setattr(outbox_module, "json", counting)
    for row in rows:
        manager.publish_local(row)
    assert counting.dumps_calls == len(rows)  # not once per socket
    await until(lambda: all(len(s.texts) == 4 for s in followers))
    await until(lambda: all(len(s.texts) == 1 for s in feeds))
    first = followers[0].texts
    assert all(s.texts[i] is first[i] for s in followers for i in range(1, 4))
    assert all(s.texts[0] is first[3] for s in feeds)  # the status frame, the same object


async def test_a_socket_that_keeps_up_is_written_at_once(app: Any) -> None:
    user = await make_owner(app)
    job_id = await make_job(app, user["id"])
    manager: ConnectionManager = app.state.connection_manager
    sock = FakeSocket()
    conn = await follow(app, sock, user["id"], job_id)
    await until(lambda: len(sock.frames) == 1)  # the snapshot
    (row,) = await persist(app, job_id, progress(10))
    manager.publish_local(row)
    assert sock.seqs() == [0, 1]  # written by the publisher itself, before any await
    assert conn.writer is not None and not conn.writer.lagging
    assert len(conn.outbox) == 0


async def test_a_slow_socket_gets_its_latest_progress_and_the_terminal_status(app: Any) -> None:
    user = await make_owner(app)
    job_id = await make_job(app, user["id"])
    manager: ConnectionManager = app.state.connection_manager
    manager.queue_size = 8
    slow, fast = FakeSocket(stalled=True), FakeSocket()
    slow_conn = await follow(app, slow, user["id"], job_id)
    await follow(app, fast, user["id"], job_id)
    drafts = [progress(done) for done in range(5, 100, 5)]
    rows = await persist(app, job_id, *drafts, status("succeeded"))
    for row in rows:
        manager.publish_local(row)
    assert len(fast.frames) == 1 + len(rows)  # the slow socket held nothing back
    assert slow.frames == [] and slow_conn.writer is not None and slow_conn.writer.lagging
    slow.gate.set()
    await until(lambda: any(f["type"] == "job.status" for f in slow.frames))
    progressed = [f["done"] for f in slow.frames if f["type"] == "job.progress"]
    assert len(progressed) < len(drafts)  # stale progress was merged away
    assert progressed[-1] == 95  # the latest won
    assert slow.frames[-1]["status"] == "succeeded"
    assert slow.seqs() == sorted(slow.seqs())
    assert not slow_conn.closed.is_set()
    await until(lambda: not slow_conn.writer.lagging)  # keeps up again: direct writes


async def test_an_overflowing_socket_is_closed_with_4008_and_a_fast_one_gets_everything(
    app: Any,
) -> None:
    user = await make_owner(app)
    job_id = await make_job(app, user["id"])
    manager: ConnectionManager = app.state.connection_manager
    manager.queue_size = 8
    slow, fast = FakeSocket(stalled=True), FakeSocket()
    slow_conn = await follow(app, slow, user["id"], job_id)
    await follow(app, fast, user["id"], job_id)
    dropped = manager.dropped
    rows = await persist(app, job_id, *(log(str(i)) for i in range(30)), status("succeeded"))
    for row in rows:
        manager.publish_local(row)
    assert fast.seqs()[1:] == [row["seq"] for row in rows]
    asyncio.get_running_loop().call_later(0.2, slow.gate.set)  # reads again, too late
    await until(lambda: slow.closed_with == CLOSE_TOO_SLOW)
    assert slow_conn not in manager.connections
    assert manager.dropped == dropped + 1
    more = await persist(app, job_id, log("after"))
    manager.publish_local(more[0])
    assert fast.seqs()[-1] == more[0]["seq"]
