"""Writing frames to one WebSocket: straight through while it keeps up, queued while it lags.

A frame for a socket that is not behind is written by the publisher itself: the send
coroutine is stepped once and, while the server's write buffer has room, it completes
in that step (no task, no queue, no wake-up per socket). A send that suspends means
the client is not reading fast enough: a task finishes that send, and frames published
meanwhile wait in the socket's bounded `Outbox`, where progress of one job coalesces
(the latest wins; statuses never do). When the outbox overflows, or a send stays
blocked for `send_timeout`, the socket is given up (the manager closes it with 4008);
the publisher and the other sockets never wait for it.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol

from api.socket.outbox import Envelope, Outbox


class Sender(Protocol):
    def send_text(self, text: str) -> Awaitable[None]: ...


class SocketWriter:
    """One socket's send path: direct writes, and a drain task only while it lags."""

    __slots__ = (
        "__weakref__",
        "_context",
        "_on_gone",
        "_on_too_slow",
        "outbox",
        "send_timeout",
        "task",
        "transport",
    )

    def __init__(
        self,
        *,
        transport: Sender,
        outbox: Outbox,
        send_timeout: float,
        on_gone: Callable[[], None],
        on_too_slow: Callable[[str], None],
    ) -> None:
        self.transport = transport
        self.outbox = outbox
        self.send_timeout = send_timeout
        self._on_gone = on_gone
        self._on_too_slow = on_too_slow
        #: every send of this socket runs in one context, so a send that suspends can be
        #: finished by a task without crossing contexts
        self._context = contextvars.copy_context()
        self.task: asyncio.Task[None] | None = None

    @property
    def lagging(self) -> bool:
        return self.task is not None

    def write(self, item: Envelope) -> None:
        """Write `item` now if the socket keeps up, else queue it; never blocks."""
        if self.task is None and not len(self.outbox):
            self._write_now(item.text)
        elif not self.outbox.put(item):
            self._on_too_slow("queue full")

    def cancel(self) -> None:
        task, self.task = self.task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    def _write_now(self, text: str) -> None:
        send = self.transport.send_text(text)
        assert isinstance(send, Coroutine)
        try:
            waiting = self._context.run(send.send, None)
        except StopIteration:
            return  # written
        except Exception:  # the peer went away
            self._on_gone()
            return
        self.task = asyncio.create_task(
            self._drain(send, waiting), name="push-writer", context=self._context
        )

    async def _drain(self, send: Coroutine[Any, Any, None], waiting: Any) -> None:
        """Finish the suspended send, then the queue; back to direct writes once empty."""
        try:
            async with asyncio.timeout(self.send_timeout):
                await _finish(send, waiting)
            while (item := self.outbox.pop()) is not None:
                async with asyncio.timeout(self.send_timeout):
                    await self.transport.send_text(item.text)
        except TimeoutError:
            self.task = None
            self._on_too_slow("send blocked")
            return
        except Exception:  # the peer went away
            self.task = None
            self._on_gone()
            return
        self.task = None


async def _finish(send: Coroutine[Any, Any, None], waiting: Any) -> None:
    """Drive a coroutine that was stepped once and suspended on `waiting` to its end.

    What the coroutine waits on is awaited here without raising its outcome; the
    coroutine then reads the outcome itself when resumed. A cancellation of this task
    is thrown into the coroutine, so its own cleanup runs.
    """
    while True:
        try:
            if waiting is None:  # a bare yield (sleep(0))
                await asyncio.sleep(0)
            else:
                await asyncio.wait((waiting,))
        except asyncio.CancelledError as exc:
            try:
                waiting = send.throw(exc)
            except StopIteration:
                return
            continue
        try:
            waiting = send.send(None)
        except StopIteration:
            return
