"""Push latency: from the pipeline's `ctx.log()` call to a WebSocket client receiving it.

    python -m bench.push_latency [--events 200] [--seconds 4] [--runs 3]

The `chatty` test pipeline stamps each `job.log` message with the wall-clock time of
the call (and its pid). "local": one uvicorn process, in-memory bus. "redis": gunicorn
with 2 workers and Redis; only clients on the worker that did NOT run the job count.
Prints one JSON line: median over runs of p50/p99 (goals: local p99 <= 50 ms,
cross-process p99 <= 100 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

import httpx
import websockets

from bench.push_common import percentiles, scratch_database
from tests.socket.server import register, run_server

EXTRA = {"CVMATCH_EXTRA_PIPELINES": "tests.socket.pipelines"}
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"


async def _collect(ws: Any, pid: str, samples: dict[str, list[float]]) -> None:
    while True:
        frame = json.loads(await ws.recv())
        now = time.time()
        if frame["type"] == "job.log":
            stamp, origin = frame["message"].split()[:2]
            key = "same" if origin == pid else "cross"
            samples[key].append((now - float(stamp)) * 1000)
        if frame["type"] == "job.status" and frame["status"] in ("succeeded", "failed"):
            return


async def one_run(srv: Any, events: int, seconds: float, clients: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {"same": [], "cross": []}
    async with httpx.AsyncClient(base_url=srv.url, timeout=60) as http:
        _, token = await register(http)
        headers = {"Authorization": f"Bearer {token}"}
        # connect first (feed sockets subscribe to the job once it exists)
        sockets = [await websockets.connect(f"{srv.ws}/ws?token={token}") for _ in range(clients)]
        for ws in sockets:
            await ws.recv()  # ready
        resp = await http.post(
            "/api/v1/jobs",
            json={"pipeline": "chatty", "params": {"events": events, "seconds": seconds}},
            headers=headers,
        )
        job_id = resp.json()["id"]
        for ws in sockets:
            await ws.send(json.dumps({"type": "subscribe", "job_id": job_id}))
        pids = [ws.response.headers["X-Worker-Pid"] for ws in sockets]
        try:
            await asyncio.gather(
                *(_collect(ws, p, samples) for ws, p in zip(sockets, pids, strict=False))
            )
        finally:
            await asyncio.gather(*(ws.close() for ws in sockets))
    return samples


def measure(mode: str, args: argparse.Namespace) -> dict[str, Any]:
    url, tmp = scratch_database(args.database_url)
    env = dict(EXTRA)
    workers = 0
    if mode == "redis":
        env["REDIS_URL"] = args.redis_url
        workers = 2
    results = []
    with run_server(url, Path(tmp), workers=workers, env=env) as srv:
        for _ in range(args.runs):
            samples = asyncio.run(one_run(srv, args.events, args.seconds, args.clients))
            key = "same" if mode == "local" else "cross"
            results.append(percentiles(samples[key]))
    good = [r for r in results if r.get("n")]
    if not good:
        return {"n": 0}
    return {
        "runs": len(good),
        "samples_per_run": good[0]["n"],
        "p50_ms": statistics.median(r["p50_ms"] for r in good),
        "p99_ms": statistics.median(r["p99_ms"] for r in good),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--redis-url", default=os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS))
    parser.add_argument("--modes", default="local,redis")
    args = parser.parse_args()
    out: dict[str, Any] = {"bench": "push_latency", "events": args.events}
    for mode in args.modes.split(","):
        out[mode] = measure(mode, args)
    out["goals"] = {"local_p99_ms": 50, "redis_p99_ms": 100}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
