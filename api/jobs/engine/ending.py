"""A job's end state, computed in one place for every path that ends a job.

Two paths end jobs: the finisher, for a batch of jobs whose last units it wrote (and
whose pipeline has no finalize hook), and `completion.finish_job_if_done`, for one job
after its finalize hook (or a cancel, a failure, the recovery sweep). Both take the
terminal status, the summary with its `partial` flag, the final progress, the cleared
duplicate guard and the `job.status` event from `end_state`, and report the ended job
with `record_ended` once their transaction has committed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api.core import prometheus
from api.entity.base import utcnow
from api.jobs.engine.eventlog import Draft
from api.jobs.engine.tally import Tally
from api.jobs.engine.types import TERMINAL

logger = logging.getLogger(__name__)


def final_status(error_code: str | None, cancel_requested: bool, counts: Mapping[str, int]) -> str:
    """A failure wins over a cancel, a cancel over success."""
    if error_code or counts.get("failed"):
        return "failed"
    if cancel_requested or counts.get("cancelled"):
        return "cancelled"
    return "succeeded"


@dataclass(frozen=True)
class Ending:
    status: str
    #: the job row's terminal columns, for `UPDATE jobs SET ...`
    values: dict[str, Any]
    #: the terminal `job.status` event
    event: Draft


def end_state(
    *,
    tally: Tally,
    error_code: str | None,
    error: str | None,
    cancel_requested: bool,
    results: int,
    extra: Mapping[str, Any] | None = None,
    stage: str | None = None,
    now: datetime | None = None,
) -> Ending:
    """The terminal state of a job whose units are all terminal.

    `result` summarises the units and results (plus the finalize hook's `extra`) and
    says `partial` unless the job succeeded; progress is 100 on success, else how far
    the units got; `active_fingerprint` is cleared so the same job may run again.
    A batch passes one `now`, so jobs that end alike share one UPDATE.
    """
    status = final_status(error_code, cancel_requested, tally.counts)
    summary: dict[str, Any] = {
        "units": tally.units,
        **{state: tally.counts.get(state, 0) for state in TERMINAL},
        "results": results,
        **(extra or {}),
    }
    if status != "succeeded":
        summary["partial"] = True
    progress = 100.0 if status == "succeeded" else tally.progress
    shown: dict[str, Any] = {"done": tally.done, "total": tally.total}
    if stage is not None:
        shown["stage"] = stage
    values = {
        "status": status, "progress": progress, "result": summary, "finished_at": now or utcnow(),
        "active_fingerprint": None, **shown,
    }  # fmt: skip
    message = error if status == "failed" else None
    event = Draft("job.status", status=status, progress=progress, message=message, **shown)
    return Ending(status=status, values=values, event=event)


def record_ended(job_id: str, pipeline: str, status: str) -> None:
    """Log the ended job and count it (`cvmatch_jobs_finished_total`), after the commit."""
    logger.info("job %s %s", job_id, status)
    prometheus.JOBS_FINISHED.labels(pipeline=pipeline, status=status).inc()
