"""How soon a killed worker's units are done by another: heartbeat sweep vs lease only.

    python -m bench.recovery [--runs 3] [--units 4]
        [--database-url mysql+aiomysql://root@127.0.0.1:3306/cvmatch_bench_recovery]

One run: worker A claims `--units` one-unit `sleep` jobs (6 s each, checkpointed every
0.3 s), worker B starts and idles, A gets SIGKILL once its units are 1 s in. The clock
runs from the kill until B has claimed all of A's units (`reclaimed_s`) and until every
job is `succeeded` (`done_s`). Both workers hold 30 s leases (`LEASE_SECONDS`, the
default): with the heartbeat sweep A is declared dead after `WORKER_DEAD_SECONDS` (8 s,
the default); the lease-only baseline sets it to 300 s, so only lease expiry recovers
the units. Prints one JSON line: medians of the runs, and lease-only / heartbeat.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import statistics
import time

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from api.entity.job import JobUnit
from bench import jobs_common as common
from tests.support import database as db

DEFAULT_URL = common.DEFAULT_URL.replace("cvmatch_bench_jobs", "cvmatch_bench_recovery")
SLEEP = {"seconds": 6.0, "steps": 20}
MODES = {"heartbeat": "8", "lease_only": "300"}


async def units_where(engine: AsyncEngine, *conditions: object) -> int:
    async with engine.connect() as conn:
        count = await conn.scalar(select(func.count()).select_from(JobUnit).where(*conditions))
        return int(count or 0)


async def until(check: object, within: float = 120) -> None:
    deadline = time.monotonic() + within
    while not await check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.02)


async def one_run(url: str, units: int, dead_seconds: str) -> tuple[float, float]:
    engine = create_async_engine(url)
    settings = {"lease_seconds": 30, "worker_dead_seconds": dead_seconds,
                "worker_concurrency": units, "job_poll_seconds": 0.2,
                "privacy_sweep_seconds": 0}  # fmt: skip
    workers = []
    try:
        await db.truncate_all(engine)
        owner = await common.make_owner(engine)
        workers += common.start_workers(url, 1, **settings)
        await common.wait_workers(engine, 1)
        await common.insert_jobs(engine, owner, units, pipeline="sleep", payload=SLEEP)

        async def first_holds_all() -> bool:
            return (
                await units_where(engine, JobUnit.status == "running", JobUnit.done >= 3) == units
            )

        await until(first_holds_all)
        workers += common.start_workers(url, 1, **settings)
        await common.wait_workers(engine, 2)
        workers[0].send_signal(signal.SIGKILL)
        killed = time.perf_counter()
        owner_pid = f":{workers[0].pid}:"

        async def reclaimed() -> bool:
            held = await units_where(engine, JobUnit.lease_owner.contains(owner_pid))
            return held == 0 and await units_where(engine, JobUnit.attempts == 2) == units

        await until(reclaimed)
        reclaimed_s = time.perf_counter() - killed
        await common.wait_count(engine, "succeeded", units, within=120)
        return reclaimed_s, time.perf_counter() - killed
    finally:
        common.stop_workers(workers)
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--units", type=int, default=4)
    args = parser.parse_args()
    common.prepare_database(args.database_url)
    figures: dict[str, object] = {"bench": "recovery", "runs": args.runs}
    for mode, dead in MODES.items():
        runs = [asyncio.run(one_run(args.database_url, args.units, dead)) for _ in range(args.runs)]
        figures[mode] = {
            "reclaimed_s": round(statistics.median(r for r, _ in runs), 2),
            "done_s": round(statistics.median(d for _, d in runs), 2),
        }
    heartbeat, lease = figures["heartbeat"], figures["lease_only"]
    assert isinstance(heartbeat, dict) and isinstance(lease, dict)
    figures["lease_only_over_heartbeat"] = round(lease["reclaimed_s"] / heartbeat["reclaimed_s"], 2)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
