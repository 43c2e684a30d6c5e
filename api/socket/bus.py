"""Event fan-out between processes: in memory for one process, Redis pub/sub for many.

`publish(channel, message)` delivers to this process's handlers at once, and,
with Redis, to every other process subscribed to the channel. Delivery through
Redis is best effort: anything that must not be lost is also in the database,
and consumers replay from there (see `on_reconnect`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[None] | None]
PREFIX = "cvmatch:"


class InMemoryBus:
    """One process: handlers run in the publishing task's loop."""

    distributed = False

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        self._reconnect_handlers: list[Callable[[], Awaitable[None]]] = []
        self.healthy = True

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        self._handlers.clear()

    def subscribe(self, channel: str, handler: Handler) -> Callable[[], None]:
        self._handlers[channel].append(handler)
        return lambda: self._unsubscribe(channel, handler)

    def on_reconnect(self, handler: Callable[[], Awaitable[None]]) -> None:
        self._reconnect_handlers.append(handler)

    def _unsubscribe(self, channel: str, handler: Handler) -> None:
        with contextlib.suppress(ValueError):
            self._handlers[channel].remove(handler)

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        await self._dispatch(channel, message)

    async def _dispatch(self, channel: str, message: dict[str, Any]) -> None:
        for handler in list(self._handlers.get(channel, ())):
            try:
                result = handler(message)
                if result is not None:
                    await result
            except Exception:
                logger.exception("event handler failed on %s", channel)


class RedisBus(InMemoryBus):
    """Many processes: local delivery at once, remote delivery through Redis pub/sub."""

    distributed = True

    def __init__(self, url: str) -> None:
        super().__init__()
        import redis.asyncio as redis

        self._redis = redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        self._origin = uuid.uuid4().hex
        self._listener: asyncio.Task[None] | None = None
        self.healthy = False

    async def ping(self) -> None:
        await self._redis.ping()

    async def start(self) -> None:
        self._listener = asyncio.create_task(self._listen(), name="redis-bus-listener")

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._redis.aclose()
        await super().stop()

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        await self._dispatch(channel, message)
        wire = json.dumps({"o": self._origin, "m": message}, default=str)
        try:
            await self._redis.publish(PREFIX + channel, wire)
        except Exception as exc:  # Redis down: local delivery already happened
            if self.healthy:
                logger.warning("redis publish failed: %s", type(exc).__name__)
            self.healthy = False

    async def _listen(self) -> None:
        delay = 0.2
        first = True
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.psubscribe(PREFIX + "*")
                    self.healthy, delay = True, 0.2
                    if not first:
                        logger.info("redis bus reconnected")
                        await self._run_reconnect_handlers()
                    first = False
                    await self._pump(pubsub)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self.healthy:
                    logger.warning("redis bus lost: %s", type(exc).__name__)
                self.healthy, first = False, False
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _pump(self, pubsub: Any) -> None:
        async for raw in pubsub.listen():
            if raw.get("type") != "pmessage":
                continue
            try:
                wire = json.loads(raw["data"])
            except (TypeError, ValueError):
                continue
            if wire.get("o") == self._origin:
                continue
            channel = raw["channel"].decode()[len(PREFIX) :]
            await self._dispatch(channel, wire["m"])

    async def _run_reconnect_handlers(self) -> None:
        for handler in self._reconnect_handlers:
            try:
                await handler()
            except Exception:
                logger.exception("reconnect handler failed")


def create_bus(redis_url: str | None) -> InMemoryBus:
    return RedisBus(redis_url) if redis_url else InMemoryBus()
