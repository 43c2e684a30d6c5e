"""The durable job engine: jobs split into units that any process claims, runs and
finishes, with a gap-free event log, live events on the bus and crash recovery.

This module is the engine's public interface; code outside `api.jobs` uses only the
names below (`from api import jobs`, then `jobs.submit_job(...)`). The modules under
`api.jobs.engine` are internal, and an import-linter contract keeps them so.

Set-up, once per process (`api.main`, `api.worker`):
    JobQueue(settings=, types=, bus=)      the engine as this process sees it
    JobType(pipeline, prepare=, finalize=) a pipeline and its hooks, registered at start
                                           (`JobQueue(types=...)`, `queue.register(...)`)
    PrepareHook, FinalizeHook, Bus         the types they take
    start_dispatcher(queue=, sessionmaker=, executor=) -> Dispatcher | None
    stop_dispatcher(queue=, dispatcher=)
    Schedule(name, pipeline, every_seconds, params=)   a periodic job, once per period
    start_scheduler(queue=, sessionmaker=, schedules=) -> Scheduler | None
    stop_scheduler(scheduler)

Use cases (keyword-only; each commits its own transaction, then publishes):
    submit_job(session=, queue=, owner=, pipeline=, params=, ...) -> (Job, created)
    cancel_job(session=, queue=, owner=, job_id=) -> Job
    retry_job(session=, queue=, owner=, job_id=) -> Job
    delete_job(session=, owner=, job_id=)

Reads:
    get_job_for_owner, list_jobs, list_job_events, list_job_results
    job_snapshot(job), events_after, last_seqs, status_events_since   (the event log)
    queue_status(session=, user=, connections=), queue_figures(sessions=, within_seconds=)

Pipeline code sees none of this: it gets a `pipeline.contract.UnitContext`.
"""

from api.jobs.control import cancel_job, delete_job, retry_job
from api.jobs.engine.bus import Bus
from api.jobs.engine.dispatcher import Dispatcher
from api.jobs.engine.queue import JobQueue
from api.jobs.engine.registry import FinalizeHook, JobType, PrepareHook
from api.jobs.lifecycle import start_dispatcher, start_scheduler, stop_dispatcher, stop_scheduler
from api.jobs.read import (
    ACTIVE_STATUSES,
    events_after,
    get_job_for_owner,
    job_snapshot,
    last_seqs,
    list_job_events,
    list_job_results,
    list_jobs,
    status_events_since,
)
from api.jobs.schedule import Schedule, Scheduler
from api.jobs.status import QueueFigures, queue_figures, queue_status
from api.jobs.submit import submit_job

__all__ = [
    "ACTIVE_STATUSES",
    "Bus",
    "Dispatcher",
    "FinalizeHook",
    "JobQueue",
    "JobType",
    "PrepareHook",
    "QueueFigures",
    "Schedule",
    "Scheduler",
    "cancel_job",
    "delete_job",
    "events_after",
    "get_job_for_owner",
    "job_snapshot",
    "last_seqs",
    "list_job_events",
    "list_job_results",
    "list_jobs",
    "queue_figures",
    "queue_status",
    "retry_job",
    "start_dispatcher",
    "start_scheduler",
    "status_events_since",
    "stop_dispatcher",
    "stop_scheduler",
    "submit_job",
]
