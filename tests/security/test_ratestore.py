"""The rate limits' stores: counters in fixed windows, counts that outlive their last
change by a TTL, gates, in memory and in Redis (shared by processes, failing open)."""

from __future__ import annotations

import uuid

import pytest

from api.core import ratestore
from tests.support.services import require_redis


class _Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def _exercise(store: ratestore.Store) -> None:
    key = f"test:{uuid.uuid4().hex}"
    assert [(await store.incr(key, 60)).count for _ in range(3)] == [1, 2, 3]
    await store.decr(key, 60)
    assert (await store.incr(key, 60)).count == 3
    assert [await store.bump(key + ":n", 60) for _ in range(2)] == [1, 2]
    await store.unbump(key + ":n")
    assert await store.bump(key + ":n", 60) == 2
    assert await store.claim(key + ":gate", 30) == 0
    assert 1 <= await store.claim(key + ":gate", 30) <= 30
    await store.forget(key + ":n", key + ":gate")
    assert await store.bump(key + ":n", 60) == 1
    assert await store.claim(key + ":gate", 30) == 0
    await store.unbump(key + ":missing")  # never creates a key
    assert await store.bump(key + ":missing", 60) == 1


async def test_memory_store() -> None:
    await _exercise(ratestore.MemoryStore())


async def test_memory_store_windows_and_gates_expire() -> None:
    clock = _Clock()
    store = ratestore.MemoryStore(clock=clock)
    hits = [await store.incr("k", 60) for _ in range(2)]
    assert [h.count for h in hits] == [1, 2] and all(1 <= h.retry_after <= 60 for h in hits)
    assert await store.claim("g", 10) == 0
    clock.now += 60
    assert (await store.incr("k", 60)).count == 1
    assert await store.claim("g", 10) == 0


@pytest.mark.redis
async def test_redis_store_is_shared_between_processes() -> None:
    url = require_redis()
    await _exercise(ratestore.RedisStore(url))
    first, second = ratestore.RedisStore(url), ratestore.RedisStore(url)
    key = f"test:{uuid.uuid4().hex}"
    assert (await first.incr(key, 30)).count == 1
    assert (await second.incr(key, 30)).count == 2
    assert await first.claim(key + ":gate", 30) == 0
    assert await second.claim(key + ":gate", 30) >= 1


async def test_redis_down_fails_open() -> None:
    store = ratestore.RedisStore("redis://127.0.0.1:1/0")
    assert (await store.incr("k", 30)).count == 0  # never over a limit
    assert await store.bump("k", 30) == 0
    assert await store.claim("k", 30) == 0  # every gate open
    await store.decr("k", 30)
    await store.unbump("k")
    await store.forget("k")
