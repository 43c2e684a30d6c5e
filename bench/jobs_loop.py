"""Event-loop responsiveness: `/health` latency while 4 CPU-bound units run, vs idle.

    python -m bench.jobs_loop [--requests 200] [--switch-interval-ms 5]
        [--database-url mysql+aiomysql://root@127.0.0.1:3306/cvmatch_bench_jobs]

Starts `uvicorn api.main:app` with WORKER_CONCURRENCY=4 and the `spin` pipeline, then
times sequential `GET /health` calls idle and while four `spin` units burn CPU. Three
servers: units in the executor threads (default GIL switch interval, then a shorter
one), and units offloading their CPU work to PIPELINE_PROCESSES=2 pool processes.
Prints p50/p99 in ms for each and the ratio of the p99s.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time

import httpx

from bench import jobs_common as common

PASSWORD = "Correct-Horse-9"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sample(client: httpx.Client, count: int) -> list[float]:
    out = []
    for _ in range(count):
        started = time.perf_counter()
        client.get("/health").raise_for_status()
        out.append((time.perf_counter() - started) * 1000)
        time.sleep(0.005)
    return out


def figures(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered), 2),
        "p99": round(ordered[round(0.99 * (len(ordered) - 1))], 2),
    }


def start_server(
    url: str, port: int, switch_ms: float | None, processes: int = 0
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "ENVIRONMENT": "test",
        "LOG_LEVEL": "WARNING",
        "SECRET_KEY": "bench-secret-key-bench-secret-key-bench",
        "WORKER_CONCURRENCY": "4",
        "EXECUTOR_THREADS": "4",
        "ENABLE_TEST_PIPELINES": "true",
        "CVMATCH_EXTRA_PIPELINES": "bench.jobs_pipelines",
        "LOG_DIR": "/tmp/cvmatch-bench-logs",
        "PIPELINE_PROCESSES": str(processes),
    }
    code = "import sys, uvicorn; "
    if switch_ms:
        code += f"sys.setswitchinterval({switch_ms / 1000}); "
    code += f"uvicorn.run('api.main:app', port={port}, log_level='warning')"
    return subprocess.Popen([sys.executable, "-c", code], cwd=common.REPO, env=env)


def run(url: str, requests: int, switch_ms: float | None, processes: int = 0) -> dict[str, object]:
    port = free_port()
    server = start_server(url, port, switch_ms, processes)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            deadline = time.monotonic() + 120
            while True:
                try:
                    client.get("/health").raise_for_status()
                    break
                except httpx.HTTPError:
                    assert time.monotonic() < deadline, "server did not start"
                    time.sleep(0.2)
            email = f"bench{port}@example.com"
            client.post(
                "/api/v1/auth/register",
                json={"email": email, "password": PASSWORD, "full_name": "Bench"},
            )
            token = client.post(
                "/api/v1/auth/token", data={"username": email, "password": PASSWORD}
            ).json()
            auth = {"Authorization": f"Bearer {token['access_token']}"}
            idle = sample(client, requests)
            seconds = requests * 0.03 + 10
            for tag in range(4):
                client.post(
                    "/api/v1/jobs",
                    headers=auth,
                    json={"pipeline": "spin", "params": {"seconds": seconds, "tag": tag}},
                ).raise_for_status()
            time.sleep(1.0)
            busy = sample(client, requests)
            for job in client.get("/api/v1/jobs", headers=auth).json()["items"]:
                client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=auth)
    finally:
        server.terminate()
        server.wait(timeout=60)
    return {
        "idle_ms": figures(idle),
        "busy_4_cpu_units_ms": figures(busy),
        "p99_ratio": round(figures(busy)["p99"] / figures(idle)["p99"], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=common.DEFAULT_URL)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--switch-interval-ms", type=float, default=1.0)
    args = parser.parse_args()
    common.prepare_database(args.database_url)
    out: dict[str, object] = {"bench": "jobs_loop", "requests": args.requests}
    out["default_switch_interval_5ms"] = run(args.database_url, args.requests, None)
    out[f"switch_interval_{args.switch_interval_ms}ms"] = run(
        args.database_url, args.requests, args.switch_interval_ms
    )
    # the design that keeps the loop free: the units' CPU work in 2 pool processes
    out["pipeline_processes_2"] = run(args.database_url, args.requests, None, processes=2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
