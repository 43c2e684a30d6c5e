"""The dispatcher: claims units and runs them, in every API process and in `api.worker`.

One asyncio task claims units in batches (up to twice `worker_concurrency` held, at
most `worker_concurrency` running on the executor; it claims once at least
`worker_concurrency` places are free, so batches stay large under load), woken at
once by a local submit (an asyncio.Event set through the bus's local delivery), by
Redis for submits in other processes, or by the `job_poll_seconds` poll. Succeeded
units are written in batches by the `Finisher`. A heartbeat task writes this process's
heartbeat on its own timing (`recovery.Heartbeat`), until the very end of a graceful
stop. A maintenance task, every `min(LEASE_SECONDS/3, WORKER_DEAD_SECONDS/5, 2 s)`,
renews leases, re-queues the units of dead processes (`recovery.requeue_lost`), fails
timed-out jobs and finishes jobs whose finisher died. A control task refreshes the
stop flag of running units from the database every CONTROL_SECONDS, or at once on a
control message.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.entity.job import Job
from api.jobs.engine import claims, completion, recovery
from api.jobs.engine.bus import CONTROL_CHANNEL, WAKEUP_CHANNEL
from api.jobs.engine.finisher import Finisher
from api.jobs.engine.offload import ProcessOffload
from api.jobs.engine.queue import JobQueue
from api.jobs.engine.retry import retrying
from api.jobs.engine.runner import UnitRun, UnitRuntime
from api.jobs.engine.types import Claim

logger = logging.getLogger(__name__)

CONTROL_SECONDS = 0.5
#: how often a process deletes heartbeat rows of long-dead processes
FORGET_SECONDS = 60.0


class Dispatcher:
    """Claims and runs units in this process, with the settings of `queue`."""

    def __init__(
        self,
        *,
        queue: JobQueue,
        sessionmaker: async_sessionmaker[AsyncSession],
        executor: Executor,
    ) -> None:
        settings = queue.settings
        self.queue = queue
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.concurrency = settings.unit_concurrency
        self.runtime = UnitRuntime(
            queue=queue,
            sessionmaker=sessionmaker,
            executor=executor,
            worker_id=claims.new_worker_id(),
            lease_seconds=settings.lease_seconds,
            progress_gate={},
            offload=ProcessOffload(settings.pipeline_process_count)
            if settings.pipeline_process_count
            else None,
            event_flush_seconds=settings.event_flush_ms / 1000,
        )
        self.runtime.finisher = Finisher(
            queue=queue,
            sessionmaker=sessionmaker,
            worker_id=self.runtime.worker_id,
            progress_due=self.runtime.progress_due,
        )
        self.heartbeat = recovery.Heartbeat(
            sessionmaker=sessionmaker,
            worker_id=self.runtime.worker_id,
            dead_seconds=settings.worker_dead_seconds,
        )
        self.runs: dict[tuple[int, int], tuple[UnitRun, asyncio.Task[None]]] = {}
        self.ready: deque[Claim] = deque()
        self._wake = asyncio.Event()
        self._control = asyncio.Event()
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []
        self._beating: asyncio.Task[None] | None = None
        self._forget_at = 0.0
        self._unsubscribe: list[Callable[[], None]] = []

    @property
    def worker_id(self) -> str:
        return self.runtime.worker_id

    def held(self) -> list[int]:
        """Units this process holds a lease on: running and claimed-but-waiting."""
        return [*(uid for uid, _ in self.runs), *(claim.unit_id for claim in self.ready)]

    def wake(self, _message: dict[str, Any] | None = None) -> None:
        self._wake.set()

    def _on_control(self, _message: dict[str, Any]) -> None:
        self._control.set()

    async def start(self) -> None:
        self._unsubscribe = [
            self.queue.bus.subscribe(WAKEUP_CHANNEL, self.wake),
            self.queue.bus.subscribe(CONTROL_CHANNEL, self._on_control),
        ]
        for name, loop in (
            ("claim", self._claim_loop),
            ("maintain", self._maintain_loop),
            ("control", self._control_loop),
        ):
            self._tasks.append(asyncio.create_task(self._guard(name, loop), name=f"jobs-{name}"))
        self._beating = asyncio.create_task(
            self._guard("heartbeat", self._heartbeat_loop), name="jobs-heartbeat"
        )
        if self.runtime.offload is not None:
            self.runtime.offload.warm()  # the first screening need not wait for the pool
        logger.info("dispatcher %s started (concurrency %s)", self.worker_id, self.concurrency)

    async def _guard(self, name: str, loop: Callable[[], Awaitable[None]]) -> None:
        """Keep a loop alive across unexpected errors (database down, ...)."""
        while not self._stopping or name == "heartbeat":
            try:
                await loop()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("dispatcher %s loop failed; restarting", name)
                await asyncio.sleep(1.0)

    # --- claiming and running ---------------------------------------------------------------

    async def _claim_loop(self) -> None:
        while not self._stopping:
            self._wake.clear()
            room = 2 * self.concurrency - len(self.runs) - len(self.ready)
            got: list[Claim] = []
            if room >= self.concurrency:  # claim in batches, before the ready queue runs dry
                got = await self._claim(room)
                self.ready.extend(got)
            self._start_ready()
            if room >= self.concurrency and len(got) == room:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.job_poll_seconds)

    async def _claim(self, limit: int) -> list[Claim]:
        async def attempt() -> tuple[list[Claim], list[dict[str, Any]]]:
            async with self.sessionmaker() as session:
                return await claims.claim_units(
                    session,
                    worker_id=self.worker_id,
                    limit=limit,
                    lease_seconds=self.settings.lease_seconds,
                )

        got, published = await retrying(attempt, what="claim")
        await self.queue.publisher.events(published)
        return got

    def _start_ready(self) -> None:
        while self.ready and len(self.runs) < self.concurrency and not self._stopping:
            claim = self.ready.popleft()
            run = UnitRun(self.runtime, claim)
            task = asyncio.create_task(run.execute(), name=f"unit-{claim.unit_id}")
            key = (claim.unit_id, claim.attempt)
            self.runs[key] = (run, task)
            task.add_done_callback(functools.partial(self._finished, key))

    def _finished(self, key: tuple[int, int], task: asyncio.Task[None]) -> None:
        self.runs.pop(key, None)
        if not task.cancelled() and task.exception() is not None:
            logger.error("unit %s runner failed", key[0], exc_info=task.exception())
        if not self._stopping:
            self._start_ready()
            self._wake.set()

    # --- control: cancel / failure flags ----------------------------------------------------

    async def _control_loop(self) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._control.wait(), CONTROL_SECONDS)
            self._control.clear()
            if self.runs:
                await self._refresh_flags()

    async def _refresh_flags(self) -> None:
        job_ids = {run.claim.job_id for run, _ in self.runs.values()}
        async with self.sessionmaker() as session:
            rows = (
                await session.execute(
                    select(Job.id, Job.cancel_requested, Job.error_code).where(Job.id.in_(job_ids))
                )
            ).all()
        flags = {job_id: "cancel" if cancel else "failed" for job_id, cancel, code in rows
                 if cancel or code}  # fmt: skip
        for run, _ in list(self.runs.values()):
            reason = flags.get(run.claim.job_id)
            if reason is not None:
                run.stop(reason)

    # --- maintenance: leases, heartbeat, recovery -------------------------------------------

    async def _heartbeat_loop(self) -> None:
        while True:  # cancelled at the end of `stop`, once no unit runs here any more
            await self.heartbeat.beat(running=len(self.runs))
            await asyncio.sleep(self.heartbeat.every)

    async def _maintain_loop(self) -> None:
        settings = self.settings
        interval = min(settings.lease_seconds / 3, settings.worker_dead_seconds / 5, 2.0)
        while not self._stopping:
            await self.maintain()
            await asyncio.sleep(interval)

    async def maintain(self) -> None:
        """One round: renew, re-queue lost units, time out, finish stuck jobs."""
        async with self.sessionmaker() as session:
            await retrying(
                lambda: claims.renew_leases(
                    session, worker_id=self.worker_id, unit_ids=self.held(),
                    lease_seconds=self.settings.lease_seconds,
                ),
                what="renew leases",
            )  # fmt: skip
            await retrying(
                lambda: claims.renew_finalize_claims(
                    session, job_ids=sorted(completion.FINALIZING),
                    lease_seconds=self.settings.lease_seconds,
                ),
                what="renew finalize claims",
            )  # fmt: skip
        async with self.sessionmaker() as session:
            failed = await retrying(
                lambda: recovery.requeue_lost(
                    session, dead_seconds=self.heartbeat.dead_after(), alive=self.worker_id
                ),
                what="requeue",
            )
            timed_out = await retrying(lambda: claims.expire_timeouts(session), what="timeouts")
            stuck = await claims.stuck_jobs(session)
            await self._forget_dead(session)
        for job_id in {*failed, *timed_out}:
            await self.queue.publisher.job_changed(job_id)
        for job_id in {*failed, *timed_out, *stuck}:
            async with self.sessionmaker() as session:
                await completion.finish_job_if_done(
                    session=session, queue=self.queue, job_id=job_id
                )
        if failed or stuck:
            self._wake.set()

    async def _forget_dead(self, session: AsyncSession) -> None:
        now = asyncio.get_running_loop().time()
        if now < self._forget_at:
            return
        self._forget_at = now + FORGET_SECONDS
        await retrying(
            lambda: recovery.forget_dead(session, dead_seconds=self.settings.worker_dead_seconds),
            what="forget dead processes",
        )

    # --- shutdown ---------------------------------------------------------------------------

    async def stop(self, graceful_seconds: float | None = None) -> None:
        """Stop claiming; let running units checkpoint; release whatever is still held."""
        grace = (
            self.settings.graceful_timeout_seconds if graceful_seconds is None else graceful_seconds
        )
        self._stopping = True
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for run, _ in self.runs.values():
            run.stop("shutdown")
        held = self.held()
        pending = [task for _, task in self.runs.values()]
        if pending:
            await asyncio.wait(pending, timeout=grace)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if self.runtime.finisher is not None:
            await self.runtime.finisher.close()
        if self._beating is not None:  # beat while units checkpoint: they are not lost
            self._beating.cancel()
            await asyncio.gather(self._beating, return_exceptions=True)
        try:
            async with self.sessionmaker() as session:
                released = await claims.release_leases(
                    session, worker_id=self.worker_id, unit_ids=held
                )
                await claims.forget_worker(session, worker_id=self.worker_id)
            if released:
                logger.info("released %s units for other processes", released)
            await self.queue.publisher.wake_dispatchers()
        except Exception:
            logger.exception("releasing leases at shutdown failed; they expire on their own")
        if self.runtime.offload is not None:
            self.runtime.offload.shutdown()
        logger.info("dispatcher %s stopped", self.worker_id)
