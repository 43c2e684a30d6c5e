"""A process that only runs jobs: `python -m api.worker` (no HTTP).

It claims units like the dispatcher inside every API process. SIGTERM or SIGINT
stops claiming, gives running units `GRACEFUL_TIMEOUT_SECONDS` to checkpoint, then
releases their leases so another process resumes them.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from concurrent.futures import ThreadPoolExecutor

from api import __version__, job_types, jobs
from api.config.database import create_engine, create_sessionmaker
from api.config.logging_config import configure_logging
from api.config.settings import Settings, get_settings
from api.socket.bus import create_bus

logger = logging.getLogger(__name__)


async def run(settings: Settings) -> None:
    engine = create_engine(settings)
    executor = ThreadPoolExecutor(
        max_workers=max(settings.executor_threads, settings.unit_concurrency),
        thread_name_prefix="cvmatch-unit",
    )
    bus = create_bus(settings.redis_url)
    await bus.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    queue = jobs.JobQueue(
        settings=settings.model_copy(update={"enable_dispatcher": True}),
        types=job_types.installed(settings),  # the same job types as the API processes
        bus=bus,
    )
    sessionmaker = create_sessionmaker(engine)
    dispatcher = await jobs.start_dispatcher(
        queue=queue, sessionmaker=sessionmaker, executor=executor
    )
    scheduler = jobs.start_scheduler(
        queue=queue, sessionmaker=sessionmaker, schedules=job_types.schedules(settings)
    )
    logger.info("cvmatch worker %s ready", __version__)
    try:
        await stop.wait()
        logger.info("stopping: finishing or releasing running units")
    finally:
        await jobs.stop_scheduler(scheduler)
        await jobs.stop_dispatcher(queue=queue, dispatcher=dispatcher)
        await bus.stop()
        executor.shutdown(wait=False, cancel_futures=True)
        await engine.dispose()


def main() -> None:
    settings = get_settings()
    configure_logging(settings)
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()
