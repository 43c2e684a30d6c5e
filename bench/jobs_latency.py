"""Pickup latency, submit -> `running`, in the same process and in another process.

    python -m bench.jobs_latency [--samples 50]
        [--database-url mysql+aiomysql://root@127.0.0.1:3306/cvmatch_bench_jobs]
        [--redis-url redis://127.0.0.1:6379/13]

Same process: a dispatcher runs here; the clock stops at the local `job.status running`
event. Cross process: a `python -m api.worker` runs the units, woken through Redis; the
clock stops when its `running` event arrives here through Redis. The worker polls every
second (`JOB_POLL_SECONDS=1`), so the figures show the wake-up, not the poll.
Prints one JSON line with p50/p99 in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from api import job_types, jobs
from api.config.database import create_engine, create_sessionmaker
from api.config.settings import Settings
from api.entity.user import User
from api.socket.bus import create_bus
from bench import jobs_common as common
from tests.support import database as db


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def measure(settings: Settings, samples: int, *, local: bool) -> list[float]:
    engine = create_engine(settings)
    sessions = create_sessionmaker(engine)
    await db.truncate_all(engine)
    owner_id = await common.make_owner(engine)
    bus = create_bus(settings.redis_url)
    await bus.start()
    executor = ThreadPoolExecutor(max_workers=4)
    running: dict[str, float] = {}
    seen = asyncio.Event()

    def on_event(event: dict[str, Any]) -> None:
        if event["type"] == "job.status" and event["status"] == "running":
            running[event["job_id"]] = time.perf_counter()
            seen.set()

    bus.subscribe("jobs", on_event)
    queue = jobs.JobQueue(
        settings=settings.model_copy(update={"enable_dispatcher": local}),
        types=job_types.installed(settings),
        bus=bus,
    )
    dispatcher = await jobs.start_dispatcher(queue=queue, sessionmaker=sessions, executor=executor)
    workers = (
        []
        if local
        else common.start_workers(
            settings.database_url, 1, redis_url=settings.redis_url, job_poll_seconds=1.0
        )
    )
    latencies: list[float] = []
    try:
        if workers:
            await common.wait_workers(engine, 1)
            await asyncio.sleep(1.0)  # the worker's Redis subscription is up
        async with sessions() as session:
            owner = await session.get(User, owner_id)
            assert owner is not None
            for i in range(samples):
                seen.clear()
                started = time.perf_counter()
                job, _ = await jobs.submit_job(
                    session=session,
                    queue=queue,
                    owner=owner,
                    pipeline="sleep",
                    params={"seconds": 0.0, "steps": 1 + i},
                )
                while job.id not in running:
                    await asyncio.wait_for(seen.wait(), 10)
                    seen.clear()
                latencies.append((running[job.id] - started) * 1000)
                await asyncio.sleep(0.05)
    finally:
        common.stop_workers(workers)
        await jobs.stop_dispatcher(queue=queue, dispatcher=dispatcher)
        await bus.stop()
        executor.shutdown(wait=False)
        await engine.dispose()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=common.DEFAULT_URL)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--samples", type=int, default=50)
    args = parser.parse_args()
    common.prepare_database(args.database_url)
    base = Settings(
        database_url=args.database_url,
        environment="test",
        enable_test_pipelines=True,
        _env_file=None,  # type: ignore[call-arg]
    )
    same = asyncio.run(measure(base, args.samples, local=True))
    remote = base.model_copy(update={"redis_url": args.redis_url})
    cross = asyncio.run(measure(remote, args.samples, local=False))
    figures = {
        "bench": "jobs_latency",
        "samples": args.samples,
        "same_process_ms": {
            "p50": round(statistics.median(same), 1),
            "p99": round(percentile(same, 0.99), 1),
        },
        "cross_process_redis_ms": {
            "p50": round(statistics.median(cross), 1),
            "p99": round(percentile(cross, 0.99), 1),
        },
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
