"""The dispatcher: its settings, its bus subscriptions, running units, maintenance, stop."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from api import jobs
from api.config.database import create_engine, create_sessionmaker
from api.config.settings import Settings
from api.entity.base import utcnow
from api.entity.job import Job, WorkerHeartbeat
from api.entity.user import User
from api.jobs.engine.dispatcher import Dispatcher
from api.socket.bus import create_bus
from pipeline import registry
from tests.jobs.engine.conftest import RecordingBus, events_of, job_row, submit, units_of


async def test_the_dispatcher_takes_the_flush_delay_and_the_pool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EVENT_FLUSH_MS", "100")
    monkeypatch.setenv("PIPELINE_PROCESSES", "1")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    engine = create_engine(settings.model_copy(update={"database_url": "sqlite+aiosqlite://"}))
    dispatcher = Dispatcher(
        queue=jobs.JobQueue(settings=settings, types=[], bus=create_bus(None)),
        sessionmaker=create_sessionmaker(engine),
        executor=ThreadPoolExecutor(1),
    )
    try:
        assert dispatcher.runtime.event_flush_seconds == 0.1
        assert dispatcher.runtime.offload is not None and dispatcher.runtime.offload.processes == 1
    finally:
        assert dispatcher.runtime.offload is not None
        dispatcher.runtime.offload.shutdown()
        await engine.dispose()


def _queue(app: Any, bus: Any, **settings: Any) -> jobs.JobQueue:
    return jobs.JobQueue(
        settings=app.state.settings.model_copy(update=settings),
        types=[jobs.JobType(registry.PIPELINES["sleep"])],
        bus=bus,
    )


async def _until(predicate: Any, within: float = 30.0) -> None:
    """Wait for `predicate()` (an async check); fail if it never holds."""
    deadline = asyncio.get_running_loop().time() + within
    while not await predicate():
        assert asyncio.get_running_loop().time() < deadline, "the condition never held"
        await asyncio.sleep(0.05)


async def test_a_dispatcher_listens_on_the_bus_only_while_it_runs(
    app: Any, engine_queue: jobs.JobQueue
) -> None:
    bus = RecordingBus()
    dispatcher = Dispatcher(
        queue=_queue(app, bus), sessionmaker=app.state.sessionmaker, executor=app.state.executor
    )
    await dispatcher.start()
    try:
        assert {channel: len(handlers) for channel, handlers in bus.handlers.items()} == {
            "wakeup": 1,
            "job-control": 1,
        }
    finally:
        await dispatcher.stop(graceful_seconds=0)
    assert {channel: len(handlers) for channel, handlers in bus.handlers.items()} == {
        "wakeup": 0,
        "job-control": 0,
    }
    assert bus.on("wakeup") == [{}]  # stopping hands its released units to the others


async def test_a_dispatcher_runs_units_and_gives_them_back_when_it_stops(
    app: Any, engine_queue: jobs.JobQueue, owner: User
) -> None:
    bus = RecordingBus()
    queue = _queue(app, bus, job_poll_seconds=0.05)
    quick = await submit(app, queue, owner, pipeline="sleep", seconds=0, steps=1)
    slow = await submit(app, queue, owner, pipeline="sleep", seconds=60, steps=600)
    dispatcher = Dispatcher(
        queue=queue, sessionmaker=app.state.sessionmaker, executor=app.state.executor
    )
    await dispatcher.start()
    try:

        async def quick_done_slow_running() -> bool:
            units = await units_of(app, slow.id)
            return (await job_row(app, quick.id)).status == "succeeded" and bool(units[0].done)

        await _until(quick_done_slow_running)
    finally:
        await dispatcher.stop(graceful_seconds=10)
    (unit,) = await units_of(app, slow.id)
    assert (unit.status, unit.attempts, unit.lease_owner) == ("queued", 0, None)
    assert unit.checkpoint is not None and unit.checkpoint["step"] >= 1  # resumes from there
    async with app.state.sessionmaker() as session:
        assert list(await session.scalars(select(WorkerHeartbeat.id))) == []
    assert [e.status for e in await events_of(app, quick.id) if e.type == "job.status"] == [
        "queued", "running", "succeeded",
    ]  # fmt: skip


async def test_maintenance_ends_a_job_past_its_time_limit(
    app: Any, engine_queue: jobs.JobQueue, owner: User
) -> None:
    bus = RecordingBus()
    queue = _queue(app, bus)
    job = await submit(app, queue, owner, pipeline="sleep", seconds=1, steps=1)
    async with app.state.sessionmaker() as session:
        started = utcnow() - timedelta(hours=2)
        await session.execute(
            update(Job).where(Job.id == job.id).values(status="running", started_at=started)
        )
        await session.commit()
    dispatcher = Dispatcher(
        queue=queue, sessionmaker=app.state.sessionmaker, executor=app.state.executor
    )
    await dispatcher.heartbeat.beat(running=0)
    await dispatcher.maintain()  # one round, without starting the loops
    ended = await job_row(app, job.id)
    assert (ended.status, ended.error_code) == ("failed", "JOB_TIMEOUT")
    assert bus.on("job-control") == [{"job_id": job.id}]
    assert [(e["type"], e["status"]) for e in bus.on("jobs")][-1] == ("job.status", "failed")
    async with app.state.sessionmaker() as session:
        beat = await session.get(WorkerHeartbeat, dispatcher.worker_id)
        assert beat is not None and beat.running_units == 0
