"""Job types: a pipeline and the hooks that run around its units on the event loop.

`prepare` turns a unit's stored payload into the payload to run (for example by adding
cached profiles); it gets a session of its own. `finalize` runs once every unit of a
job is terminal (also when the job was cancelled, so partial results are kept), before
the terminal `job.status` event. It must be idempotent: recovery re-runs it when a
process dies between the last unit and the job's terminal status. It commits itself
and returns keys merged into `Job.result`.

Job types are registered explicitly when a process starts (`api.job_types`); a job
whose pipeline is not registered in the process that claims it fails with
`UNKNOWN_PIPELINE`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.entity.job import Job, JobUnit
from pipeline.contract import PipelineDef

PrepareHook = Callable[[AsyncSession, Job, JobUnit, dict[str, Any]], Awaitable[dict[str, Any]]]
FinalizeHook = Callable[[AsyncSession, Job], Awaitable[dict[str, Any] | None]]


@dataclass(frozen=True)
class JobType:
    """What the engine runs for a job: the pipeline (validate, plan, run a unit) and hooks."""

    pipeline: PipelineDef
    prepare: PrepareHook | None = None
    finalize: FinalizeHook | None = None

    @property
    def name(self) -> str:
        return self.pipeline.name


class JobTypes:
    """The job types one process knows, by pipeline name."""

    def __init__(self, types: Iterable[JobType] = ()) -> None:
        self._types: dict[str, JobType] = {}
        for job_type in types:
            self.register(job_type)

    def register(self, job_type: JobType) -> None:
        """Install a job type (a later one with the same name replaces the earlier)."""
        self._types[job_type.name] = job_type

    def get(self, name: str) -> JobType | None:
        return self._types.get(name)

    def names(self) -> list[str]:
        return sorted(self._types)

    def prepare_hook(self, name: str) -> PrepareHook | None:
        job_type = self._types.get(name)
        return None if job_type is None else job_type.prepare

    def finalize_hook(self, name: str) -> FinalizeHook | None:
        job_type = self._types.get(name)
        return None if job_type is None else job_type.finalize
