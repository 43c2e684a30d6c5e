"""The dispatcher's life in a process: started after the bus, stopped before it."""

from __future__ import annotations

from concurrent.futures import Executor

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.jobs.engine.dispatcher import Dispatcher
from api.jobs.engine.queue import JobQueue


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
