"""Run one claimed unit: the thread-safe ctx, the bridge to the loop, the final write.

Pipeline code runs in the executor thread and only calls `ctx` (`context.Context`).
Every ctx call is handed to the loop with `call_soon_threadsafe`; a task on the loop flushes what
accumulated every FLUSH_SECONDS in one transaction (see `unit_io`). A unit that
succeeded hands its last writes to the process's `Finisher`, which writes many units
(and ends their jobs) in one transaction; other outcomes are written here. The stop flag
that `ctx.cancelled()` reads is set by the dispatcher (cancel, job failure or timeout,
shutdown); pipeline code checks it between its units of work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.core import prometheus
from api.entity.job import Job, JobUnit
from api.jobs.engine import completion, context
from api.jobs.engine import eventlog as events
from api.jobs.engine.finisher import Finisher
from api.jobs.engine.offload import ProcessOffload
from api.jobs.engine.queue import JobQueue
from api.jobs.engine.retry import is_retryable, retrying
from api.jobs.engine.types import Claim, Outcome, Pending
from api.jobs.engine.unit_io import write_outcome, write_pending
from pipeline.contract import JSON, UnitError

logger = logging.getLogger(__name__)

FLUSH_SECONDS = 0.1
#: events a client waits for (`job.log`, `job.file`...) are flushed after at most this
#: long; progress, results and checkpoints alone wait for FLUSH_SECONDS
EVENT_FLUSH_SECONDS = 0.02
_URGENT = frozenset({"log", "emit"})
PROGRESS_EVENT_SECONDS = 0.25  # at most ~4 job.progress events per second per job


@dataclass
class UnitRuntime:
    """What every unit run in this process shares: sessions, threads, lease identity."""

    queue: JobQueue
    sessionmaker: async_sessionmaker[AsyncSession]
    executor: Executor
    worker_id: str
    lease_seconds: float
    progress_gate: dict[str, float]
    #: where `ctx.offload` runs CPU-heavy steps; None runs them in the unit's thread
    offload: ProcessOffload | None = None
    #: how soon a unit's events reach the database and the bus (EVENT_FLUSH_MS)
    event_flush_seconds: float = EVENT_FLUSH_SECONDS
    #: writes succeeded units in batches; None writes each unit in its own transaction
    finisher: Finisher | None = None

    def progress_due(self, job_id: str) -> bool:
        now = time.monotonic()
        if now - self.progress_gate.get(job_id, 0.0) < PROGRESS_EVENT_SECONDS:
            return False
        self.progress_gate[job_id] = now
        return True


def classify(exc: BaseException) -> Outcome:
    """Transient errors retry with backoff; everything else fails the unit at once."""
    if isinstance(exc, UnitError):
        return Outcome("retry" if exc.transient else "failed", exc.code, exc.detail)
    if is_retryable(exc):
        return Outcome("retry", "DB_UNAVAILABLE", "the database was unavailable")
    if isinstance(exc, ValueError):
        return Outcome("failed", "INVALID_INPUT", str(exc)[:500])
    logger.error("unit raised an unexpected error", exc_info=exc)
    return Outcome("failed", "INTERNAL_ERROR", "an unexpected error stopped the unit")


class UnitRun:
    """One claimed unit from prepare to its final state."""

    def __init__(self, runtime: UnitRuntime, claim: Claim) -> None:
        self.runtime = runtime
        self.claim = claim
        self.loop = asyncio.get_running_loop()
        self.ctx = context.Context(claim, self._post, runtime.offload)
        self._items: list[tuple[str, Any]] = []
        self._pending = Pending()
        self._done = asyncio.Event()
        self._urgent = asyncio.Event()
        self.lease_lost = False

    def _post(self, item: tuple[str, Any]) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is gone: the process is ending
            # `_append` reads `self._items` when it runs: a flush may have swapped the list
            self.loop.call_soon_threadsafe(self._append, item)

    def _append(self, item: tuple[str, Any]) -> None:
        self._items.append(item)
        if item[0] in _URGENT:
            self._urgent.set()

    def stop(self, reason: str) -> None:
        if self.ctx.stop_reason is None or reason == "shutdown":
            self.ctx.stop_reason = reason

    async def execute(self) -> None:
        flusher = asyncio.create_task(self._flush_loop())
        try:
            outcome = await self._run()
        finally:
            self._done.set()
            self._urgent.set()  # wake the flusher now
            await flusher
        self._absorb()
        await self._finish(outcome)

    async def _run(self) -> Outcome:
        job_type = self.runtime.queue.types.get(self.claim.pipeline)
        if job_type is None:
            return Outcome("failed", "UNKNOWN_PIPELINE", "the pipeline is not installed")
        try:
            payload = await self._prepare()
            await asyncio.wrap_future(
                self.runtime.executor.submit(
                    prometheus.timed(job_type.pipeline.run_unit, self.claim.pipeline, "unit"),
                    payload,
                    self.ctx,
                )
            )
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            return self._limited(classify(exc))
        reason = self.ctx.stop_reason if self.ctx.observed_stop else None
        if reason == "shutdown":
            return Outcome("release")
        if reason == "lost":
            return Outcome("lost")
        if reason is not None:
            return Outcome("cancelled")
        return Outcome("succeeded")

    def _limited(self, outcome: Outcome) -> Outcome:
        if outcome.kind != "retry":
            return outcome
        if self.claim.attempt >= self.claim.max_attempts:
            return Outcome("failed", outcome.code, outcome.detail)
        return Outcome("retry", outcome.code, outcome.detail, min(0.5 * 2**self.claim.attempt, 60))

    async def _prepare(self) -> JSON:
        payload = self.claim.payload
        hook = self.runtime.queue.types.prepare_hook(self.claim.pipeline)
        if hook is None:
            return payload
        async with self.runtime.sessionmaker() as session:
            job = await session.get(Job, self.claim.job_id)
            unit = await session.get(JobUnit, self.claim.unit_id)
            assert job is not None and unit is not None
            return await hook(session, job, unit, dict(payload))

    def _absorb(self) -> None:
        items, self._items = self._items, []
        pending = self._pending
        for kind, value in items:
            if kind == "report":
                pending.progress = value
            elif kind == "result":
                pending.results[value[0]] = value[1]
            elif kind == "checkpoint":
                pending.checkpoint = value
            elif kind == "log":
                pending.drafts.append(
                    events.Draft("job.log", message=value[1], data={"level": value[0]})
                )
            elif kind == "emit":
                pending.drafts.append(events.Draft(value[0], data=value[1]))

    async def _flush_loop(self) -> None:
        """Flush every FLUSH_SECONDS, or `event_flush_seconds` after an event arrived; what
        arrives while a flush runs goes in the next one (one transaction per batch)."""
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._urgent.wait(), max(0.0, last + FLUSH_SECONDS - loop.time())
                )
            if self._done.is_set():  # the unit's last write takes what is left
                return
            if self._urgent.is_set():  # batch what follows closely, then go
                await asyncio.sleep(max(0.0, last + self.runtime.event_flush_seconds - loop.time()))
            self._urgent.clear()
            last = loop.time()
            self._absorb()
            if not self._pending.empty():
                try:
                    await retrying(self._flush, what=f"flush unit {self.claim.unit_id}")
                except Exception:
                    logger.exception("flushing unit %s failed; kept for later", self.claim.unit_id)

    async def _flush(self) -> None:
        published = await self._write(None)
        await self.runtime.queue.publisher.events(published)

    async def _write(self, outcome: Outcome | None) -> list[dict[str, Any]]:
        """One transaction: pending writes (+ the outcome); clears pending on commit."""
        pending, claim = self._pending, self.claim
        async with self.runtime.sessionmaker() as session:
            progress_event = pending.progress is not None and (
                (outcome is not None and outcome.kind in ("release", "retry"))
                or self.runtime.progress_due(claim.job_id)
            )
            published = await write_pending(
                session,
                job_id=claim.job_id,
                unit_id=claim.unit_id,
                worker_id=self.runtime.worker_id,
                attempt=claim.attempt,
                pending=pending,
                progress_event=progress_event,
                lease_seconds=self.runtime.lease_seconds,
            )
            if published is not None and outcome is not None:
                owned = await write_outcome(
                    session,
                    job_id=claim.job_id,
                    unit_id=claim.unit_id,
                    worker_id=self.runtime.worker_id,
                    attempt=claim.attempt,
                    outcome=outcome,
                )
                published = published if owned else None
            if published is None:
                await session.rollback()
                self.lease_lost = True
                self.stop("lost")
                self._pending = Pending()
                return []
            await session.commit()
        self._pending = Pending()
        return published

    async def _finish(self, outcome: Outcome) -> None:
        if outcome.kind == "lost":
            logger.warning("unit %s lost its lease; another run owns it", self.claim.unit_id)
            return
        if outcome.kind == "succeeded" and self.runtime.finisher is not None:
            verdict = await self.runtime.finisher.finish(self.claim, self._pending)
            if verdict != "alone":
                self._pending = Pending()
                if verdict == "lost":
                    self.lease_lost = True
                    logger.warning(
                        "unit %s lost its lease; another process owns it", self.claim.unit_id
                    )
                elif verdict == "finish":
                    await self._finish_job()
                return
        published = await retrying(
            lambda: self._write(outcome), what=f"finish unit {self.claim.unit_id}", attempts=10
        )
        await self.runtime.queue.publisher.events(published)
        if self.lease_lost:
            logger.warning("unit %s lost its lease; another process owns it", self.claim.unit_id)
            return
        if outcome.kind == "failed":
            await self.runtime.queue.publisher.job_changed(self.claim.job_id)
        if outcome.kind in ("succeeded", "failed", "cancelled"):
            await self._finish_job()

    async def _finish_job(self) -> None:
        async with self.runtime.sessionmaker() as session:
            await retrying(
                lambda: completion.finish_job_if_done(
                    session=session, queue=self.runtime.queue, job_id=self.claim.job_id
                ),
                what=f"finish job {self.claim.job_id}",
            )
