"""A test-only schedule, loaded by workers through CVMATCH_EXTRA_PIPELINES: `tick` runs
every second and logs the process that ran it (`job.log` "tick <pid>")."""

from __future__ import annotations

import os

from api import jobs
from pipeline.contract import JSON, PipelineDef, UnitContext

EVERY_SECONDS = 1.0


def _run(payload: JSON, ctx: UnitContext) -> JSON | None:
    ctx.log("info", f"tick {os.getpid()}")
    return None


JOB_TYPES = [jobs.JobType(PipelineDef("tick", lambda params: [{}], _run, test_only=True))]
SCHEDULES = [jobs.Schedule("tick", "tick", EVERY_SECONDS)]
