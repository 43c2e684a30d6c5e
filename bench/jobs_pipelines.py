"""A CPU-bound test pipeline for the responsiveness benchmark (CVMATCH_EXTRA_PIPELINES).

`spin`: `{"seconds": s, "tag": any}` burns pure-Python CPU for `s` seconds in slices of
~10 ms, checking `ctx.cancelled()` between slices, like a parser between files. Each
slice goes through `ctx.offload`, so PIPELINE_PROCESSES moves the work out of the
server process.
"""

from __future__ import annotations

import time

from api import jobs
from pipeline.contract import JSON, PipelineDef, UnitContext


def _validate(params: JSON) -> JSON:
    return {"seconds": float(params.get("seconds", 5.0)), "tag": params.get("tag")}


def burn(seconds: float) -> int:
    """Pure-Python CPU work for `seconds` (module level: it may run in a pool process)."""
    slice_end = time.perf_counter() + seconds
    total = 0
    while time.perf_counter() < slice_end:
        total += sum(i * i for i in range(200))
    return total


def _run(payload: JSON, ctx: UnitContext) -> JSON | None:
    deadline = time.perf_counter() + float(payload["seconds"])
    while time.perf_counter() < deadline and not ctx.cancelled():
        ctx.offload(burn, 0.01)  # in a worker process when PIPELINE_PROCESSES > 0
    return None


JOB_TYPES = [
    jobs.JobType(PipelineDef("spin", lambda p: [p], _run, _validate, public=True, test_only=True))
]
