"""Redis goes away mid-job: a WebSocket client on another process still gets every event.

The job runs in a standalone worker (`python -m api.worker`), the client follows it on
an API server with no dispatcher of its own, so events can only cross through Redis or
the database event log. A private Redis is stopped and started again.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import connect

from tests.faults.server import api_server, base_env
from tests.faults.test_outages import call, login
from tests.support import database as db
from tests.support.private_services import PrivateRedis
from tests.support.processes import worker

pytestmark = pytest.mark.slow


def follow(url: str, token: str, job_id: str, into: list[dict[str, Any]]) -> None:
    """Collect a job's events until its terminal status (or 180 s)."""
    ws_url = url.replace("http://", "ws://") + f"/api/v1/ws/jobs/{job_id}?token={token}"
    deadline = time.monotonic() + 180
    with connect(ws_url, open_timeout=30) as socket:
        while time.monotonic() < deadline:
            event = json.loads(socket.recv(timeout=60))
            into.append(event)
            if event.get("type") == "job.status" and event.get("status") in {
                "succeeded",
                "failed",
                "cancelled",
            }:
                return


def _sleep_job(url: str, token: str, steps: int) -> str:
    code, job = call(
        url,
        "POST",
        "/api/v1/jobs",
        {"pipeline": "sleep", "params": {"seconds": steps * 0.4, "steps": steps}},
        token,
    )
    assert code == 202, job
    return str(job["id"])


def _assert_complete(events: list[dict[str, Any]]) -> None:
    assert events and events[0]["type"] == "job.snapshot"
    seqs = [e["seq"] for e in events[1:]]
    first = events[0]["seq"]
    assert seqs == list(range(first + 1, first + 1 + len(seqs))), seqs
    assert events[-1]["type"] == "job.status" and events[-1]["status"] == "succeeded"


def test_websocket_clients_get_every_event_through_a_redis_outage(tmp_path: Path) -> None:
    redis = PrivateRedis(tmp_path / "redis").start()
    url = db.sqlite_url(tmp_path / "jobs.db")
    db.migrate(url)
    env = base_env(tmp_path, url, REDIS_URL=redis.url, PUSH_POLL_SECONDS="0.5")
    api = api_server({**env, "ENABLE_DISPATCHER": "false"}, tmp_path / "api.log")
    runner = worker(env, tmp_path / "worker.log")
    try:
        api.wait_healthy()
        token = login(api.url)
        job_id = _sleep_job(api.url, token, steps=25)
        events: list[dict[str, Any]] = []
        client = threading.Thread(target=follow, args=(api.url, token, job_id, events))
        client.start()
        time.sleep(3)
        redis.stop()
        time.sleep(4)
        redis.start()  # the same port: the processes reconnect by themselves
        client.join(timeout=200)
        _assert_complete(events)
        assert api.proc.poll() is None and runner.proc.poll() is None

        # recovered: a new job's events flow again
        again: list[dict[str, Any]] = []
        second = _sleep_job(api.url, token, steps=5)
        follow(api.url, token, second, again)
        _assert_complete(again)
    finally:
        runner.stop()
        api.stop()
        redis.stop()
