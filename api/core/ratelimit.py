"""Rate limits: logins, registrations, and job submissions per user.

The middleware needs no database. It keys a login on the identities in the form the
endpoint will read (parsed by the same Starlette form parser, url-encoded or
multipart alike) and on the client address; a registration on the client address; a
submission on the verified JWT subject or the API key's hash. Counters and gates are
in `api.core.ratestore` (Redis, or process memory).

Logins, three limits, each answering 429 `RATE_LIMITED` with `Retry-After`:
- per account and client: after `LOGIN_FAILURES_BEFORE_DELAY` failures each next try
  waits `LOGIN_FIRST_DELAY_SECONDS` (1), twice as long after each further failure, up to
  `LOGIN_MAX_DELAY_SECONDS`. The delay belongs to the pair, so an attacker elsewhere
  cannot lock the owner out; a success clears it;
- per client address: `LOGIN_FAILURES_PER_IP` failures per `LOGIN_WINDOW_SECONDS`;
- global: `LOGIN_FAILURES_GLOBAL` failures of all accounts per window, a ceiling on
  guessing spread over many addresses and on the password hashing it costs.
Attempts are counted before the password check (so parallel guesses cannot slip past)
and given back when refused or successful: only failed password checks count.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import re
from collections.abc import Iterable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.config.settings import Settings
from api.core import ratestore, security
from api.core.errors import error_response

logger = logging.getLogger(__name__)

LOGIN_PATH = "/api/v1/auth/token"
REGISTER_PATH = "/api/v1/auth/register"
SUBMISSION_PATHS = (
    re.compile(r"^/api/v1/jobs/?$"),
    re.compile(r"^/api/v1/postings/[^/]+/(screenings|rescore)/?$"),
)
MAX_LOGIN_BODY = 16 * 1024
#: a pair's failures are forgotten after a day without attempts
PAIR_MEMORY_SECONDS = 86400


def is_limited_path(path: str) -> bool:
    """Whether a POST to `path` (a request path or a route template) is rate limited."""
    plain = path.rstrip("/")
    return plain in {LOGIN_PATH, REGISTER_PATH} or any(p.match(path) for p in SUBMISSION_PATHS)


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


def login_delay(failures: int, *, free: int, first: int, ceiling: int) -> int:
    """Seconds a pair waits after its `failures`-th failure: none before `free`, then
    `first`, doubling each time up to `ceiling`."""
    if failures < free:
        return 0
    return int(min(ceiling, first * 2 ** min(failures - free, 30)))


def normalise_identity(username: str) -> str:
    """An account as the limits see it: at least as broad as the login's own lookup."""
    return username.strip().casefold()


async def login_identities(scope: Scope, body: bytes) -> list[str]:
    """Every `username` in the form, read by the parser the endpoint itself uses."""
    sent = False

    async def once() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(scope, once).form()
    except (HTTPException, ValueError, KeyError):
        return []  # the endpoint cannot read it either: no password is checked
    try:
        names = [normalise_identity(v) for v in form.getlist("username") if isinstance(v, str)]
    finally:
        await form.close()
    return sorted({name for name in names if name})


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, settings: Settings, store: ratestore.Store) -> None:
        self.app = app
        self.settings = settings
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if path.rstrip("/") == LOGIN_PATH:
            await self._login(scope, receive, send)
        elif path.rstrip("/") == REGISTER_PATH:
            await self._registration(scope, receive, send)
        elif any(pattern.match(path) for pattern in SUBMISSION_PATHS):
            await self._submission(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _submission(self, scope: Scope, receive: Receive, send: Send) -> None:
        who = submitter(scope, self.settings)
        if who is not None:
            hit = await self.store.incr(f"submit:{who}", self.settings.submission_window_seconds)
            if hit.count > self.settings.submissions_per_user:
                response = too_many(hit.retry_after, "Too many job submissions; slow down")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _registration(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Every attempt counts: each one tells whether an address has an account."""
        client = client_address(scope, self.settings.trusted_proxies)
        window = self.settings.registration_window_seconds
        hit = await self.store.incr(f"register:ip:{client}", window)
        if hit.count > self.settings.registrations_per_ip:
            response = too_many(hit.retry_after, "Too many registrations from this address")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        body, replay, complete = await _read_small_body(receive)
        if not complete:
            response = error_response(
                413, f"A login form is at most {MAX_LOGIN_BODY // 1024} KB", "REQUEST_TOO_LARGE"
            )
            await response(scope, receive, send)
            return
        client = client_address(scope, self.settings.trusted_proxies)
        identities = await login_identities(scope, body)
        window = self.settings.login_window_seconds
        counted = [
            (f"login:ip:{client}", self.settings.login_failures_per_ip),
            ("login:all", self.settings.login_failures_global),
        ]
        pairs = [f"login:pair:{_digest(name)}:{_digest(client)}" for name in identities]
        retry = await self._count(counted, window) or await self._pass_pairs(pairs)
        if retry:
            for key, _ in counted:
                await self.store.decr(key, window)
            await too_many(retry, "Too many failed logins; try again later")(scope, receive, send)
            return
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, replay, watch)
        if 0 < status < 400:  # no answer at all is no success
            for key, _ in counted:
                await self.store.decr(key, window)
            await self.store.forget(*pairs, *(f"{pair}:gate" for pair in pairs))

    async def _count(self, keys: list[tuple[str, int]], window: int) -> int:
        """Count the attempt in each fixed window; the longest wait if one is over."""
        retry = 0
        for key, limit in keys:
            hit = await self.store.incr(key, window)
            if hit.count > limit:
                retry = max(retry, hit.retry_after)
        return retry

    async def _pass_pairs(self, pairs: list[str]) -> int:
        """Let the attempt through each pair's gate, which it closes for the delay its own
        failure would earn (a success reopens it); else the wait, the attempt not counted."""
        passed: list[str] = []
        claimed: list[str] = []
        for pair in pairs:
            failures = await self.store.bump(pair, PAIR_MEMORY_SECONDS)
            delay = login_delay(
                failures,
                free=self.settings.login_failures_before_delay,
                first=self.settings.login_first_delay_seconds,
                ceiling=self.settings.login_max_delay_seconds,
            )
            wait = await self.store.claim(f"{pair}:gate", delay) if delay else 0
            if wait:  # undo what this refused attempt did to the pairs before this one
                for key in [*passed, pair]:
                    await self.store.unbump(key)
                await self.store.forget(*claimed)
                return wait
            passed.append(pair)
            if delay:
                claimed.append(f"{pair}:gate")
        return 0


async def _read_small_body(receive: Receive) -> tuple[bytes, Receive, bool]:
    """Read a login form (a few hundred bytes): the body, a `receive` that replays it,
    and whether it ended within MAX_LOGIN_BODY."""
    chunks: list[bytes] = []
    size = 0
    more = True
    while more and size <= MAX_LOGIN_BODY:
        message = await receive()
        if message["type"] != "http.request":
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
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay, not more and size <= MAX_LOGIN_BODY
