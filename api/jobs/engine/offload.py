"""CPU-heavy pipeline steps in worker processes (`PIPELINE_PROCESSES`, by default one
per core from two cores up).

Units run on the thread executor; pure-Python work there holds the GIL, so four busy
units stretch the event loop's turns (see docs/benchmarks.md, `jobs_loop`). A unit's
`ctx.offload(fn, *args)` sends `fn` to a process pool instead: the unit's thread only
waits, and the loop keeps answering. `fn` and its arguments must be picklable (a
module-level function and plain data).

The pool's processes are forked from a fork server that has imported the pipeline and
loaded its data (`pipeline.warm`: the skills taxonomy and the occupation index) once, so
they share those pages instead of each loading its own copy. The fork server is a fresh
process without threads or an event loop, which makes forking from it safe; where it is
not available the pool spawns fresh interpreters instead.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.forkserver
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar, cast

from api.jobs.engine import lifeline
from pipeline.contract import UnitError

logger = logging.getLogger(__name__)
T = TypeVar("T")


#: calls `map` keeps submitted per pool process beyond the one being waited for
AHEAD_PER_PROCESS = 2
#: what the fork server imports before it forks pool processes
PRELOAD = ["api.jobs.engine.forkserver_preload", "pipeline.warm"]


def pool_context() -> multiprocessing.context.BaseContext:
    """A fork server preloaded with the pipeline, else spawn (never a plain fork: this
    process runs an event loop and threads)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


def _workers_parent(context: multiprocessing.context.BaseContext) -> int | None:
    """The process a pool worker is forked from: the fork server, or this process."""
    if context.get_start_method() != "forkserver":
        return multiprocessing.current_process().pid
    server = getattr(multiprocessing.forkserver, "_forkserver", None)  # no public handle
    return getattr(server, "_forkserver_pid", None)


def _ready() -> None:
    """Nothing: submitted to start a pool process."""


class ProcessOffload:
    """A process pool that replaces itself when one of its processes dies."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._lock = threading.Lock()
        self._closed = False
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        context = pool_context()
        if context.get_start_method() == "forkserver":
            # The fork server's parent-death signal follows the *thread* that started it
            # (`lifeline`). Started lazily, by the first submit, that was the short-lived
            # warm-up thread: when it ended, the fork server and every pool process died
            # with it, and the first units lost their pool. Start it here instead, from
            # the thread that makes the pool: the dispatcher's, which lives as long as
            # the service.
            multiprocessing.forkserver.ensure_running()
        return ProcessPoolExecutor(
            self.processes, mp_context=context, initializer=lifeline.arm,
            initargs=(_workers_parent(context),),
        )  # fmt: skip

    def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in a pool process; blocks the calling (executor) thread only."""
        pool = self._pool
        try:
            return pool.submit(fn, *args).result()
        except BrokenProcessPool as exc:
            raise self._replace(pool) from exc

    def warm(self) -> None:
        """Start the pool's processes now, from a thread of its own (starting the fork
        server takes a moment): the fork server loads the pipeline's data once, and
        every process is ready before the first unit needs it."""

        def start() -> None:
            with contextlib.suppress(RuntimeError):  # shut down meanwhile
                for _ in range(self.processes):
                    self._pool.submit(_ready)

        threading.Thread(target=start, name="cvmatch-pool-warm", daemon=True).start()

    def map(self, fn: Callable[[Any], T], items: Sequence[Any]) -> Iterator[T]:
        """`fn(item)` for each item, in order, with up to AHEAD_PER_PROCESS calls per
        process submitted ahead of the one being waited for; closing the iterator
        cancels the calls not yet started."""
        pool = self._pool
        ahead = max(1, self.processes * AHEAD_PER_PROCESS)
        waiting: deque[Future[T]] = deque()
        position = 0
        try:
            while position < len(items) or waiting:
                while position < len(items) and len(waiting) < ahead:
                    waiting.append(pool.submit(fn, items[position]))
                    position += 1
                yield waiting.popleft().result()
        except BrokenProcessPool as exc:
            raise self._replace(pool) from exc
        finally:
            for future in waiting:
                future.cancel()

    def _replace(self, pool: ProcessPoolExecutor) -> UnitError:
        """Start a new pool in place of a broken one (once); the error for the unit."""
        with self._lock:
            if self._pool is pool and not self._closed:  # the first to notice replaces it
                logger.warning("a pipeline worker process died; starting a new pool")
                self._pool = self._new_pool()
                pool.shutdown(wait=False, cancel_futures=True)
        return UnitError("WORKER_PROCESS_DIED", "a pipeline worker process died", transient=True)

    def shutdown(self, grace: float = 2.0) -> None:
        """Stop the pool, ending calls still running in it.

        The dispatcher calls this last, after its units had their graceful timeout and
        their leases were released, so a call still running belongs to a unit another
        process will re-run. Left alone, such a process would outlive the server (its
        parent is gone, nothing tells it to stop) and keep its CPU and inherited files.
        """
        with self._lock:
            self._closed = True
            pool = self._pool
        # no public handles before 3.14: the processes, and the pool's manager thread
        processes = list((pool._processes or {}).values())
        manager = cast(threading.Thread | None, pool._executor_manager_thread)  # stubs: wrong type
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(grace)
            if process.is_alive():
                process.kill()
                process.join(grace)
        # The manager thread reaps the processes too, on seeing them die; until it is
        # done, a process it reaped first can still read as alive here.
        if manager is not None:
            manager.join(grace)
