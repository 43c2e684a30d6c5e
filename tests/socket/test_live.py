"""Live push against a real server process: follow, resume, SSE, auth close codes,
slow clients, shutdown, and two gunicorn workers sharing events through Redis."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from tests.socket.server import Server, register, run_server, submit_sleep
from tests.support.services import require_redis

pytestmark = pytest.mark.slow
TERMINAL = {"succeeded", "failed", "cancelled"}
EXTRA = {"CVMATCH_EXTRA_PIPELINES": "tests.socket.pipelines"}


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with run_server(database_url, tmp_path_factory.mktemp("live"), env=EXTRA) as srv:
        yield srv


@pytest.fixture
async def http(server: Server) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        yield client


async def read_until_terminal(ws: Any, seconds: float = 60.0) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    async with asyncio.timeout(seconds):
        while True:
            frame = json.loads(await ws.recv())
            frames.append(frame)
            if frame["type"] == "job.status" and frame["status"] in TERMINAL:
                return frames


def assert_well_ordered(events: list[dict[str, Any]]) -> None:
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(set(seqs)), seqs  # strictly increasing
    progress = [e["progress"] for e in events]
    assert progress == sorted(progress)  # never backwards
    assert events[-1]["type"] == "job.status" and events[-1]["status"] == "succeeded"


async def test_follow_a_job_to_the_end(server: Server, http: httpx.AsyncClient) -> None:
    _, token = await register(http)
    job_id = await submit_sleep(http, token, seconds=1.5, steps=15)
    async with websockets.connect(f"{server.ws}/ws/jobs/{job_id}?token={token}") as ws:
        frames = await read_until_terminal(ws)
        with pytest.raises(TimeoutError):  # the terminal status is the last event
            await asyncio.wait_for(ws.recv(), 1.0)
    assert frames[0]["type"] == "job.snapshot"
    assert_well_ordered(frames[1:])
    assert all(f["job_id"] == job_id and "owner_id" not in f for f in frames)


async def test_reconnect_with_after_seq_misses_nothing(
    server: Server, http: httpx.AsyncClient
) -> None:
    _, token = await register(http)
    job_id = await submit_sleep(http, token, seconds=2.0, steps=20)
    url = f"{server.ws}/ws/jobs/{job_id}?token={token}"
    async with websockets.connect(f"{url}&after_seq=0") as ws:
        first = [json.loads(await ws.recv()) for _ in range(4)][1:]  # snapshot, then 3
    await asyncio.sleep(0.7)  # events happen while we are away
    async with websockets.connect(f"{url}&after_seq={first[-1]['seq']}") as ws:
        rest = (await read_until_terminal(ws))[1:]
    union = first + rest
    seqs = [e["seq"] for e in union]
    assert seqs == list(range(1, seqs[-1] + 1))  # complete, no duplicate
    assert_well_ordered(union)


async def test_sse_resumes_after_last_event_id(server: Server, http: httpx.AsyncClient) -> None:
    _, token = await register(http)
    job_id = await submit_sleep(http, token, seconds=0.5, steps=5)
    path = f"/api/v1/jobs/{job_id}/stream"
    full = await http.get(path, params={"token": token, "after_seq": 0})
    assert full.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(full.text)
    assert events[0]["event"] == "job.snapshot" and "id" not in events[0]
    ids = [int(e["id"]) for e in events[1:]]
    assert ids == list(range(1, ids[-1] + 1)) and events[-1]["event"] == "job.status"
    resumed = await http.get(
        path, headers={"Authorization": f"Bearer {token}", "Last-Event-ID": str(ids[2])}
    )
    assert [int(e["id"]) for e in parse_sse(resumed.text)[1:]] == ids[3:]


def parse_sse(body: str) -> list[dict[str, Any]]:
    out = []
    for block in body.split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in block.splitlines() if ": " in line and line[0] != ":"
        )
        if "data" in fields:
            fields["json"] = json.loads(fields["data"])
            out.append(fields)
    return out


async def close_code(url: str, **kwargs: Any) -> int | None:
    async with websockets.connect(url, **kwargs) as ws:
        with pytest.raises(ConnectionClosed):
            frame = await asyncio.wait_for(ws.recv(), 10)
            pytest.fail(f"data before the close: {frame}")
        return ws.close_code


async def test_refused_connections_get_their_close_code_before_any_data(
    server: Server, http: httpx.AsyncClient
) -> None:
    _, token = await register(http)
    _, other = await register(http)
    job_id = await submit_sleep(http, token, seconds=0.1, steps=1)
    url = f"{server.ws}/ws/jobs/{job_id}"
    assert await close_code(f"{url}?token=not-a-token") == 4401
    assert await close_code(url, open_timeout=10) == 4401  # no token, no auth message in 5 s
    assert await close_code(f"{url}?token={other}") == 4404
    assert await close_code(f"{url}?token={token}", origin="https://evil.example") == 4403
    async with websockets.connect(
        f"{url}?token={token}", origin=f"http://127.0.0.1:{server.port}"
    ) as ws:  # the service's own origin, where the console runs
        assert json.loads(await ws.recv())["type"] == "job.snapshot"
    assert token not in server.output()


async def test_first_message_auth_and_feed_subscriptions(
    server: Server, http: httpx.AsyncClient
) -> None:
    _, token = await register(http)
    async with websockets.connect(f"{server.ws}/ws") as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        assert json.loads(await ws.recv())["type"] == "ready"
        job_id = await submit_sleep(http, token, seconds=1.0, steps=10)
        await ws.send(json.dumps({"type": "subscribe", "job_id": job_id, "after_seq": 0}))
        frames = await read_until_terminal(ws)
        mine = [f for f in frames if f.get("job_id") == job_id]
        # the feed may carry the job's first status events before the subscription
        mine = mine[[f["type"] for f in mine].index("job.snapshot") :]
        assert any(f["type"] == "job.progress" for f in mine)  # subscribed: every event
        await ws.send(json.dumps({"type": "unsubscribe", "job_id": job_id}))
        assert json.loads(await ws.recv()) == {"type": "unsubscribed", "job_id": job_id}
        second = await submit_sleep(http, token, seconds=0.5, steps=5)
        feed = await read_until_terminal(ws)  # unsubscribed jobs: status events only
        assert {f["type"] for f in feed} == {"job.status"}
        assert feed[-1]["job_id"] == second


async def test_a_client_that_never_reads_is_dropped_without_slowing_others(
    database_url: str, tmp_path: Path
) -> None:
    env = {**EXTRA, "WS_SEND_TIMEOUT_SECONDS": "1", "WS_QUEUE_SIZE": "1000"}
    with run_server(database_url, tmp_path, env=env) as srv:
        async with httpx.AsyncClient(base_url=srv.url, timeout=30) as http:
            _, token = await register(http)
            # 6 MB over 6 s: more than the kernel buffers on both ends can hold, at a pace
            # a reading client keeps up with
            resp = await http.post(
                "/api/v1/jobs",
                json={"pipeline": "chatty", "params": {"events": 6000, "size": 1000, "seconds": 6}},
                headers={"Authorization": f"Bearer {token}"},
            )
            job_id = resp.json()["id"]
            url = f"{srv.ws}/ws/jobs/{job_id}?token={token}&after_seq=0"
            # a tiny receive window, max_queue=1 so the client library stops reading, and
            # no compression: the padded events would otherwise shrink to a few bytes each
            raw = socket.socket()
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            raw.connect(("127.0.0.1", srv.port))
            raw.setblocking(False)
            async with (
                websockets.connect(url, max_queue=1, sock=raw, compression=None) as stuck,
                websockets.connect(url) as reader,
            ):
                frames = await read_until_terminal(reader, 120)
                assert_well_ordered(frames[1:])
                assert len([f for f in frames if f["type"] == "job.log"]) == 6000
                await asyncio.sleep(2.5)
                with pytest.raises(ConnectionClosed):
                    while True:  # what the stuck client had buffered, then the close
                        await asyncio.wait_for(stuck.recv(), 10)
        # dropped by the server (queue full or send blocked), not by a crash
        assert "Traceback" not in srv.output()


async def test_shutdown_closes_sockets_with_1012(database_url: str, tmp_path: Path) -> None:
    with run_server(database_url, tmp_path, env=EXTRA) as srv:
        async with httpx.AsyncClient(base_url=srv.url, timeout=30) as http:
            _, token = await register(http)
            job_id = await submit_sleep(http, token, seconds=30, steps=30)
        async with websockets.connect(f"{srv.ws}/ws/jobs/{job_id}?token={token}") as ws:
            await ws.recv()
            srv.proc.send_signal(signal.SIGTERM)
            with pytest.raises(ConnectionClosed):
                while True:
                    await asyncio.wait_for(ws.recv(), 30)
            assert ws.close_code == 1012


async def test_two_gunicorn_workers_share_events_through_redis(
    database_url: str, tmp_path: Path
) -> None:
    redis_url = require_redis()
    env = {**EXTRA, "REDIS_URL": redis_url, "PUSH_SAFETY_POLL_SECONDS": "60"}
    with run_server(database_url, tmp_path, workers=2, env=env) as srv:
        async with httpx.AsyncClient(base_url=srv.url, timeout=30) as http:
            _, token = await register(http)
            job_id = await submit_sleep(http, token, seconds=3.0, steps=30)
            url = f"{srv.ws}/ws/jobs/{job_id}?token={token}&after_seq=0"
            sockets, pids = [], set()
            for _ in range(40):  # the kernel spreads connections over both workers
                ws = await websockets.connect(url)
                sockets.append(ws)
                pids.add(ws.response.headers["X-Worker-Pid"])
                # the deployed worker class turns per-message compression off
                assert "Sec-WebSocket-Extensions" not in ws.response.headers
                if len(pids) == 2 and len(sockets) >= 4:
                    break
            assert len(pids) == 2, "every connection landed on one worker"
            try:
                results = await asyncio.gather(*(read_until_terminal(ws) for ws in sockets))
            finally:
                await asyncio.gather(*(ws.close() for ws in sockets))
        expected = [e["seq"] for e in results[0][1:]]
        assert expected == list(range(1, expected[-1] + 1))
        for frames in results:
            assert [e["seq"] for e in frames[1:]] == expected
