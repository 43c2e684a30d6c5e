"""Test-only pipelines, loaded by workers through CVMATCH_EXTRA_PIPELINES.

`steps`: `{"units": n, "seconds": s, "steps": k}` plans n units; each sleeps `s` in `k`
steps, checkpoints after each, and writes one result per step recording the process
and attempt that produced it, so tests can see who ran what and that re-runs resumed.
Every run logs once (`job.log` "run <pid>"), so tests can count executions.
"""

from __future__ import annotations

import os
import time

from api import jobs
from pipeline.contract import JSON, PipelineDef, UnitContext


def _validate(params: JSON) -> JSON:
    units = int(params.get("units", 1))
    steps = int(params.get("steps", 1))
    seconds = float(params.get("seconds", 0.0))
    if not (1 <= units <= 1000 and 1 <= steps <= 1000 and 0 <= seconds <= 60):
        raise ValueError("units 1..1000, steps 1..1000, seconds 0..60")
    return {"units": units, "steps": steps, "seconds": seconds, "tag": params.get("tag")}


def _plan(params: JSON) -> list[JSON]:
    return [
        {"unit": i, "steps": params["steps"], "seconds": params["seconds"]}
        for i in range(params["units"])
    ]


def _run(payload: JSON, ctx: UnitContext) -> JSON | None:
    ctx.log("info", f"run {os.getpid()}")
    steps, unit = int(payload["steps"]), int(payload["unit"])
    pause = float(payload["seconds"]) / steps
    for step in range(int((ctx.resume or {}).get("step", 0)), steps):
        if ctx.cancelled():
            return None
        time.sleep(pause)
        ctx.put_result(
            f"u{unit:04d}:s{step:04d}",
            {"status": "ok", "detail": f"{os.getpid()}:{ctx.attempt}"},
        )
        ctx.checkpoint({"step": step + 1})
        ctx.report(step + 1, steps, "stepping")
    return None


JOB_TYPES = [
    jobs.JobType(PipelineDef("steps", _plan, _run, _validate, public=True, test_only=True))
]
