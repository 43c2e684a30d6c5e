"""One connection's bounded send queue: progress coalesces, everything else is kept.

The publisher only ever calls `put()`, which never blocks: a lagging client makes the
queue fill up, its pending `job.progress` events are replaced by the newest one (the
latest wins), and when events that must not be dropped no longer fit, `put()` returns
False and the connection is dropped (the client resumes with `after_seq`).
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import dataclass
from typing import Any

from api.core import prometheus

PROGRESS = "job.progress"
STATUS = "job.status"
TERMINAL_STATUSES = frozenset({"succeeded", "failed", "cancelled"})


@dataclass(slots=True, frozen=True)
class Envelope:
    """An event ready for the wire: serialised once, shared by every connection."""

    job_id: str
    owner_id: str | None
    seq: int
    type: str
    status: str | None
    text: str

    @property
    def terminal(self) -> bool:
        return self.type == STATUS and self.status in TERMINAL_STATUSES


def envelope(event: dict[str, Any]) -> Envelope:
    """Wrap a bus or database event; `owner_id` is routing data and not sent."""
    wire = {key: value for key, value in event.items() if key != "owner_id"}
    return Envelope(
        job_id=str(event.get("job_id") or ""),
        owner_id=event.get("owner_id"),
        seq=int(event.get("seq") or 0),
        type=str(event.get("type") or ""),
        status=event.get("status"),
        text=json.dumps(wire, default=str, separators=(",", ":")),
    )


def control(kind: str, **fields: Any) -> Envelope:
    """A message that is not a job event (feed replies, pings)."""
    text = json.dumps({"type": kind, **fields}, default=str, separators=(",", ":"))
    return Envelope(job_id="", owner_id=None, seq=0, type=kind, status=None, text=text)


class OutboxClosed(Exception):
    """The connection is gone; nothing more will come out of its outbox."""


class Outbox:
    """A bounded FIFO of envelopes with latest-wins coalescing of progress per job."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        #: a client is lagging once this many envelopes wait; only then progress coalesces
        self.low_water = max(1, maxsize // 4)
        #: replay goes in chunks that fit under `low_water`, so it never coalesces
        self.chunk = max(1, self.low_water // 2)
        self._drained = asyncio.Event()
        self._cells: deque[list[Envelope | None]] = deque()
        self._progress: dict[str, list[Envelope | None]] = {}
        self._live = 0
        self._ready = asyncio.Event()
        self.closed = False
        self.coalesced = 0

    def __len__(self) -> int:
        return self._live

    def put(self, item: Envelope) -> bool:
        """Queue `item` without blocking; False when it does not fit (overflow)."""
        if self.closed:
            return False
        if item.type == PROGRESS and self._live >= self.low_water:
            previous = self._progress.pop(item.job_id, None)
            if previous is not None and previous[0] is not None:
                previous[0] = None  # the newer progress replaces it
                self._live -= 1
                self.coalesced += 1
                prometheus.EVENTS_DROPPED.labels(reason="coalesced").inc()
        if self._live >= self.maxsize:
            prometheus.EVENTS_DROPPED.labels(reason="slow_client").inc()
            return False
        cell: list[Envelope | None] = [item]
        self._cells.append(cell)
        self._live += 1
        if item.type == PROGRESS:
            self._progress[item.job_id] = cell
        if len(self._cells) > 2 * self.maxsize:
            self._cells = deque(c for c in self._cells if c[0] is not None)
        self._ready.set()
        return True

    def pop(self) -> Envelope | None:
        """The next envelope, or None when the queue is empty (or closed)."""
        while self._cells:
            cell = self._cells.popleft()
            item = cell[0]
            if item is None:
                continue
            self._live -= 1
            if self._progress.get(item.job_id) is cell:
                del self._progress[item.job_id]
            if self._live <= self.low_water - self.chunk:
                self._drained.set()
            return item
        return None

    async def get(self) -> Envelope:
        """The next envelope, waiting while the queue is empty; OutboxClosed once closed."""
        while True:
            if self.closed:
                raise OutboxClosed
            item = self.pop()
            if item is not None:
                return item
            self._ready.clear()
            await self._ready.wait()

    async def wait_room(self) -> None:
        """Wait until a replay chunk fits without reaching `low_water` (flow control)."""
        while self._live > self.low_water - self.chunk and not self.closed:
            self._drained.clear()
            await self._drained.wait()
        if self.closed:
            raise OutboxClosed

    def close(self) -> None:
        """Drop what is queued and wake the reader."""
        self.closed = True
        self._cells.clear()
        self._progress.clear()
        self._live = 0
        self._ready.set()
        self._drained.set()
