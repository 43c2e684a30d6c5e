"""The engine's side of the event bus: the channels it uses and what it sends on them.

The bus itself (in memory, or Redis pub/sub across processes: `api.socket.bus`) is
handed to the engine at start-up; the engine needs only `publish` and `subscribe`.
The bus is a fast path. Every event is in the event log before it is published, and a
lost wake-up costs at most one poll interval, so a publish that fails is logged and
never fails the caller.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from api.core import prometheus

logger = logging.getLogger(__name__)

#: committed job events, in seq order per job
JOBS_CHANNEL = "jobs"
#: `{}`: a job was submitted or retried; dispatchers claim now instead of at their poll
WAKEUP_CHANNEL = "wakeup"
#: `{"job_id"}`: a job was cancelled or failed; runners re-read its flags now
CONTROL_CHANNEL = "job-control"

Message = dict[str, Any]
Handler = Callable[[Message], Awaitable[None] | None]


class Bus(Protocol):
    """Delivers a message to this process's subscribers and, when distributed, to others."""

    async def publish(self, channel: str, message: Message) -> None: ...

    def subscribe(self, channel: str, handler: Handler) -> Callable[[], None]:
        """Call `handler` for each message on `channel`; returns the unsubscribe."""
        ...


class Publisher:
    """What the engine publishes. Closed (the process is stopping), it publishes nothing."""

    def __init__(self, bus: Bus) -> None:
        self._bus: Bus | None = bus

    def close(self) -> None:
        self._bus = None

    async def send(self, channel: str, message: Message) -> None:
        bus = self._bus
        if bus is None:
            return
        try:
            await bus.publish(channel, message)
        except Exception:
            logger.exception("publishing on %s failed", channel)

    async def events(self, events: Sequence[Message]) -> None:
        """Committed events, in order."""
        for event in events:
            prometheus.count_event(event)
            await self.send(JOBS_CHANNEL, event)

    async def wake_dispatchers(self) -> None:
        """Wake this process's dispatcher at once and, through Redis, every other one."""
        await self.send(WAKEUP_CHANNEL, {})

    async def job_changed(self, job_id: str) -> None:
        """The job was cancelled or failed: every process re-reads its stop flags now."""
        await self.send(CONTROL_CHANNEL, {"job_id": job_id})
