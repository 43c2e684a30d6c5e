"""The `UnitContext` a pipeline's unit gets: what it may do from the executor thread.

Every method is thread-safe and non-blocking: reports, events, results and checkpoints
are handed to the unit's run on the event loop (`post`), which writes them in its next
flush; `offload` runs CPU-heavy steps in the process pool when there is one; the stop
flag that `cancelled()` reads is set by the run (cancel, failure, timeout, shutdown).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from api.jobs.engine.offload import ProcessOffload
from api.jobs.engine.types import Claim
from pipeline.contract import JSON

T = TypeVar("T")


class Context:
    """The `UnitContext` handed to pipeline code; every method is thread-safe."""

    def __init__(
        self,
        claim: Claim,
        post: Callable[[tuple[str, Any]], None],
        offload: ProcessOffload | None = None,
    ) -> None:
        self._offload = offload
        self.job_id = claim.job_id
        self.unit_index = claim.index
        self.attempt = claim.attempt
        self.resume = claim.checkpoint
        self.stop_reason: str | None = None
        self.observed_stop = False
        self._post = post

    def report(
        self, done: int, total: int, stage: str | None = None, message: str | None = None
    ) -> None:
        self._post(("report", (int(done), int(total), stage, message)))

    def log(self, level: str, message: str) -> None:
        self._post(("log", (level, message)))

    def emit(self, type: str, data: JSON) -> None:
        self._post(("emit", (type, data)))

    def put_result(self, key: str, value: JSON) -> None:
        self._post(("result", (key, value)))

    def checkpoint(self, state: JSON) -> None:
        self._post(("checkpoint", state))

    def offload(self, fn: Callable[..., T], *args: Any) -> T:
        if self._offload is None:
            return fn(*args)
        return self._offload.run(fn, *args)

    def offload_map(self, fn: Callable[[Any], T], items: Sequence[Any]) -> Iterator[T]:
        if self._offload is None:
            return (fn(item) for item in items)
        return self._offload.map(fn, items)

    def cancelled(self) -> bool:
        if self.stop_reason is not None:
            self.observed_stop = True
            return True
        return False
