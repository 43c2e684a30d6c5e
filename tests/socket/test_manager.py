"""ConnectionManager in one process against the real database: ordering, gap filling,
the event-log fallback, the user feed, and what happens to clients that do not read."""

from __future__ import annotations

import asyncio
import gc
import json
import uuid
import weakref
from typing import Any

import pytest

from api.config.settings import Settings
from api.entity.job import Job
from api.entity.user import User
from api.jobs.engine import eventlog
from api.socket.manager import ConnectionManager
from api.socket.outbox import envelope


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No job engine here: these jobs are driven by hand."""
    return settings.model_copy(update={"enable_dispatcher": False})


class FakeSocket:
    """A transport that records frames; `stalled` makes send block like an unread socket."""

    def __init__(self, *, stalled: bool = False) -> None:
        self.frames: list[dict[str, Any]] = []
        self.closed_with: int | None = None
        self.aborted = False
        self.gate = asyncio.Event()
        if not stalled:
            self.gate.set()

    async def send_text(self, text: str) -> None:
        await self.gate.wait()
        self.frames.append(json.loads(text))

    async def close(self, code: int, reason: str) -> None:
        await self.gate.wait()  # a close frame cannot leave a full buffer either
        self.closed_with = code

    def abort(self) -> None:
        self.aborted = True

    def seqs(self, kind: str | None = None) -> list[int]:
        return [f["seq"] for f in self.frames if kind is None or f["type"] == kind]


async def make_owner(app: Any) -> dict[str, str]:
    """A user row (these tests never log in, so no password hashing)."""
    async with app.state.sessionmaker() as session:
        user = User(email=f"{uuid.uuid4().hex}@example.com", full_name="T", password_hash="-")
        session.add(user)
        await session.commit()
        return {"id": user.id}


async def make_job(app: Any, owner_id: str) -> str:
    async with app.state.sessionmaker() as session:
        job = Job(owner_id=owner_id, pipeline="sleep", status="running", params={})
        session.add(job)
        await session.commit()
        return job.id


async def persist(app: Any, job_id: str, *drafts: eventlog.Draft) -> list[dict[str, Any]]:
    async with app.state.sessionmaker() as session:
        rows = await eventlog.append(session, job_id, list(drafts))
        await session.commit()
    return rows


def progress(done: int) -> eventlog.Draft:
    return eventlog.Draft(type="job.progress", done=done, total=100, progress=done)


def log(text: str) -> eventlog.Draft:
    return eventlog.Draft(type="job.log", message=text)


async def follow(
    app: Any,
    sock: FakeSocket,
    user_id: str,
    job_id: str,
    after_seq: int | None = None,
    conn: Any = None,
) -> Any:
    manager: ConnectionManager = app.state.connection_manager
    if conn is None:
        conn = manager.connect(user_id=user_id, kind="ws", transport=sock)
    item = manager.follow(conn, job_id=job_id, owner_id=user_id)
    async with app.state.sessionmaker() as session:
        job = await session.get(Job, job_id)
        assert job is not None
        snap = eventlog.job_snapshot(job)
    conn.put(envelope(snap))
    item.begin(last_seq=snap["seq"] if after_seq is None else after_seq, target=snap["seq"])
    return conn


async def until(predicate: Any, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if predicate():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not reached")


async def test_out_of_order_events_are_delivered_once_in_seq_order(app: Any) -> None:
    user = await make_owner(app)
    job_id = await make_job(app, user["id"])
    sock = FakeSocket()
    await follow(app, sock, user["id"], job_id)
    rows = await persist(app, job_id, log("a"), log("b"), log("c"), log("d"))
    manager: ConnectionManager = app.state.connection_manager
    # another process's events arrive first, one twice; seq 2 never comes over the bus
    for row in (rows[2], rows[0], rows[3], rows[0], rows[2]):
        manager.publish_local(row)
    await until(lambda: len(sock.frames) == 5)
    assert sock.seqs() == [0, 1, 2, 3, 4]
    assert [f.get("message") for f in sock.frames[1:]] == ["a", "b", "c", "d"]


async def test_events_the_bus_never_brought_come_from_the_event_log(app: Any) -> None:
    user = await make_owner(app)
    job_id = await make_job(app, user["id"])
    sock = FakeSocket()
    await follow(app, sock, user["id"], job_id)
    await persist(app, job_id, log("written by a worker without Redis"), progress(50))
    await until(lambda: sock.seqs()[-1:] == [2])
    assert sock.seqs() == [0, 1, 2]


async def test_replay_after_seq_then_live_without_gap_or_duplicate(app: Any) -> None:
    user = await make_owner(app)
    job_id = await make_job(app, user["id"])
    early = await persist(app, job_id, log("1"), log("2"), log("3"))
    sock = FakeSocket()
    await follow(app, sock, user["id"], job_id, after_seq=1)
    late = await persist(app, job_id, log("4"))
    manager: ConnectionManager = app.state.connection_manager
    for row in [*early, *late]:
        manager.publish_local(row)
    await until(lambda: sock.seqs()[-1:] == [4])
    assert sock.seqs() == [3, 2, 3, 4]  # snapshot (seq 3), then 2, 3 replayed, then 4 live
    assert sock.frames[0]["type"] == "job.snapshot"


async def test_a_client_that_never_reads_is_dropped_and_freed(app: Any) -> None:
    user = await make_owner(app)
    job_id = await make_job(app, user["id"])
    manager: ConnectionManager = app.state.connection_manager
    manager.send_timeout = 0.3
    before = manager.count
    stuck, healthy = FakeSocket(stalled=True), FakeSocket()
    stuck_conn = manager.connect(user_id=user["id"], kind="ws", transport=stuck)
    writer = weakref.ref(stuck_conn.writer)
    outbox = weakref.ref(stuck_conn.outbox)
    gone = weakref.ref(stuck_conn)
    await follow(app, stuck, user["id"], job_id, conn=stuck_conn)
    await follow(app, healthy, user["id"], job_id)
    del stuck_conn
    rows = await persist(app, job_id, *(log(str(i)) for i in range(20)))
    for row in rows:
        await manager.bus.publish("jobs", row)  # returns at once: nobody awaits the socket
    await until(lambda: len(healthy.frames) == 21)
    await until(lambda: manager.count == before + 1)  # only the healthy client is left
    await until(lambda: stuck.aborted)  # the close frame could not go out: transport aborted
    assert stuck.closed_with is None
    gc.collect()
    assert gone() is None and outbox() is None and writer() is None


async def test_a_lagging_client_gets_the_latest_progress_and_every_other_event(app: Any) -> None:
    user = await make_owner(app)
    job_id = await make_job(app, user["id"])
    manager: ConnectionManager = app.state.connection_manager
    manager.queue_size = 8  # lagging from 2 queued events on
    sock = FakeSocket(stalled=True)
    await follow(app, sock, user["id"], job_id)
    drafts = [progress(10), progress(20), log("x"), progress(30), progress(40), progress(50)]
    for row in await persist(app, job_id, *drafts):
        manager.publish_local(row)
    await asyncio.sleep(0.1)
    sock.gate.set()
    await until(lambda: any(f.get("done") == 50 for f in sock.frames))
    await asyncio.sleep(0.1)
    kinds = [(f["type"], f["seq"]) for f in sock.frames[1:]]
    assert ("job.log", 3) in kinds and ("job.progress", 6) in kinds
    assert len(kinds) < len(drafts)  # stale progress was coalesced away
    assert sock.seqs() == sorted(sock.seqs())


async def test_overflowing_queue_drops_the_connection_with_4008(app: Any) -> None:
    user = await make_owner(app)
    job_id = await make_job(app, user["id"])
    manager: ConnectionManager = app.state.connection_manager
    manager.queue_size = 8
    sock = FakeSocket(stalled=True)
    conn = await follow(app, sock, user["id"], job_id)
    for row in await persist(app, job_id, *(log(str(i)) for i in range(30))):
        manager.publish_local(row)
    asyncio.get_running_loop().call_later(0.2, sock.gate.set)  # the client wakes up later
    await until(lambda: conn.closed.is_set())
    await until(lambda: sock.closed_with == 4008)
    assert conn not in manager.connections


async def test_feed_gets_status_events_of_own_jobs_only(app: Any) -> None:
    alice, bob = await make_owner(app), await make_owner(app)
    mine, theirs = await make_job(app, alice["id"]), await make_job(app, bob["id"])
    manager: ConnectionManager = app.state.connection_manager
    sock = FakeSocket()
    conn = manager.connect(user_id=alice["id"], kind="ws", transport=sock)
    manager.subscribe_feed(conn)
    status = eventlog.Draft(type="job.status", status="succeeded")
    for job_id in (mine, theirs):
        for row in await persist(app, job_id, progress(5), status):
            manager.publish_local(row)
    await until(lambda: len(sock.frames) == 1)
    await asyncio.sleep(0.2)
    assert [(f["job_id"], f["type"], f["status"]) for f in sock.frames] == [
        (mine, "job.status", "succeeded")
    ]


async def test_unsubscribing_does_not_replay_statuses_on_the_feed(app: Any) -> None:
    user = await make_owner(app)
    job_id = await make_job(app, user["id"])
    manager: ConnectionManager = app.state.connection_manager
    sock = FakeSocket()
    conn = manager.connect(user_id=user["id"], kind="ws", transport=sock)
    manager.subscribe_feed(conn)
    await follow(app, sock, user["id"], job_id, conn=conn)
    done = eventlog.Draft(type="job.status", status="succeeded")
    for row in await persist(app, job_id, progress(50), done):
        manager.publish_local(row)
    await until(lambda: sock.seqs("job.status") == [2])
    manager.unfollow(conn, job_id)
    await manager.poll_once()  # the event log still holds the job's recent statuses
    await asyncio.sleep(0.1)
    assert sock.seqs("job.status") == [2]  # seen through the subscription: not sent again
    other = await make_job(app, user["id"])
    for row in await persist(app, other, done):
        manager.publish_local(row)
    await until(lambda: [f["job_id"] for f in sock.frames][-1] == other)


@pytest.mark.parametrize("code", [1012])
async def test_stop_closes_every_socket_with_service_restart(app: Any, code: int) -> None:
    user = await make_owner(app)
    job_id = await make_job(app, user["id"])
    socks = [FakeSocket() for _ in range(3)]
    for sock in socks:
        await follow(app, sock, user["id"], job_id)
    await app.state.connection_manager.stop()
    assert [s.closed_with for s in socks] == [code] * 3
    assert app.state.connection_manager.count == 0


async def test_a_long_replay_is_paced_to_the_client_and_never_overflows(app: Any) -> None:
    user = await make_owner(app)
    job_id = await make_job(app, user["id"])
    manager: ConnectionManager = app.state.connection_manager
    manager.queue_size = 8
    await persist(app, job_id, *(log(str(i)) for i in range(60)), progress(99))
    sock = FakeSocket()
    conn = await follow(app, sock, user["id"], job_id, after_seq=0)
    await until(lambda: len(sock.frames) == 62)
    assert sock.seqs() == [61, *range(1, 62)]
    assert not conn.closed.is_set()
