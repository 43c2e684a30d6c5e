"""No-op job throughput with 1 and 2 worker processes (jobs inserted beforehand).

    python -m bench.jobs_throughput [--jobs 2000] [--runs 3] [--concurrency 8 32]
        [--database-url mysql+aiomysql://root@127.0.0.1:3306/cvmatch_bench_jobs]

Workers start first and idle; the jobs are then inserted in one transaction and the
clock runs until every job is `succeeded`. Prints one JSON line: for each worker
concurrency (units in flight per process), jobs/s per process count (median of the
runs) and the 2-process/1-process ratio.

A no-op unit does no work, so with few slots each slot mostly waits for its claim and
its finishing commit; more slots put more units in each batch until the worker's CPU
is the limit. Both figures are reported: the smaller is what a CPU-bound deployment
runs with, the larger is the engine's own ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

from sqlalchemy.ext.asyncio import create_async_engine

from bench import jobs_common as common
from tests.support import database as db


async def one_run(url: str, processes: int, jobs: int, concurrency: int) -> float:
    engine = create_async_engine(url)
    try:
        await db.truncate_all(engine)
        owner = await common.make_owner(engine)
        workers = common.start_workers(
            url, processes, worker_concurrency=concurrency, executor_threads=concurrency,
            job_poll_seconds=0.05,
        )  # fmt: skip
        try:
            await common.wait_workers(engine, processes)
            await common.insert_jobs(engine, owner, jobs)
            started = time.perf_counter()
            await common.wait_count(engine, "succeeded", jobs)
            return jobs / (time.perf_counter() - started)
        finally:
            common.stop_workers(workers)
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=common.DEFAULT_URL)
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 32])
    args = parser.parse_args()
    common.prepare_database(args.database_url)
    figures: dict[str, object] = {"bench": "jobs_throughput", "jobs": args.jobs}
    for concurrency in args.concurrency:
        part: dict[str, object] = {}
        medians: dict[int, float] = {}
        for processes in (1, 2):
            rates = [
                asyncio.run(one_run(args.database_url, processes, args.jobs, concurrency))
                for _ in range(args.runs)
            ]
            medians[processes] = statistics.median(rates)
            part[f"jobs_per_s_{processes}p"] = round(medians[processes], 1)
            part[f"runs_{processes}p"] = [round(r, 1) for r in rates]
        part["ratio_2p_vs_1p"] = round(medians[2] / medians[1], 2)
        figures[f"concurrency_{concurrency}"] = part
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
