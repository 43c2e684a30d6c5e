"""The job types this service runs, registered with the job engine when a process starts.

`api.main` (every API process) and `api.worker` both call `installed()`, so a unit runs
with the same pipeline and hooks wherever it is claimed, and `schedules()`, so every
process that runs jobs submits the periodic ones (once per period between them). With
test pipelines enabled, the modules named in `CVMATCH_EXTRA_PIPELINES` add theirs (each
module's `JOB_TYPES`, and `SCHEDULES` if it has any).
"""

from __future__ import annotations

import importlib

from api import jobs
from api.config.settings import Settings
from api.recruiting import retention, screening_jobs
from pipeline import registry

#: engine pipelines without hooks: `noop` and `sleep` (public, test-only)
PLAIN = ("noop", "sleep")


def installed(settings: Settings) -> list[jobs.JobType]:
    """Every job type of this process, the extra test modules' last."""
    found = [jobs.JobType(registry.PIPELINES[name]) for name in PLAIN]
    found += screening_jobs.job_types(settings)
    found.append(retention.job_type(settings))
    return found + extra(settings)


def schedules(settings: Settings) -> list[jobs.Schedule]:
    """The periodic jobs: the privacy sweep, and the extra test modules' `SCHEDULES`."""
    found = [retention.schedule(settings)] if settings.privacy_sweep_seconds else []
    if settings.test_pipelines_enabled:
        for name in settings.extra_pipelines:
            found += getattr(importlib.import_module(name), "SCHEDULES", [])
    return found


def extra(settings: Settings) -> list[jobs.JobType]:
    """The job types of the `extra_pipelines` modules (only with test pipelines enabled)."""
    if not settings.test_pipelines_enabled:
        return []
    found: list[jobs.JobType] = []
    for name in settings.extra_pipelines:
        found += importlib.import_module(name).JOB_TYPES
    return found
