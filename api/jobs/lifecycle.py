"""The dispatcher's (and the scheduler's) life in a process: started after the bus,
stopped before it."""

from __future__ import annotations

from concurrent.futures import Executor

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.jobs.engine.dispatcher import Dispatcher
from api.jobs.engine.queue import JobQueue
from api.jobs.schedule import Schedule, Scheduler


async def start_dispatcher(
    *,
    queue: JobQueue,
    sessionmaker: async_sessionmaker[AsyncSession],
    executor: Executor,
) -> Dispatcher | None:
    """Claim and run units in this process, when `enable_dispatcher` (else None)."""
    if not queue.settings.enable_dispatcher:
        return None
    dispatcher = Dispatcher(queue=queue, sessionmaker=sessionmaker, executor=executor)
    await dispatcher.start()
    return dispatcher


async def stop_dispatcher(*, queue: JobQueue, dispatcher: Dispatcher | None) -> None:
    """Stop the dispatcher (units checkpoint, leases go back), then stop publishing."""
    if dispatcher is not None:
        await dispatcher.stop()
    queue.close()


def start_scheduler(
    *,
    queue: JobQueue,
    sessionmaker: async_sessionmaker[AsyncSession],
    schedules: list[Schedule],
) -> Scheduler | None:
    """Submit the schedules' jobs from this process too, when it runs a dispatcher."""
    if not queue.settings.enable_dispatcher or not schedules:
        return None
    scheduler = Scheduler(queue=queue, sessionmaker=sessionmaker, schedules=schedules)
    scheduler.start()
    return scheduler


async def stop_scheduler(scheduler: Scheduler | None) -> None:
    if scheduler is not None:
        await scheduler.stop()
