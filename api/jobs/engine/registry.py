"""Per-pipeline hooks that run on the event loop around the synchronous units.

`prepare` turns a unit's stored payload into the payload to run (for example by adding
cached profiles); it gets a session of its own. `finalize` runs once every unit of a
job is terminal (also when the job was cancelled, so partial results are kept), before
the terminal `job.status` event. It must be idempotent: recovery re-runs it when a
process dies between the last unit and the job's terminal status. It commits itself
and returns keys merged into `Job.result`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.entity.job import Job, JobUnit

PrepareHook = Callable[[AsyncSession, Job, JobUnit, dict[str, Any]], Awaitable[dict[str, Any]]]
FinalizeHook = Callable[[AsyncSession, Job], Awaitable[dict[str, Any] | None]]


@dataclass(frozen=True)
class Hooks:
    prepare: PrepareHook | None = None
    finalize: FinalizeHook | None = None


_HOOKS: dict[str, Hooks] = {}


def register_hooks(
    pipeline: str,
    *,
    prepare: PrepareHook | None = None,
    finalize: FinalizeHook | None = None,
) -> None:
    """Install the hooks of `pipeline` (a later call replaces the earlier one)."""
    _HOOKS[pipeline] = Hooks(prepare=prepare, finalize=finalize)


def hooks_for(pipeline: str) -> Hooks:
    return _HOOKS.get(pipeline, Hooks())
