"""The contract between the job engine and pipeline code.

Pipeline code is synchronous and pure: it never sees the event loop, a database
session or a socket. The engine hands each unit a :class:`UnitContext` whose
methods are safe to call from the executor thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

JSON = dict[str, Any]
T = TypeVar("T")


class UnitContext(Protocol):
    """What a running unit may do. Every method is thread-safe and non-blocking."""

    job_id: str
    unit_index: int
    attempt: int
    #: the last state passed to :meth:`checkpoint` by an earlier attempt, or None
    resume: JSON | None

    def report(
        self, done: int, total: int, stage: str | None = None, message: str | None = None
    ) -> None:
        """Progress of this unit (the engine aggregates units into the job's progress)."""

    def log(self, level: str, message: str) -> None:
        """A `job.log` event (level: debug/info/warning/error)."""

    def emit(self, type: str, data: JSON) -> None:
        """A domain event such as `job.file`."""

    def put_result(self, key: str, value: JSON) -> None:
        """Idempotent upsert of one result, keyed within the job."""

    def cancelled(self) -> bool:
        """True once the job was cancelled or timed out: stop at the next unit of work."""

    def checkpoint(self, state: JSON) -> None:
        """Remember how far this unit got; a re-run receives it as `resume`."""

    def offload(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` for CPU-heavy work: in a worker process when the engine has a
        process pool, else in this thread. `fn` must be a module-level function and its
        arguments and result plain, picklable data."""
        ...

    def offload_map(self, fn: Callable[[Any], T], items: Sequence[Any]) -> Iterator[T]:
        """`fn(item)` for each item, in order. With a process pool the calls run ahead
        of the caller in the pool's processes (a few per process at a time), so the pool
        stays busy while the caller handles each result; else each runs in this thread
        when its result is asked for. Close the iterator (or let it go) to drop the calls
        not yet asked for. `fn` must not raise for one item: return an error instead."""
        ...


class UnitError(Exception):
    """A failure the engine understands.

    `transient=True` means retry later with backoff (a lost connection, a busy
    store); `transient=False` fails the unit, and so the job, at once.
    """

    def __init__(self, code: str, detail: str, *, transient: bool = False) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.transient = transient


PlanFn = Callable[[JSON], list[JSON]]
RunUnitFn = Callable[[JSON, UnitContext], JSON | None]
ValidateFn = Callable[[JSON], JSON]


@dataclass(frozen=True)
class PipelineDef:
    """A named pipeline: how to split a job into units and how to run one unit.

    `validate` checks and normalises user params (raise ValueError on bad input).
    `public` pipelines may be submitted through `POST /api/v1/jobs`;
    `test_only` ones exist only when test pipelines are enabled.
    """

    name: str
    plan: PlanFn
    run_unit: RunUnitFn
    validate: ValidateFn = field(default=lambda params: params)
    public: bool = False
    test_only: bool = False
