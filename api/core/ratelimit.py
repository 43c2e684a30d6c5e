"""Fixed-window rate limits: failed logins, and job submissions per user.

Counters live in Redis (`INCR` + `EXPIRE`, shared by every process and host) when
`REDIS_URL` is set, in process memory otherwise. A Redis that cannot be reached
fails open: the request goes through and a warning is logged.

The middleware needs no database: a login is keyed by the submitted username and
the client address; a submission by the verified JWT subject or the API key's hash.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.config.settings import Settings
from api.core import security
from api.core.errors import error_response

logger = logging.getLogger(__name__)

LOGIN_PATH = "/api/v1/auth/token"
SUBMISSION_PATHS = (
    re.compile(r"^/api/v1/jobs/?$"),
    re.compile(r"^/api/v1/postings/[^/]+/(screenings|rescore)/?$"),
)
MAX_LOGIN_BODY = 16 * 1024


def is_limited_path(path: str) -> bool:
    """Whether a POST to `path` (a request path or a route template) is rate limited."""
    return path.rstrip("/") == LOGIN_PATH or any(p.match(path) for p in SUBMISSION_PATHS)


@dataclass(frozen=True)
class Hit:
    count: int
    retry_after: int


class Counter(Protocol):
    async def incr(self, key: str, window: int) -> Hit: ...

    async def decr(self, key: str, window: int) -> None: ...


def _window(now: float, window: int) -> tuple[int, int]:
    """The current window's number and the seconds until it ends."""
    number = int(now // window)
    return number, max(1, math.ceil((number + 1) * window - now))


class MemoryCounter:
    """Per-process counters; expired windows are swept as keys are touched."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, int]] = {}

    async def incr(self, key: str, window: int) -> Hit:
        number, retry = _window(time.time(), window)
        current, count = self._counts.get(key, (number, 0))
        count = count + 1 if current == number else 1
        self._counts[key] = (number, count)
        if len(self._counts) > 100_000:
            self._sweep(window)
        return Hit(count, retry)

    async def decr(self, key: str, window: int) -> None:
        number, _ = _window(time.time(), window)
        current, count = self._counts.get(key, (number, 0))
        if current == number and count > 0:
            self._counts[key] = (number, count - 1)

    def _sweep(self, window: int) -> None:
        number, _ = _window(time.time(), window)
        self._counts = {k: v for k, v in self._counts.items() if v[0] >= number - 1}


class RedisCounter:
    def __init__(self, url: str) -> None:
        from redis import asyncio as aioredis

        self._redis: Any = aioredis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)

    async def incr(self, key: str, window: int) -> Hit:
        number, retry = _window(time.time(), window)
        name = f"cvmatch:rl:{key}:{number}"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(name)
                pipe.expire(name, window + 1)
                count, _ = await pipe.execute()
        except Exception as exc:  # fail open: an outage of Redis must not lock users out
            logger.warning("rate limit counter unavailable: %s", type(exc).__name__)
            return Hit(0, retry)
        return Hit(int(count), retry)

    async def decr(self, key: str, window: int) -> None:
        number, _ = _window(time.time(), window)
        try:
            await self._redis.decr(f"cvmatch:rl:{key}:{number}")
        except Exception as exc:
            logger.warning("rate limit counter unavailable: %s", type(exc).__name__)


def create_counter(redis_url: str | None) -> Counter:
    return RedisCounter(redis_url) if redis_url else MemoryCounter()


def _networks(entries: Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            logger.warning("TRUSTED_PROXIES: ignoring %r, not an address or network", entry)
    return networks


def _trusted(address: str, networks: list[Any]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(scope: Scope, trusted_proxies: Iterable[str]) -> str:
    """The client's address: `X-Forwarded-For` counts only when the peer is a trusted proxy.

    Walks the header from the right and returns the first hop that is not a trusted
    proxy, so a client cannot forge its address by sending the header itself.
    """
    client = scope.get("client")
    peer = str(client[0]) if client else "unknown"
    networks = _networks(trusted_proxies)
    if not networks or not _trusted(peer, networks):
        return peer
    forwarded = [
        value.decode("latin-1")
        for name, value in scope.get("headers", [])
        if name == b"x-forwarded-for"
    ]
    hops: list[str] = [h.strip() for line in forwarded for h in line.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            return hop
    return hops[0] if hops else peer


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def submitter(scope: Scope, settings: Settings) -> str | None:
    """Who submits: the subject of a valid JWT, or the hash of an API key; else None."""
    api_key = _header(scope, b"x-api-key")
    if api_key:
        return "key:" + _digest(api_key)
    authorization = _header(scope, b"authorization") or ""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    if token.startswith(security.API_KEY_PREFIX):
        return "key:" + _digest(token)
    try:
        return "user:" + security.decode_access_token(token, settings=settings)
    except security.TokenError:
        return None


def too_many(retry_after: int, detail: str) -> Any:
    return error_response(429, detail, "RATE_LIMITED", headers={"Retry-After": str(retry_after)})


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, settings: Settings, counter: Counter) -> None:
        self.app = app
        self.settings = settings
        self.counter = counter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if path.rstrip("/") == LOGIN_PATH:
            await self._login(scope, receive, send)
        elif any(pattern.match(path) for pattern in SUBMISSION_PATHS):
            await self._submission(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _submission(self, scope: Scope, receive: Receive, send: Send) -> None:
        who = submitter(scope, self.settings)
        if who is not None:
            hit = await self.counter.incr(f"submit:{who}", self.settings.submission_window_seconds)
            if hit.count > self.settings.submissions_per_user:
                response = too_many(hit.retry_after, "Too many job submissions; slow down")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Count every attempt up front (atomic under concurrency); give back successes."""
        body, replay = await _read_small_body(receive)
        username = _form_username(scope, body)
        window = self.settings.login_window_seconds
        keys = [
            (
                f"login:ip:{client_address(scope, self.settings.trusted_proxies)}",
                self.settings.login_failures_per_ip,
            )
        ]
        if username:
            keys.append((f"login:user:{_digest(username)}", self.settings.login_failures_per_user))
        retry = 0
        for key, limit in keys:
            hit = await self.counter.incr(key, window)
            if hit.count > limit:
                retry = max(retry, hit.retry_after)
        if retry:
            response = too_many(retry, "Too many failed logins; try again later")
            await response(scope, receive, send)
            return
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, replay, watch)
        if status < 400:
            for key, _ in keys:
                await self.counter.decr(key, window)


async def _read_small_body(receive: Receive) -> tuple[bytes, Receive]:
    """Read a login form (a few hundred bytes) and a `receive` that replays it."""
    chunks: list[bytes] = []
    size = 0
    more = True
    while more and size <= MAX_LOGIN_BODY:
        message = await receive()
        if message["type"] != "http.request":
            more = False
            break
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        more = bool(message.get("more_body", False))
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return body, replay


def _form_username(scope: Scope, body: bytes) -> str | None:
    content_type = (_header(scope, b"content-type") or "").lower()
    if not content_type.startswith("application/x-www-form-urlencoded"):
        return None
    values = parse_qs(body.decode("latin-1"), max_num_fields=20).get("username")
    return values[0].strip().lower() if values and values[0].strip() else None
