"""Server memory growth while one large upload streams to `POST /api/v1/files`.

Usage: python -m bench.intake_memory [--mb 50] [--runs 3]

Starts a uvicorn server (SQLite in a temporary folder; the database plays no part in
the upload path), warms it up with a small upload, then streams one `--mb` MB file
in 64 KiB chunks while sampling the server's RSS every 10 ms. Prints one JSON line:
the median and worst growth of RSS over the pre-upload level, against the goal.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from bench.intake_common import login, prepare_database, rss_bytes, start_server
from tests.support import database as db

GOAL_MB = 16
BOUNDARY = "bench-boundary-4c1e"


def body(megabytes: int, name: str) -> Iterator[bytes]:
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; '
        f'filename="{name}"\r\nContent-Type: text/plain\r\n\r\n'
    ).encode()
    line = b"Experienced engineer: Python, Django, PostgreSQL, Docker, Kubernetes.\n"
    block = line * (65536 // len(line))
    sent = 0
    while sent < megabytes * 1024 * 1024:
        yield block
        sent += len(block)
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def one_run(base: str, headers: dict[str, str], pid: int, megabytes: int, run: int) -> float:
    ctype = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", **headers}
    with httpx.Client(timeout=300) as client:
        client.post(f"{base}/api/v1/files", content=body(1, f"warm{run}.txt"), headers=ctype)
        time.sleep(0.5)
        before = rss_bytes(pid)
        peak = [before]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], rss_bytes(pid))
                time.sleep(0.01)

        sampler = threading.Thread(target=sample)
        sampler.start()
        response = client.post(
            f"{base}/api/v1/files", content=body(megabytes, f"big{run}.txt"), headers=ctype
        )
        time.sleep(0.2)
        done.set()
        sampler.join()
    response.raise_for_status()
    assert len(response.json()["items"]) == 1, response.text
    return (peak[0] - before) / (1024 * 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        url = db.sqlite_url(workdir / "bench.db")
        prepare_database(url)
        server = start_server(url, workdir, max_upload_mb=args.mb + 8, enable_dispatcher="false")
        base = server.url
        try:
            headers = login(base)
            growth = [one_run(base, headers, server.pid, args.mb, run) for run in range(args.runs)]
        finally:
            server.stop()
    print(
        json.dumps(
            {
                "bench": "intake_memory",
                "upload_mb": args.mb,
                "runs": args.runs,
                "rss_growth_mb_median": round(statistics.median(growth), 2),
                "rss_growth_mb_max": round(max(growth), 2),
                "goal_mb": GOAL_MB,
                "meets_goal": max(growth) <= GOAL_MB,
            }
        )
    )


if __name__ == "__main__":
    main()
