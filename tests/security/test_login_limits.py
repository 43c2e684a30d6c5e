"""Login and registration limits: the identity the endpoint reads, whatever the encoding;
a growing delay per account and client; the per-address and global limits; the stores."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from api.config.settings import Settings
from api.core import ratelimit, ratestore
from tests.conftest import PASSWORD
from tests.security.conftest import ClientFactory, register
from tests.support.envelope import assert_envelope

LOGIN = "/api/v1/auth/token"
WRONG = "Wrong-Password-1"
PROXY = {"trusted_proxies": ["10.0.0.0/8"], "client_addr": ("10.1.2.3", 4000)}
#: a first delay far longer than any test runs, so no gate opens by itself mid-test
SLOW = {"login_first_delay_seconds": 600}


def at(address: str) -> dict[str, str]:
    """Headers of a client at `address` (behind the trusted proxy of PROXY)."""
    return {"X-Forwarded-For": address}


async def _login(client: httpx.AsyncClient, email: str, password: str, **kw: Any) -> httpx.Response:
    return await client.post(LOGIN, data={"username": email, "password": password}, **kw)


async def _multipart_login(
    client: httpx.AsyncClient, email: str, password: str, **kw: Any
) -> httpx.Response:
    form = {"username": (None, email), "password": (None, password)}
    return await client.post(LOGIN, files=form, **kw)


async def test_multipart_logins_count_against_the_account(client_with: ClientFactory) -> None:
    async with client_with(
        login_failures_before_delay=3, login_failures_per_ip=100, **SLOW
    ) as client:
        await register(client, "victim@example.com")
        for _ in range(3):
            wrong = await _multipart_login(client, "victim@example.com", WRONG)
            assert_envelope(wrong, 401, "INVALID_CREDENTIALS")
        limited = await _multipart_login(client, "Victim@Example.com ", WRONG)
        assert_envelope(limited, 429, "RATE_LIMITED")
        # the url-encoded form is the same account to the limit
        assert (await _login(client, "victim@example.com", WRONG)).status_code == 429


async def test_every_username_in_the_form_is_counted(client_with: ClientFactory) -> None:
    """The endpoint reads one of several `username` fields: each of them is counted."""
    async with client_with(
        login_failures_before_delay=2, login_failures_per_ip=100, **SLOW
    ) as client:
        await register(client, "victim@example.com")
        body = f"username=decoy%40example.com&username=victim%40example.com&password={WRONG}"
        form = {"content-type": "application/x-www-form-urlencoded"}
        for _ in range(2):
            answer = await client.post(LOGIN, content=body.encode(), headers=form)
            assert_envelope(answer, 401, "INVALID_CREDENTIALS")
        assert (await _login(client, "victim@example.com", PASSWORD)).status_code == 429


async def test_failed_logins_slow_down_only_the_guessing_client(
    client_with: ClientFactory,
) -> None:
    async with client_with(
        login_failures_before_delay=3, login_failures_per_ip=100, **PROXY, **SLOW
    ) as client:
        await register(client, "owner@example.com")
        attacker, owner = at("203.0.113.66"), at("198.51.100.7")
        for _ in range(3):
            wrong = await _login(client, "owner@example.com", WRONG, headers=attacker)
            assert_envelope(wrong, 401, "INVALID_CREDENTIALS")
        slowed = await _login(client, "owner@example.com", WRONG, headers=attacker)
        assert_envelope(slowed, 429, "RATE_LIMITED")
        assert 1 <= int(slowed.headers["retry-after"]) <= 600
        # the right password does not get through the delay either: no oracle
        right = await _login(client, "owner@example.com", PASSWORD, headers=attacker)
        assert right.status_code == 429
        # the owner, elsewhere, is not locked out
        mine = await _login(client, "owner@example.com", PASSWORD, headers=owner)
        assert mine.status_code == 200, mine.text


class _Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def _password_check(scope: Scope, receive: Receive, send: Send) -> None:
    """Stands in for the login endpoint: 200 for the password `right`, else 401."""
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    status = 200 if b"password=right" in body else 401
    await JSONResponse({}, status_code=status)(scope, receive, send)


async def test_the_delay_doubles_up_to_its_ceiling_and_a_success_clears_it(
    settings: Settings,
) -> None:
    clock = _Clock()
    custom = settings.model_copy(
        update={"login_failures_before_delay": 2, "login_max_delay_seconds": 8}
    )
    limited = ratelimit.RateLimitMiddleware(
        _password_check, settings=custom, store=ratestore.MemoryStore(clock=clock)
    )
    transport = httpx.ASGITransport(app=limited)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:

        async def attempt(password: str) -> httpx.Response:
            return await client.post(LOGIN, data={"username": "a@b.c", "password": password})

        assert (await attempt("wrong")).status_code == 401
        waits = []
        for _ in range(6):
            assert (await attempt("wrong")).status_code == 401
            refused = await attempt("wrong")
            assert refused.status_code == 429
            waits.append(int(refused.headers["retry-after"]))
            clock.now += waits[-1]
        assert waits == [1, 2, 4, 8, 8, 8]
        assert (await attempt("right")).status_code == 200
        assert (await attempt("wrong")).status_code == 401  # cleared: free tries again
        assert (await attempt("wrong")).status_code == 401


async def test_a_refused_form_with_several_usernames_leaves_no_gate_behind(
    settings: Settings,
) -> None:
    custom = settings.model_copy(
        update={"login_failures_before_delay": 1, "login_first_delay_seconds": 600}
    )
    limited = ratelimit.RateLimitMiddleware(
        _password_check, settings=custom, store=ratestore.MemoryStore(clock=_Clock())
    )
    form = {"content-type": "application/x-www-form-urlencoded"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=limited), base_url="http://t"
    ) as c:
        assert (
            await c.post(LOGIN, content=b"username=b&password=x", headers=form)
        ).status_code == 401
        both = await c.post(LOGIN, content=b"username=a&username=b&password=x", headers=form)
        assert both.status_code == 429  # b's gate is closed
        # the refused attempt neither counted against a nor closed a's gate
        assert (
            await c.post(LOGIN, content=b"username=a&password=x", headers=form)
        ).status_code == 401


async def test_a_login_that_got_no_answer_still_counts(settings: Settings) -> None:
    async def silent(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()  # and never answers

    custom = settings.model_copy(update={"login_failures_per_ip": 1})
    limited = ratelimit.RateLimitMiddleware(
        silent, settings=custom, store=ratestore.MemoryStore(clock=_Clock())
    )
    scope = {
        "type": "http",
        "method": "POST",
        "path": LOGIN,
        "headers": [],
        "client": ("1.2.3.4", 1),
    }
    sent: list[Any] = []

    async def receive() -> Any:
        return {"type": "http.request", "body": b"username=a&password=x", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    await limited(scope, receive, send)
    assert sent == []
    await limited(scope, receive, send)
    assert sent[0]["status"] == 429


def test_login_delay_grows_from_the_free_failures() -> None:
    delays = [ratelimit.login_delay(n, free=3, first=1, ceiling=60) for n in range(1, 12)]
    assert delays == [0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert ratelimit.login_delay(5, free=5, first=30, ceiling=900) == 30
    assert ratelimit.login_delay(10**9, free=1, first=1, ceiling=900) == 900


async def test_successful_logins_do_not_count(client_with: ClientFactory) -> None:
    async with client_with(login_failures_before_delay=2, login_failures_per_ip=2) as client:
        await register(client, "often@example.com")
        for _ in range(5):
            assert (await _login(client, "often@example.com", PASSWORD)).status_code == 200


async def test_failed_logins_per_address_are_limited(client_with: ClientFactory) -> None:
    async with client_with(login_failures_per_ip=3) as client:
        for n in range(3):
            await _login(client, f"guess{n}@example.com", WRONG)
        limited = await _login(client, "guess9@example.com", WRONG)
        assert_envelope(limited, 429, "RATE_LIMITED")
        assert "retry-after" in limited.headers


async def test_failed_logins_of_all_clients_have_a_global_ceiling(
    client_with: ClientFactory,
) -> None:
    async with client_with(login_failures_global=3, **PROXY) as client:
        for n in range(3):
            await _login(client, f"guess{n}@example.com", WRONG, headers=at(f"192.0.2.{n}"))
        limited = await _login(client, "any@example.com", WRONG, headers=at("192.0.2.99"))
        assert_envelope(limited, 429, "RATE_LIMITED")


async def test_forwarded_for_counts_only_from_a_trusted_proxy(client_with: ClientFactory) -> None:
    async with client_with(login_failures_per_ip=2, **PROXY) as client:
        for _ in range(2):
            await _login(client, "x@example.com", WRONG, headers=at("203.0.113.7"))
        assert (
            await _login(client, "y@example.com", WRONG, headers=at("203.0.113.7"))
        ).status_code == 429
        assert (
            await _login(client, "z@example.com", WRONG, headers=at("203.0.113.8"))
        ).status_code == 401

    async with client_with(login_failures_per_ip=2, client_addr=("198.51.100.1", 4000)) as client:
        # not behind a trusted proxy: a forged header changes nothing
        for n in range(2):
            await _login(client, "x@example.com", WRONG, headers=at(f"192.0.2.{n}"))
        assert (
            await _login(client, "y@example.com", WRONG, headers=at("192.0.2.99"))
        ).status_code == 429


async def test_a_login_form_over_16_kb_is_refused(client_with: ClientFactory) -> None:
    """Else the username could hide past what the limit reads."""
    async with client_with() as client:
        padded = {"padding": "x" * 17_000, "username": "a@example.com", "password": WRONG}
        assert_envelope(await client.post(LOGIN, data=padded), 413, "REQUEST_TOO_LARGE")


async def test_an_unreadable_login_form_gets_the_endpoints_answer(
    client_with: ClientFactory,
) -> None:
    async with client_with() as client:
        broken = await client.post(
            LOGIN,
            content=b"--zz\r\nContent-Disposition: form-data; name=username\r\n\r\nx",
            headers={"content-type": "multipart/form-data; boundary=zz"},
        )
        assert broken.status_code in {400, 422}, broken.text
        as_json = await client.post(LOGIN, json={"username": "a@example.com", "password": WRONG})
        assert_envelope(as_json, 422, "VALIDATION_ERROR")


async def test_registrations_per_address_are_limited(client_with: ClientFactory) -> None:
    async with client_with(registrations_per_ip=2, **PROXY) as client:
        here = at("203.0.113.20")
        body = {"email": "taken@example.com", "password": PASSWORD, "full_name": "T"}
        first = await client.post("/api/v1/auth/register", json=body, headers=here)
        assert first.status_code == 201, first.text
        taken = await client.post("/api/v1/auth/register", json=body, headers=here)
        assert_envelope(taken, 409, "EMAIL_TAKEN")
        probe = {**body, "email": "probe@example.com"}
        limited = await client.post("/api/v1/auth/register", json=probe, headers=here)
        assert_envelope(limited, 429, "RATE_LIMITED")
        assert int(limited.headers["retry-after"]) >= 1
        elsewhere = await client.post("/api/v1/auth/register", json=probe, headers=at("192.0.2.5"))
        assert elsewhere.status_code == 201, elsewhere.text


async def test_limits_can_be_switched_off(client_with: ClientFactory) -> None:
    async with client_with(rate_limit_enabled=False, login_failures_before_delay=1) as client:
        for _ in range(3):
            assert (await _login(client, "n@example.com", WRONG)).status_code == 401
