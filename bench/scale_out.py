"""CVs per second of one screening with 3 worker processes vs 1, on MariaDB and Redis.

    python -m bench.scale_out [--count 600] [--runs 3] [--workers 1 3]
        [--database-url mysql+aiomysql://root@127.0.0.1:3306/cvmatch_bench_scale_out]

The several-host layout on one machine: one API process that runs no units
(`ENABLE_DISPATCHER=false`) and N `python -m api.worker` processes, all sharing MariaDB,
Redis and the upload folder, every process with default settings. The CVs (generated
one- and two-page PDFs, as in bench.e2e_screening) are uploaded once; each run starts N
workers, screens all the CVs against a new posting and times it from the request to
the job's end, then stops the workers. Prints one JSON line: CVs per second for each
worker count (median of the runs), the most workers again with one pipeline process
each (`PIPELINE_PROCESSES=1`: `auto` gives every worker a pool of one process per core,
so three workers on two cores run six), and the 3-worker / 1-worker ratio. On 2 cores the
workers and MariaDB share the same CPUs: the figure shows that one job spreads over
processes without losing anything, not linear scaling.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy.ext.asyncio import create_async_engine

from bench import jobs_common as common
from bench.e2e_screening import make_cvs, screen, upload
from bench.intake_common import login, prepare_database
from tests.support import processes
from tests.support.services import DEFAULT_REDIS_URL

DEFAULT_URL = common.DEFAULT_URL.replace("cvmatch_bench_jobs", "cvmatch_bench_scale_out")


async def wait_workers(url: str, count: int) -> None:
    engine = create_async_engine(url)
    try:
        await common.wait_workers(engine, count, within=120)
    finally:
        await engine.dispose()


def one_run(
    env: dict[str, str], base: str, headers: dict[str, str], file_ids: list[str], workers: int
) -> float:
    """CVs/s of one screening with `workers` worker processes started for it."""
    started = [processes.worker(env, None) for _ in range(workers)]
    try:
        asyncio.run(wait_workers(env["DATABASE_URL"], workers))
        begin = time.perf_counter()
        job = screen(base, headers, file_ids)
        seconds = time.perf_counter() - begin
        assert job["status"] == "succeeded", job
        return len(file_ids) / seconds
    finally:
        for worker in started:
            worker.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--count", type=int, default=600)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 3])
    args = parser.parse_args()
    prepare_database(args.database_url)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = processes.app_env(
            database_url=args.database_url, folder=folder, REDIS_URL=args.redis_url,
            LOG_LEVEL="WARNING",
        )  # fmt: skip
        server = processes.Server(
            {**env, "ENABLE_DISPATCHER": "false"}, None,
            options=["--log-level", "warning", "--no-access-log"],
        )  # fmt: skip
        try:
            server.wait_healthy(600)
            headers = login(server.url)
            (folder / "cvs").mkdir()
            cvs = make_cvs(folder / "cvs", args.count)
            file_ids = [
                file_id
                for start in range(0, len(cvs), 200)
                for file_id in upload(server.url, headers, cvs[start : start + 200])
            ]
            figures: dict[str, object] = {"bench": "scale_out", "cvs": len(file_ids)}
            for count in args.workers:
                rates = [
                    one_run(env, server.url, headers, file_ids, count) for _ in range(args.runs)
                ]
                figures[f"workers_{count}_cvs_per_s"] = round(statistics.median(rates), 1)
            if max(args.workers) > 1:  # the same, each worker with one pipeline process
                most, single = max(args.workers), {**env, "PIPELINE_PROCESSES": "1"}
                rates = [
                    one_run(single, server.url, headers, file_ids, most) for _ in range(args.runs)
                ]
                figures[f"workers_{most}_one_pool_process_cvs_per_s"] = round(
                    statistics.median(rates), 1
                )
        finally:
            server.stop()
    one, three = figures.get("workers_1_cvs_per_s"), figures.get("workers_3_cvs_per_s")
    if isinstance(one, float) and isinstance(three, float):
        figures["workers_3_over_1"] = round(three / one, 2)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
