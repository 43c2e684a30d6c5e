"""Flat at scale: a 20,000-CV screening on MariaDB, with default settings.

    python -m bench.scale_screening [--count 20000] [--per-request 1000]

Generates `--count` distinct PDF CVs, starts one server (uvicorn, its dispatcher and
its pipeline process pool, defaults), uploads them, screens them against one posting,
and reports:
- memory: the growth of the server's RSS plus its pool processes' (fork server
  included), from just before the screening to its peak (goal: at most 100 MB);
- pace: CVs per second over the first and the last tenth of the screening's files,
  from the job's progress (goal: the last no slower than the first, ±20%);
- listing: `GET /postings/{id}/candidates?limit=100` page by page to the end, p50/p99
  per page (goal: p99 ≤ 50 ms at any depth);
- rescoring: the posting's description changed and `POST .../rescore` run over all
  candidates, its time and the CPU the pool processes used meanwhile (0: nothing was
  parsed again).
Prints one JSON line. Not part of CI: it takes minutes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx

from bench.e2e_screening import DEFAULT_URL as E2E_URL
from bench.e2e_screening import make_cvs, upload
from bench.intake_common import login, prepare_database, start_server

DEFAULT_URL = E2E_URL.replace("cvmatch_bench_e2e", "cvmatch_bench_scale")
TERMINAL = {"succeeded", "failed", "cancelled"}


def family(pid: int) -> list[int]:
    """A process and all its descendants (the pool's fork server and workers)."""
    found = [pid]
    for child in Path(f"/proc/{pid}/task").glob("*/children"):
        for text in child.read_text().split():
            found += family(int(text))
    return found


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total / 1024


def cpu_seconds(pids: list[int]) -> float:
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / 100


class Watch:
    """Samples the job's progress and the processes' memory every 0.5 s."""

    def __init__(self, base: str, headers: dict[str, str], job_id: str, pid: int) -> None:
        self.base, self.headers, self.job_id, self.pid = base, headers, job_id, pid
        self.progress: list[tuple[float, int, int]] = []
        self.memory: list[float] = []
        self.job: dict[str, Any] = {}

    def run(self) -> dict[str, Any]:
        with httpx.Client(base_url=self.base, headers=self.headers, timeout=60) as client:
            while True:
                self.job = client.get(f"/api/v1/jobs/{self.job_id}").json()
                self.progress.append((time.perf_counter(), self.job["done"], self.job["total"]))
                self.memory.append(rss_mb(family(self.pid)))
                if self.job["status"] in TERMINAL:
                    return self.job
                time.sleep(0.5)

    def tenth_rates(self) -> tuple[float, float]:
        """CVs per second over the first and the last tenth of the files, timed from the
        first file done (start-up apart) by interpolating between the samples."""
        total = max(t for _, _, t in self.progress)
        points = [(t, d) for t, d, _ in self.progress if d > 0]

        def at(done: float) -> float:
            for (t0, d0), (t1, d1) in pairwise(points):
                if d0 <= done <= d1:
                    return t0 if d1 == d0 else t0 + (t1 - t0) * (done - d0) / (d1 - d0)
            return points[-1][0]

        tenth = total / 10
        first = at(points[0][1] + tenth) - points[0][0]
        last = at(total) - at(total - tenth)
        return tenth / max(first, 1e-3), tenth / max(last, 1e-3)


def list_all(base: str, headers: dict[str, str], posting_id: str) -> list[float]:
    times: list[float] = []
    cursor: str | None = None
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        while True:
            params: dict[str, Any] = {"limit": 100, **({"cursor": cursor} if cursor else {})}
            started = time.perf_counter()
            page = client.get(f"/api/v1/postings/{posting_id}/candidates", params=params)
            times.append((time.perf_counter() - started) * 1000)
            cursor = page.json()["next_cursor"]
            if cursor is None:
                return times


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))], 2)


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    cvs = make_cvs(workdir, args.count)
    prepare_database(args.database_url)
    server = start_server(args.database_url, workdir)
    try:
        base = server.url
        headers = login(base)
        batches = [cvs[i : i + args.per_request] for i in range(0, len(cvs), args.per_request)]
        with ThreadPoolExecutor(max_workers=4) as pool:
            ids = [i for got in pool.map(lambda b: upload(base, headers, b), batches) for i in got]
        posting = httpx.post(f"{base}/api/v1/postings", headers=headers, timeout=60, json={
            "title": "Senior Software Engineer",
            "description": "Requirements: Python, Django, PostgreSQL, Docker. 4+ years.",
        }).json()  # fmt: skip
        time.sleep(2)
        before = rss_mb(family(server.pid))
        job = httpx.post(f"{base}/api/v1/postings/{posting['id']}/screenings", headers=headers,
                         json={"file_ids": ids}, timeout=600).json()  # fmt: skip
        started = time.perf_counter()
        watch = Watch(base, headers, job["id"], server.pid)
        final = watch.run()
        screening_s = time.perf_counter() - started
        first, last = watch.tenth_rates()
        pages = list_all(base, headers, posting["id"])
        return {
            "bench": "scale_screening", "cvs": args.count, "status": final["status"],
            "screening_s": round(screening_s, 1),
            "cvs_per_s": round(args.count / screening_s, 1),
            "memory_growth_mb": round(max(watch.memory) - before, 1),
            "first_tenth_cvs_per_s": round(first, 1), "last_tenth_cvs_per_s": round(last, 1),
            "last_over_first_tenth": round(last / first, 2),
            "list_pages": len(pages), "list_ms_p50": round(statistics.median(pages), 2),
            "list_ms_p99": _pct(pages, 0.99),
            **rescore(base, headers, posting["id"], server.pid),
        }  # fmt: skip
    finally:
        server.stop()


def rescore(base: str, headers: dict[str, str], posting_id: str, pid: int) -> dict[str, Any]:
    with httpx.Client(base_url=base, headers=headers, timeout=600) as client:
        client.patch(f"/api/v1/postings/{posting_id}", json={
            "description": "Requirements: Python, FastAPI, MySQL, Kubernetes. 5+ years.",
        }).raise_for_status()  # fmt: skip
        children = [p for p in family(pid) if p != pid]
        cpu_before = cpu_seconds(children)
        started = time.perf_counter()
        job = client.post(f"/api/v1/postings/{posting_id}/rescore").json()
        while job["status"] not in TERMINAL:
            time.sleep(0.5)
            job = client.get(f"/api/v1/jobs/{job['id']}").json()
        return {
            "rescore_s": round(time.perf_counter() - started, 1),
            "rescore_status": job["status"],
            "pool_cpu_s_during_rescore": round(cpu_seconds(children) - cpu_before, 2),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--per-request", type=int, default=1000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print(json.dumps(run(args, Path(folder))))


if __name__ == "__main__":
    main()
