"""Counters and gates behind the rate limits: in Redis, or in this process's memory.

Redis (shared by every process and host) when `REDIS_URL` is set, process memory
otherwise. A Redis that cannot be reached fails open: the request goes through and a
warning is logged, so an outage never locks users out.

- `incr` / `decr`: fixed windows (`INCR` + `EXPIRE` on `<key>:<window number>`);
- `bump` / `unbump`: a count that lives `ttl` seconds after its last change;
- `claim`: a gate one caller may pass per `seconds` (`SET NX EX`);
- `forget`: drop keys (a successful login clears its failures).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

logger = logging.getLogger(__name__)

PREFIX = "cvmatch:rl:"
#: DECR that never creates a key (an expired one would come back as -1, without a TTL)
_DECR_IF_EXISTS = (
    "if redis.call('exists', KEYS[1]) == 1 then return redis.call('decr', KEYS[1]) end return 0"
)
MEMORY_KEYS = 100_000


@dataclass(frozen=True)
class Hit:
    count: int
    retry_after: int


class Store(Protocol):
    async def incr(self, key: str, window: int) -> Hit: ...

    async def decr(self, key: str, window: int) -> None: ...

    async def bump(self, key: str, ttl: int) -> int: ...

    async def unbump(self, key: str) -> None: ...

    async def claim(self, key: str, seconds: int) -> int: ...

    async def forget(self, *keys: str) -> None: ...


def window_of(now: float, window: int) -> tuple[int, int]:
    """The current window's number and the seconds until it ends (at least 1)."""
    number = int(now // window)
    return number, max(1, math.ceil((number + 1) * window - now))


class MemoryStore:
    """Per-process values with expiry times; expired entries are swept as keys pile up."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._values: dict[str, tuple[int, float]] = {}
        self._clock = clock

    def _get(self, key: str, now: float) -> int:
        value, expires = self._values.get(key, (0, 0.0))
        return value if expires > now else 0

    def _set(self, key: str, value: int, expires: float, now: float) -> None:
        self._values[key] = (value, expires)
        if len(self._values) > MEMORY_KEYS:
            self._values = {k: v for k, v in self._values.items() if v[1] > now}

    async def incr(self, key: str, window: int) -> Hit:
        now = self._clock()
        number, retry = window_of(now, window)
        name = f"{key}:{number}"
        count = self._get(name, now) + 1
        self._set(name, count, now + retry, now)
        return Hit(count, retry)

    async def decr(self, key: str, window: int) -> None:
        now = self._clock()
        number, _ = window_of(now, window)
        name = f"{key}:{number}"
        count = self._get(name, now)
        if count > 0:
            self._values[name] = (count - 1, self._values[name][1])

    async def bump(self, key: str, ttl: int) -> int:
        now = self._clock()
        count = self._get(key, now) + 1
        self._set(key, count, now + ttl, now)
        return count

    async def unbump(self, key: str) -> None:
        now = self._clock()
        count = self._get(key, now)
        if count > 0:
            self._values[key] = (count - 1, self._values[key][1])

    async def claim(self, key: str, seconds: int) -> int:
        now = self._clock()
        _, expires = self._values.get(key, (0, 0.0))
        if expires > now:
            return max(1, math.ceil(expires - now))
        self._set(key, 1, now + seconds, now)
        return 0

    async def forget(self, *keys: str) -> None:
        for key in keys:
            self._values.pop(key, None)


class RedisStore:
    def __init__(self, url: str) -> None:
        from redis import asyncio as aioredis

        self._redis: Any = aioredis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)

    @staticmethod
    def _unavailable(exc: Exception) -> None:
        logger.warning("rate limit store unavailable: %s", type(exc).__name__)

    async def incr(self, key: str, window: int) -> Hit:
        number, retry = window_of(time.time(), window)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(f"{PREFIX}{key}:{number}")
                pipe.expire(f"{PREFIX}{key}:{number}", window + 1)
                count, _ = await pipe.execute()
        except Exception as exc:  # fail open: an outage of Redis must not lock users out
            self._unavailable(exc)
            return Hit(0, retry)
        return Hit(int(count), retry)

    async def decr(self, key: str, window: int) -> None:
        number, _ = window_of(time.time(), window)
        try:
            await self._redis.eval(_DECR_IF_EXISTS, 1, f"{PREFIX}{key}:{number}")
        except Exception as exc:
            self._unavailable(exc)

    async def bump(self, key: str, ttl: int) -> int:
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(PREFIX + key)
                pipe.expire(PREFIX + key, ttl)
                count, _ = await pipe.execute()
        except Exception as exc:
            self._unavailable(exc)
            return 0
        return int(count)

    async def unbump(self, key: str) -> None:
        try:
            await self._redis.eval(_DECR_IF_EXISTS, 1, PREFIX + key)
        except Exception as exc:
            self._unavailable(exc)

    async def claim(self, key: str, seconds: int) -> int:
        try:
            if await self._redis.set(PREFIX + key, 1, nx=True, ex=seconds):
                return 0
            remaining = int(await self._redis.ttl(PREFIX + key))
        except Exception as exc:
            self._unavailable(exc)
            return 0
        return max(1, remaining)

    async def forget(self, *keys: str) -> None:
        if not keys:
            return
        try:
            await self._redis.delete(*(PREFIX + key for key in keys))
        except Exception as exc:
            self._unavailable(exc)


def create_store(redis_url: str | None) -> Store:
    return RedisStore(redis_url) if redis_url else MemoryStore()
