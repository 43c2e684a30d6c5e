"""The event log (seqs from the job row, one wire shape) and what the engine publishes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from api import jobs
from api.entity.job import Job
from api.entity.user import User
from api.jobs.engine import eventlog
from api.jobs.engine.bus import Publisher
from tests.jobs.engine.conftest import RecordingBus, events_of, job_row, submit


async def test_seqs_continue_each_jobs_log_without_gaps(
    app: Any, engine_queue: jobs.JobQueue, owner: User
) -> None:
    first = await submit(app, engine_queue, owner, tag=1)
    second = await submit(app, engine_queue, owner, tag=2)
    async with app.state.sessionmaker() as session:
        written = await eventlog.append_many(
            session,
            {
                first.id: [eventlog.Draft("job.log", message="a"), eventlog.Draft("job.log")],
                second.id: [eventlog.Draft("job.file", data={"file_id": "f1"})],
            },
        )
        await session.commit()
    by_job: dict[str, list[tuple[int, str]]] = {}
    for event in written:
        by_job.setdefault(event["job_id"], []).append((event["seq"], event["type"]))
    assert by_job == {first.id: [(2, "job.log"), (3, "job.log")], second.id: [(2, "job.file")]}
    assert (await job_row(app, first.id)).last_seq == 3
    assert (await job_row(app, second.id)).last_seq == 2
    stored = [eventlog.event_to_dict(ev, owner.id) for ev in await events_of(app, first.id)]
    assert stored[1:] == [e for e in written if e["job_id"] == first.id]  # one wire shape


async def test_an_event_takes_the_jobs_fields_unless_it_sets_them(
    app: Any, engine_queue: jobs.JobQueue, owner: User
) -> None:
    job = await submit(app, engine_queue, owner)
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(Job).where(Job.id == job.id).values(progress=40.0, stage="parsing", done=4)
        )
        (plain, own) = await eventlog.append(
            session,
            job.id,
            [
                eventlog.Draft("job.log", message="x" * 1500),
                eventlog.Draft("job.progress", progress=50.0, stage="scoring", done=5, total=10),
            ],
        )
        await session.commit()
    assert (plain["status"], plain["progress"], plain["stage"], plain["done"]) == (
        "queued", 40.0, "parsing", 4,
    )  # fmt: skip
    assert len(plain["message"]) == 1000 and "data" not in plain
    assert (own["progress"], own["stage"], own["done"], own["total"]) == (50.0, "scoring", 5, 10)
    assert own["owner_id"] == owner.id and own["ts"].endswith("Z")


async def test_the_snapshot_is_the_job_now_at_its_last_seq(
    app: Any, engine_queue: jobs.JobQueue, owner: User
) -> None:
    job = await submit(app, engine_queue, owner)
    snapshot = jobs.job_snapshot(await job_row(app, job.id))
    assert (snapshot["type"], snapshot["seq"], snapshot["status"]) == ("job.snapshot", 1, "queued")
    assert snapshot["data"] == {"error_code": None, "cancel_requested": False}


class FailingBus(RecordingBus):
    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        raise ConnectionError("redis is down")


async def test_the_publisher_sends_in_order_and_never_fails_its_caller(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = RecordingBus()
    publisher = Publisher(bus)
    events = [{"type": "job.log", "job_id": "j", "seq": n} for n in (1, 2, 3)]
    await publisher.events(events)
    await publisher.wake_dispatchers()
    await publisher.job_changed("j")
    assert bus.sent == [
        *(("jobs", event) for event in events), ("wakeup", {}), ("job-control", {"job_id": "j"}),
    ]  # fmt: skip
    publisher.close()
    await publisher.events(events)
    assert len(bus.sent) == 5  # closed: nothing more goes out
    await Publisher(FailingBus()).events(events)  # logged, not raised
    assert caplog.text.count("publishing on jobs failed") == 3
