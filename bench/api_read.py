"""Thin read paths: `GET /api/v1/jobs/{id}` and `GET /api/v1/jobs` against a bare handler.

    python -m bench.api_read [--seconds 8] [--runs 3] [--clients 32] [--database-url URL]

cvmatch under gunicorn with one uvicorn worker on MariaDB (a scratch database,
migrated; default `mysql+aiomysql://root@127.0.0.1:3306/cvmatch_bench_read`), and in
the same run `bench.api_read_bare` (Starlette and an aiomysql pool doing the same
select on the same table, one worker). `--clients` concurrent keep-alive httpx
clients read a set of finished jobs for `--seconds` per measurement, after a warm-up;
the two servers take turns, each run in the other order. Reports requests per second
and p50/p99 latency per path and server (medians over the runs), and cvmatch's
throughput as a share of the bare handler's. Rate limiting is off (it would answer
429 to one client this fast); everything else runs as configured by default.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.push_common import percentiles
from tests.socket.server import register
from tests.support import database as db
from tests.support import processes

DEFAULT_URL = "mysql+aiomysql://root@127.0.0.1:3306/cvmatch_bench_read"
JOBS = 40
WARMUP_SECONDS = 1.5


def _bare(url: str, folder: Path) -> processes.Process:
    port = processes.free_port()
    env = processes.app_env(database_url=url, folder=folder, BARE_DATABASE_URL=url)
    command = [sys.executable, "-m", "gunicorn", "bench.api_read_bare:app", "-w", "1",
               "-k", "api.serve.Worker", "-b", f"127.0.0.1:{port}"]  # fmt: skip
    proc = processes.Process(command, env, folder / "bare.log", group=True)
    proc.url = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{proc.url}/health", timeout=2).status_code == 200:  # type: ignore[attr-defined]
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"the bare server did not start: {proc.tail()}")


async def _seed(http: httpx.AsyncClient) -> tuple[str, dict[str, str], list[str]]:
    """A user with JOBS finished short jobs: (user id, auth headers, job ids)."""
    user_id, token = await register(http)
    headers = {"Authorization": f"Bearer {token}"}
    ids = []
    for n in range(JOBS):  # distinct params: identical active jobs are refused
        resp = await http.post(
            "/api/v1/jobs",
            json={"pipeline": "sleep", "params": {"seconds": 0.01, "steps": n + 1}},
            headers=headers,
        )
        assert resp.status_code in (201, 202), resp.text
        ids.append(resp.json()["id"])
    for _ in range(300):
        page = (await http.get("/api/v1/jobs?limit=100", headers=headers)).json()["items"]
        if all(job["status"] == "succeeded" for job in page):
            return user_id, headers, ids
        await asyncio.sleep(0.2)
    raise RuntimeError("the seeded jobs did not finish")


async def _load(
    base: str, paths: list[str], headers: dict[str, str], seconds: float, clients: int
) -> dict[str, Any]:
    """`clients` keep-alive clients reading `paths` in turn for `seconds` (after a
    warm-up); one httpx client and connection each (a shared pool of 32 is slower than
    the servers measured)."""
    latencies: list[float] = []
    errors = 0

    async def client(http: httpx.AsyncClient, start: int, until: float, record: bool) -> None:
        nonlocal errors
        n = start
        while time.monotonic() < until:
            began = time.perf_counter()
            resp = await http.get(paths[n % len(paths)])
            n += 1
            if record:
                latencies.append((time.perf_counter() - began) * 1000)
                errors += resp.status_code != 200

    https = [httpx.AsyncClient(base_url=base, headers=headers, timeout=30) for _ in range(clients)]
    try:
        warm = time.monotonic() + WARMUP_SECONDS
        await asyncio.gather(*(client(h, i, warm, False) for i, h in enumerate(https)))
        began = time.monotonic()
        until = began + seconds
        await asyncio.gather(*(client(h, i, until, True) for i, h in enumerate(https)))
        elapsed = time.monotonic() - began
    finally:
        await asyncio.gather(*(h.aclose() for h in https))
    return {"rps": len(latencies) / elapsed, "errors": errors, **percentiles(latencies)}


async def bench(url: str, folder: Path, seconds: float, runs: int, clients: int) -> dict[str, Any]:
    env = processes.app_env(database_url=url, folder=folder, RATE_LIMIT_ENABLED="false",
                            ENABLE_TEST_PIPELINES="true")  # fmt: skip
    server = processes.Server(env, folder / "cvmatch.log", workers=1, group=True)
    bare: processes.Process | None = None
    try:
        server.wait_healthy(120)
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            user_id, headers, ids = await _seed(http)
        bare = _bare(url, folder)
        targets: dict[str, tuple[str, dict[str, str], dict[str, list[str]]]] = {
            "cvmatch": (server.url, headers, {
                "get_job": [f"/api/v1/jobs/{i}" for i in ids], "list_jobs": ["/api/v1/jobs"],
            }),
            "bare": (bare.url, {}, {  # type: ignore[attr-defined]
                "get_job": [f"/jobs/{i}" for i in ids], "list_jobs": [f"/jobs?owner={user_id}"],
            }),
        }  # fmt: skip
        samples: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for run in range(runs):
            order = ["cvmatch", "bare"] if run % 2 == 0 else ["bare", "cvmatch"]
            for name in order:
                base, auth, paths = targets[name]
                for path_name, path_list in paths.items():
                    got = await _load(base, path_list, auth, seconds, clients)
                    samples.setdefault(path_name, {}).setdefault(name, []).append(got)
    finally:
        if bare is not None:
            bare.kill()
        server.kill()
    return {path: _summary(by_server) for path, by_server in samples.items()}


def _summary(by_server: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, runs in by_server.items():
        out[f"{name}_rps"] = round(statistics.median(r["rps"] for r in runs), 1)
        out[f"{name}_p50_ms"] = statistics.median(r["p50_ms"] for r in runs)
        out[f"{name}_p99_ms"] = statistics.median(r["p99_ms"] for r in runs)
        out[f"{name}_errors"] = sum(r["errors"] for r in runs)
    out["cvmatch_share_of_bare"] = round(out["cvmatch_rps"] / out["bare_rps"], 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    if not db.is_mysql(args.database_url):
        parser.error("--database-url must be a MariaDB/MySQL URL")
    db.run(db.recreate_mysql_database(args.database_url))
    db.migrate(args.database_url)
    folder = Path(tempfile.mkdtemp(prefix="api-read-bench-"))
    figures = asyncio.run(bench(args.database_url, folder, args.seconds, args.runs, args.clients))
    print(json.dumps({"bench": "api_read", "clients": args.clients, "runs": args.runs,
                      "seconds": args.seconds, **figures}))  # fmt: skip


if __name__ == "__main__":
    main()
