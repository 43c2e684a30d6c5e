"""Live connections: many per job and per user, each with its own bounded queue.

An event is serialised once (`Envelope.text`) and the same text frame goes to every
interested connection. The bus handler never waits on a socket: a WebSocket that keeps
up has the frame written at once, one that lags queues it (progress coalesces), and
one that overflows its queue or stays blocked for `send_timeout` is closed with 4008
(or its transport aborted); see api.socket.writer. SSE streams read their queue
themselves. Events that the bus did not bring (other processes without Redis, Redis
down) are read from the event log by a poller; see "Push" in docs/architecture.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from typing import Any, Protocol

from api.socket.follow import Follow
from api.socket.outbox import STATUS, Envelope, Outbox, control, envelope
from api.socket.writer import SocketWriter

logger = logging.getLogger(__name__)

CHANNEL = "jobs"
#: WebSocket close code: the client does not read fast enough (queue overflow or a
#: send blocked for WS_SEND_TIMEOUT_SECONDS); it reconnects with `after_seq`
CLOSE_TOO_SLOW = 4008
CLOSE_RESTART = 1012
CLOSE_GRACE_SECONDS = 1.0
FEED_SEEN_MAX = 5000
POLL_GRACE_SECONDS = 0.2


class Transport(Protocol):
    async def send_text(self, text: str) -> None: ...
    async def close(self, code: int, reason: str) -> None: ...
    def abort(self) -> None: ...


class EventSource(Protocol):
    """The persisted event log (see api.socket.push.DbEventSource)."""

    async def events_after(
        self, job_id: str, after_seq: int, limit: int
    ) -> list[dict[str, Any]]: ...

    async def last_seqs(self, job_ids: list[str]) -> dict[str, int]: ...

    async def status_events_since(
        self, owner_ids: list[str], seconds: float
    ) -> list[dict[str, Any]]: ...


class Bus(Protocol):
    distributed: bool
    healthy: bool

    def subscribe(self, channel: str, handler: Any) -> Any: ...
    def on_reconnect(self, handler: Any) -> None: ...


class Connection:
    """One WebSocket or SSE client."""

    def __init__(
        self, *, user_id: str, kind: str, transport: Transport | None, queue_size: int
    ) -> None:
        self.user_id = user_id
        self.kind = kind
        self.transport = transport
        self.outbox = Outbox(queue_size)
        self.follows: dict[str, Follow] = {}
        self.feed = False
        self.feed_seen: dict[str, int] = {}
        self.closed = asyncio.Event()
        self.close_code: int | None = None
        #: WebSocket only (SSE streams read `outbox` themselves)
        self.writer: SocketWriter | None = None

    def offer_feed(self, item: Envelope) -> None:
        """A status event for the user's feed: the newest status per job wins."""
        if item.seq <= self.feed_seen.get(item.job_id, 0):
            return
        self.mark_seen(item.job_id, item.seq)
        self.put(item)

    def mark_seen(self, job_id: str, seq: int) -> None:
        """The feed has shown `job_id` up to `seq`: older statuses are not sent again."""
        if job_id not in self.feed_seen and len(self.feed_seen) >= FEED_SEEN_MAX:
            self.feed_seen.pop(next(iter(self.feed_seen)))
        self.feed_seen[job_id] = max(seq, self.feed_seen.get(job_id, 0))

    def put(self, item: Envelope) -> None:
        if self.closed.is_set():
            return
        if self.writer is not None:
            self.writer.write(item)
        elif not self.outbox.put(item):
            self.on_overflow(self)

    def on_overflow(self, conn: Connection) -> None:  # replaced by the manager
        return None


class ConnectionManager:
    def __init__(
        self,
        *,
        bus: Bus,
        source: EventSource,
        queue_size: int = 256,
        send_timeout: float = 10.0,
        ping_seconds: float = 20.0,
        poll_seconds: float = 0.5,
        safety_poll_seconds: float = 5.0,
    ) -> None:
        self.bus = bus
        self.source = source
        self.queue_size = queue_size
        self.send_timeout = send_timeout
        self.ping_seconds = ping_seconds
        self.poll_seconds = poll_seconds
        self.safety_poll_seconds = safety_poll_seconds
        self.connections: set[Connection] = set()
        self._by_job: dict[str, set[Connection]] = {}
        self._by_user: dict[str, set[Connection]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._unsubscribe: Any = None
        self._wake = asyncio.Event()
        self.dropped = 0

    # -- lifecycle -----------------------------------------------------------------

    @property
    def count(self) -> int:
        """Open connections in this process (WebSocket and SSE)."""
        return len(self.connections)

    def stats(self) -> dict[str, int]:
        return {
            "connections": len(self.connections),
            "jobs": len(self._by_job),
            "users": len(self._by_user),
            "dropped": self.dropped,
        }

    async def start(self) -> None:
        self._unsubscribe = self.bus.subscribe(CHANNEL, self.publish_local)
        self.bus.on_reconnect(self._on_reconnect)
        self._spawn(self._poll_loop(), "push-poller")
        self._spawn(self._ping_loop(), "push-ping")

    async def stop(self) -> None:
        """Close every connection with 1012 (service restart), then stop the loops."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        await asyncio.gather(
            *(self.close(c, CLOSE_RESTART, "server restarting") for c in list(self.connections))
        )
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, coro: Any, name: str) -> None:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- registration --------------------------------------------------------------

    def connect(self, *, user_id: str, kind: str, transport: Transport | None) -> Connection:
        conn = Connection(
            user_id=user_id, kind=kind, transport=transport, queue_size=self.queue_size
        )
        conn.on_overflow = self._on_overflow  # type: ignore[method-assign]
        self.connections.add(conn)
        if transport is not None:
            conn.writer = SocketWriter(
                transport=transport,
                outbox=conn.outbox,
                send_timeout=self.send_timeout,
                on_gone=functools.partial(self.disconnect, conn),
                on_too_slow=functools.partial(self._drop_slow, conn),
            )
        return conn

    def follow(self, conn: Connection, *, job_id: str, owner_id: str) -> Follow:
        """Route the job's live events to `conn`; they wait until `Follow.begin()`."""
        self.unfollow(conn, job_id)
        follow = Follow(
            job_id=job_id,
            owner_id=owner_id,
            deliver=conn.put,
            fetch=self.source.events_after,
            room=conn.outbox.wait_room,
            chunk=conn.outbox.chunk,
        )
        conn.follows[job_id] = follow
        self._by_job.setdefault(job_id, set()).add(conn)
        return follow

    def unfollow(self, conn: Connection, job_id: str) -> None:
        follow = conn.follows.pop(job_id, None)
        if follow is not None:
            follow.cancel()
            if conn.feed:  # what the subscription delivered is not replayed by the feed
                conn.mark_seen(job_id, follow.last_seq)
        _discard(self._by_job, job_id, conn)

    def subscribe_feed(self, conn: Connection) -> None:
        conn.feed = True
        self._by_user.setdefault(conn.user_id, set()).add(conn)

    def disconnect(self, conn: Connection) -> None:
        """Forget `conn` and free its queue and tasks (idempotent)."""
        if conn not in self.connections:
            return
        self.connections.discard(conn)
        for job_id in list(conn.follows):
            self.unfollow(conn, job_id)
        _discard(self._by_user, conn.user_id, conn)
        conn.outbox.close()
        conn.closed.set()
        if conn.writer is not None:
            conn.writer.cancel()

    async def close(self, conn: Connection, code: int, reason: str) -> None:
        """Close with `code`; abort the transport if the close frame cannot go out."""
        if conn.closed.is_set():
            return
        conn.close_code = code
        transport = conn.transport
        self.disconnect(conn)
        if transport is None:
            return
        try:
            await asyncio.wait_for(transport.close(code, reason), CLOSE_GRACE_SECONDS)
        except Exception:  # blocked or already gone: free the socket now
            transport.abort()

    # -- delivery ------------------------------------------------------------------

    def publish_local(self, event: dict[str, Any]) -> None:
        """Bus handler: hand one event to every interested connection, never waiting."""
        job_id = event.get("job_id")
        if not job_id or "seq" not in event:
            return
        self.dispatch(envelope(event))

    def dispatch(self, item: Envelope) -> None:
        for conn in list(self._by_job.get(item.job_id, ())):
            follow = conn.follows.get(item.job_id)
            if follow is not None:
                follow.offer(item)
        if item.type == STATUS and item.owner_id:
            for conn in list(self._by_user.get(item.owner_id, ())):
                if item.job_id not in conn.follows:
                    conn.offer_feed(item)

    def _on_overflow(self, conn: Connection) -> None:
        self._drop_slow(conn, "queue full")

    def _drop_slow(self, conn: Connection, why: str) -> None:
        if conn.closed.is_set() or conn.close_code is not None:
            return  # already being closed
        conn.close_code = CLOSE_TOO_SLOW
        self.dropped += 1
        logger.info("dropping a slow %s client (%s)", conn.kind, why)
        self._spawn(self.close(conn, CLOSE_TOO_SLOW, "client too slow"), "push-drop")

    # -- database fallback ---------------------------------------------------------

    async def _on_reconnect(self) -> None:
        self._wake.set()

    async def _poll_loop(self) -> None:
        while True:
            live = self.bus.distributed and self.bus.healthy
            interval = self.safety_poll_seconds if live else self.poll_seconds
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), interval)
            self._wake.clear()
            try:
                await self.poll_once(feed_window=interval + 10.0)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("event log poll failed: %s", type(exc).__name__)

    async def poll_once(self, *, feed_window: float = 15.0) -> None:
        """Catch every follower up with the event log, and every feed with recent statuses."""
        job_ids = list(self._by_job)
        behind: dict[str, int] = {}
        for start in range(0, len(job_ids), 500):
            seqs = await self.source.last_seqs(job_ids[start : start + 500])
            behind.update((job, seq) for job, seq in seqs.items() if self._behind(job, seq))
        if behind:  # events in flight on the bus arrive meanwhile: fetch only what is missing
            await asyncio.sleep(POLL_GRACE_SECONDS)
        for job_id, last_seq in behind.items():
            await self._catch_up_job(job_id, last_seq)
        owners = list(self._by_user)
        if owners:
            for row in await self.source.status_events_since(owners, feed_window):
                item = envelope(row)
                for conn in list(self._by_user.get(item.owner_id or "", ())):
                    if item.job_id not in conn.follows:
                        conn.offer_feed(item)

    def _followers(self, job_id: str) -> list[Follow]:
        conns = self._by_job.get(job_id, ())
        return [f for c in list(conns) if (f := c.follows.get(job_id)) is not None]

    def _behind(self, job_id: str, last_seq: int) -> bool:
        return any(f.last_seq < last_seq for f in self._followers(job_id))

    async def _catch_up_job(self, job_id: str, last_seq: int) -> None:
        """One read of the log for all of a job's lagging followers in this process."""
        lagging = [f for f in self._followers(job_id) if f.last_seq < last_seq and not f.syncing]
        if not lagging:
            return
        chunk = min(f.chunk for f in lagging)
        rows = await self.source.events_after(job_id, min(f.last_seq for f in lagging), chunk)
        items = [envelope({**row, "owner_id": lagging[0].owner_id}) for row in rows]
        for follow in lagging:
            for item in items:
                follow.offer(item)
            follow.catch_up(last_seq)

    async def _ping_loop(self) -> None:
        """Feed clients get `{"type": "ping"}`; job sockets rely on protocol pings."""
        while True:
            await asyncio.sleep(self.ping_seconds)
            for conn in list(self.connections):
                if conn.feed and conn.transport is not None:
                    conn.put(control("ping"))


def _discard(index: dict[str, set[Connection]], key: str, conn: Connection) -> None:
    members = index.get(key)
    if members is not None:
        members.discard(conn)
        if not members:
            del index[key]
