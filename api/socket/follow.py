"""Per connection and job: deliver each seq once, in order, filling gaps from the database.

Events of one job may be published by several processes, so they can arrive out of
order or twice. A follower remembers the last seq it delivered, drops anything at or
below it, and when an event skips ahead it reads the missing range from the event
log (every published event is persisted first) before delivering the newer one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from api.socket.outbox import Envelope, OutboxClosed, envelope

logger = logging.getLogger(__name__)

PAGE = 500
MAX_PENDING = 1000
MISSING_RETRIES = 5

FetchEvents = Callable[[str, int, int], Awaitable[list[dict[str, Any]]]]


class Follow:
    """One connection's view of one job: `last_seq` delivered, events waiting for a gap."""

    def __init__(
        self,
        *,
        job_id: str,
        owner_id: str,
        deliver: Callable[[Envelope], None],
        fetch: FetchEvents,
        room: Callable[[], Awaitable[None]],
        chunk: int = PAGE,
    ) -> None:
        self.job_id = job_id
        self.owner_id = owner_id
        self.last_seq = 0
        self.target = 0
        self.syncing = True  # until begin(): live events wait in `pending`
        self.pending: dict[int, Envelope] = {}
        self._deliver_cb = deliver
        self._fetch = fetch
        self._room = room
        self.chunk = chunk
        self._task: asyncio.Task[None] | None = None

    def begin(self, *, last_seq: int, target: int) -> None:
        """Start delivering after `last_seq`, first replaying up to `target` from the log."""
        self.last_seq = last_seq
        self.target = max(self.target, target)
        self._start_sync()

    def offer(self, item: Envelope) -> None:
        """A live or polled event; never blocks."""
        if item.seq <= self.last_seq:
            return
        if not self.syncing and item.seq == self.last_seq + 1:
            self._deliver(item)
            return
        if len(self.pending) < MAX_PENDING:
            self.pending[item.seq] = item
        self.target = max(self.target, item.seq)
        if not self.syncing:
            self.syncing = True
            self._start_sync()

    def catch_up(self, last_seq_in_log: int) -> None:
        """The log holds events up to `last_seq_in_log`: fetch them if they were missed."""
        if last_seq_in_log > self.last_seq:
            self.target = max(self.target, last_seq_in_log)
            if not self.syncing:
                self.syncing = True
                self._start_sync()

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self.pending.clear()

    def _deliver(self, item: Envelope) -> None:
        self.last_seq = item.seq
        self._deliver_cb(item)

    def _drain_pending(self) -> None:
        while (item := self.pending.pop(self.last_seq + 1, None)) is not None:
            self._deliver(item)
        for seq in [s for s in self.pending if s <= self.last_seq]:
            del self.pending[seq]

    def _start_sync(self) -> None:
        self._task = asyncio.create_task(self._sync(), name=f"follow-sync-{self.job_id}")

    async def _sync(self) -> None:
        misses = 0
        try:
            while True:
                self._drain_pending()
                if self.last_seq >= self.target:
                    break
                await self._room()  # a long replay never overflows the client's queue
                rows = await self._fetch(self.job_id, self.last_seq, self.chunk)
                fresh = [row for row in rows if int(row["seq"]) > self.last_seq]
                if fresh:
                    misses = 0
                    for row in fresh:
                        if int(row["seq"]) > self.last_seq:
                            self._deliver(envelope({**row, "owner_id": self.owner_id}))
                    continue
                misses += 1
                if misses > MISSING_RETRIES:  # never persisted: accept the gap
                    logger.warning(
                        "job %s: seq after %s missing from the log", self.job_id, self.last_seq
                    )
                    self._skip_gap()
                    continue
                await asyncio.sleep(0.05 * misses)
        except asyncio.CancelledError:
            raise
        except OutboxClosed:  # the connection is gone
            return
        except Exception:
            logger.exception("job %s: replay from the event log failed", self.job_id)
            await asyncio.sleep(0.5)
            self._task = asyncio.create_task(self._sync(), name=f"follow-sync-{self.job_id}")
            return
        self.syncing = False
        self._task = None

    def _skip_gap(self) -> None:
        if self.pending:
            first = min(self.pending)
            self.last_seq = first - 1
        else:
            self.last_seq = self.target
