"""Unit tests of the engine's internals: the test plays the worker.

`engine_queue` is the app's job queue with the app's dispatcher stopped, plus a
`t_units` job type (`{"units": n}` plans n units; a unit never runs by itself).
`RecordingBus` records what is published and can check, at publish time, that an
event is already committed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from api import jobs
from api.entity.job import Job, JobEvent, JobUnit
from api.entity.user import User
from api.jobs.engine import claims
from api.jobs.engine.types import Claim
from pipeline.contract import JSON, PipelineDef, UnitContext
from tests.conftest import UserFactory

WORKER = "test-host:1:engine"


def _plan(params: JSON) -> list[JSON]:
    return [{"unit": i} for i in range(int(params.get("units", 1)))]


def _run(payload: JSON, ctx: UnitContext) -> None:  # the test finishes units itself
    raise AssertionError("units are finished by the test")


UNITS = PipelineDef("t_units", _plan, _run, public=True, test_only=True)


class RecordingBus:
    """A bus that keeps every message, and delivers to subscribers like the real one."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.handlers: dict[str, list[Callable[[dict[str, Any]], Any]]] = {}

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        self.sent.append((channel, message))
        for handler in list(self.handlers.get(channel, [])):
            handler(message)

    def subscribe(
        self, channel: str, handler: Callable[[dict[str, Any]], Any]
    ) -> Callable[[], None]:
        self.handlers.setdefault(channel, []).append(handler)
        return lambda: self.handlers[channel].remove(handler)

    def on(self, channel: str) -> list[dict[str, Any]]:
        return [message for sent_on, message in self.sent if sent_on == channel]


@pytest.fixture
async def engine_queue(app: Any) -> jobs.JobQueue:
    await app.state.dispatcher.stop(graceful_seconds=0)  # the test is the only worker
    queue: jobs.JobQueue = app.state.job_queue
    queue.register(jobs.JobType(UNITS))
    return queue


@pytest.fixture
async def owner(app: Any, make_user: UserFactory) -> User:
    made = await make_user()
    async with app.state.sessionmaker() as session:
        user = await session.get(User, made["id"])
        assert user is not None
        return user


async def submit(
    app: Any, queue: jobs.JobQueue, owner: User, *, pipeline: str = "t_units", **params: Any
) -> Job:
    async with app.state.sessionmaker() as session:
        job, created = await jobs.submit_job(
            session=session, queue=queue, owner=owner, pipeline=pipeline, params=params
        )
        assert created
        return job


async def claim_all(app: Any, *, limit: int = 100) -> list[Claim]:
    async with app.state.sessionmaker() as session:
        got, _ = await claims.claim_units(session, worker_id=WORKER, limit=limit, lease_seconds=30)
        return got


async def job_row(app: Any, job_id: str) -> Job:
    async with app.state.sessionmaker() as session:
        job = await session.get(Job, job_id)
        assert job is not None
        return job


async def units_of(app: Any, job_id: str) -> list[JobUnit]:
    async with app.state.sessionmaker() as session:
        rows = await session.scalars(
            select(JobUnit).where(JobUnit.job_id == job_id).order_by(JobUnit.index)
        )
        return list(rows)


async def events_of(app: Any, job_id: str) -> list[JobEvent]:
    async with app.state.sessionmaker() as session:
        rows = await session.scalars(
            select(JobEvent).where(JobEvent.job_id == job_id).order_by(JobEvent.seq)
        )
        return list(rows)
