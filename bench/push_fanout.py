"""Fan-out: N WebSocket subscribers on one worker, each receiving every status event.

    python -m bench.push_fanout [--clients 2000] [--runs 3]

One uvicorn process (in-memory bus). N feed sockets (`WS /api/v1/ws`) of one user
connect, then jobs run; every socket must receive each job's `job.status` events
(none lost). Reports the server's RSS per connection (goal <= 50 KB), the p99
delivery latency (event `ts` to receipt) and the events lost: a status event that
reached any socket but not every socket (a socket closed by the server, or still
waiting at the round's deadline, counts what it missed). Raises its own open-file
limit, so `--clients 10000` runs too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import websockets
from websockets.exceptions import ConnectionClosed

from bench.push_common import percentiles, raise_nofile, rss_kb, scratch_database
from tests.socket.server import register, run_server

TERMINAL = {"succeeded", "failed", "cancelled"}
ROUND_SECONDS = 120.0


def _epoch(ts: str) -> float:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()


async def _receive(ws: Any, job_id: str, latencies: list[float], deadline: float) -> set[int]:
    """The seqs of the job's status events this socket got, up to the terminal one."""
    seqs: set[int] = set()
    try:
        while True:
            raw = await asyncio.wait_for(ws.recv(), max(0.0, deadline - time.monotonic()))
            frame = json.loads(raw)
            if frame.get("job_id") != job_id or frame["type"] != "job.status":
                continue
            latencies.append((time.time() - _epoch(frame["ts"])) * 1000)
            seqs.add(frame["seq"])
            if frame["status"] in TERMINAL:
                return seqs
    except (TimeoutError, ConnectionClosed):
        return seqs


async def _connect_all(url: str, n: int) -> list[Any]:
    sem = asyncio.Semaphore(20)

    async def one() -> Any:
        async with sem:
            ws = await websockets.connect(url, open_timeout=60, ping_interval=None)
            await ws.recv()  # ready
            return ws

    return list(await asyncio.gather(*(one() for _ in range(n))))


async def bench(srv: Any, clients: int, runs: int) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=srv.url, timeout=60) as http:
        _, token = await register(http)
        headers = {"Authorization": f"Bearer {token}"}
        await asyncio.sleep(1.0)
        base = rss_kb(srv.proc.pid)
        sockets = await _connect_all(f"{srv.ws}/ws?token={token}", clients)
        await asyncio.sleep(1.0)
        per_conn_kb = (rss_kb(srv.proc.pid) - base) / clients
        rounds = []
        for _ in range(runs):
            latencies: list[float] = []
            resp = await http.post(
                "/api/v1/jobs", json={"pipeline": "noop", "params": {}}, headers=headers
            )
            job_id = resp.json()["id"]
            deadline = time.monotonic() + ROUND_SECONDS
            got = await asyncio.gather(
                *(_receive(ws, job_id, latencies, deadline) for ws in sockets)
            )
            expected = set().union(*got)
            lost = sum(len(expected - g) for g in got)
            rounds.append({**percentiles(latencies), "lost": lost, "events": len(expected)})
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return {
        "clients": clients,
        "rss_per_connection_kb": round(per_conn_kb, 1),
        "status_events_per_job": rounds[0]["events"],
        "lost": sum(r["lost"] for r in rounds),
        "p50_ms": statistics.median(r["p50_ms"] for r in rounds),
        "p99_ms": statistics.median(r["p99_ms"] for r in rounds),
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    limit = raise_nofile(2 * args.clients + 256)
    url, tmp = scratch_database(args.database_url)
    with run_server(url, Path(tmp)) as srv:
        out = asyncio.run(bench(srv, args.clients, args.runs))
    print(
        json.dumps(
            {"bench": "push_fanout", "nofile": limit, **out, "goals": {"rss_per_connection_kb": 50}}
        )
    )


if __name__ == "__main__":
    main()
