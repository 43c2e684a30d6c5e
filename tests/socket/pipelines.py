"""Test-only pipeline for live push, loaded through CVMATCH_EXTRA_PIPELINES.

`chatty`: `{"events": n, "size": b, "seconds": s}` emits n `job.log` events whose
message starts with the wall-clock time of the `log()` call (for latency) and is
padded to b characters, spread over s seconds.
"""

from __future__ import annotations

import os
import time

from api import jobs
from pipeline.contract import JSON, PipelineDef, UnitContext


def _validate(params: JSON) -> JSON:
    events = int(params.get("events", 10))
    size = int(params.get("size", 40))
    seconds = float(params.get("seconds", 0.0))
    if not (1 <= events <= 100_000 and 20 <= size <= 1000 and 0 <= seconds <= 600):
        raise ValueError("events 1..100000, size 20..1000, seconds 0..600")
    return {"events": events, "size": size, "seconds": seconds}


def _plan(params: JSON) -> list[JSON]:
    return [dict(params)]


def _run(payload: JSON, ctx: UnitContext) -> JSON | None:
    events, size = int(payload["events"]), int(payload["size"])
    pause = float(payload["seconds"]) / events
    for i in range(events):
        if ctx.cancelled():
            return None
        if pause:
            time.sleep(pause)
        ctx.log("info", f"{time.time():.6f} {os.getpid()} {i} ".ljust(size, "x"))
    ctx.report(1, 1, "done")
    return None


JOB_TYPES = [
    jobs.JobType(PipelineDef("chatty", _plan, _run, _validate, public=True, test_only=True))
]
