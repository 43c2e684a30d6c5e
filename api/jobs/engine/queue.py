"""The job engine as one process sees it: its job types, its bus, its settings.

`api.main` and `api.worker` make one `JobQueue` at start-up and hand it to the
dispatcher and to every use case that submits or changes jobs.
"""

from __future__ import annotations

from collections.abc import Iterable

from api.config.settings import Settings
from api.jobs.engine.bus import Bus, Publisher
from api.jobs.engine.registry import JobType, JobTypes


class JobQueue:
    def __init__(self, *, settings: Settings, types: Iterable[JobType], bus: Bus) -> None:
        self.settings = settings
        self.types = JobTypes(types)
        self.bus = bus
        self.publisher = Publisher(bus)

    def register(self, job_type: JobType) -> None:
        """Add a job type to this process (tests add their own this way)."""
        self.types.register(job_type)

    def close(self) -> None:
        """Stop publishing: the bus is about to stop with the process."""
        self.publisher.close()
