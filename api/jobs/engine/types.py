"""The lifecycle types the engine's modules share: a claimed unit, what its run reported
since the last write, and how the run ended.

They live apart from the modules that use them (claims, runner, finisher, unit_io), so
those modules depend on this one and never on each other for a type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from api.jobs.engine.eventlog import Draft
from pipeline.contract import JSON

#: job and unit statuses that are over, and those that are not
TERMINAL = ("succeeded", "failed", "cancelled")
ACTIVE = ("queued", "running")

#: how a unit's run ended: `release` gives the unit back (shutdown), `retry` re-queues it
#: with backoff (a transient error), `lost` means another run holds it now
OutcomeKind = Literal["succeeded", "failed", "cancelled", "release", "retry", "lost"]

#: what the finisher did with a succeeded unit. `done`: written (and its job ended if it
#: could); `finish`: written, but the job needs its finalize hook (the runner calls
#: `completion.finish_job_if_done`); `lost`: another run holds the unit, nothing was
#: written; `alone`: the batch failed, the runner writes the unit in its own transaction
Verdict = Literal["done", "finish", "lost", "alone"]


@dataclass(frozen=True)
class Claim:
    """A unit this process holds the lease on (`attempt` fences a stale run's writes)."""

    unit_id: int
    job_id: str
    index: int
    attempt: int
    max_attempts: int
    pipeline: str
    payload: JSON
    checkpoint: JSON | None


@dataclass(frozen=True)
class Outcome:
    """How a unit's run ended, with the error when it failed or is retried."""

    kind: OutcomeKind
    code: str | None = None
    detail: str | None = None
    retry_in: float = 0.0


_NO_CHECKPOINT: Any = object()


@dataclass
class Pending:
    """What a unit reported since its last write: results, events, progress, checkpoint."""

    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    drafts: list[Draft] = field(default_factory=list)
    #: `(done, total, stage, message)` of the last `ctx.report`
    progress: tuple[int, int, str | None, str | None] | None = None
    checkpoint: Any = _NO_CHECKPOINT

    @property
    def has_checkpoint(self) -> bool:
        """A checkpoint was reported (None is a checkpoint too: it clears the old one)."""
        return self.checkpoint is not _NO_CHECKPOINT

    def empty(self) -> bool:
        return not (self.results or self.drafts or self.progress or self.has_checkpoint)
