"""WebSocket fuzzing: random sessions against a real server.

Each generated case is one client: a socket (the feed, its own job, another user's job,
a made-up id), a query (a valid, forged or missing token, under a plain or an encoded
name; any `after_seq`), an Origin, then up to a dozen actions (text, JSON messages the
API knows and ones it does not, binary frames, frames around the size limit, floods,
protocol pings, raw frames with bad opcodes, bad UTF-8 or lying lengths, reads) and an
ending (a close with any code, a TCP abort without a close frame, or a hang-up in the
middle of the HTTP upgrade).

A case fails when the server closes with a code it has no reason to send (1011, an
internal error, above all), answers the upgrade with a 5xx, or writes an error or a
traceback to its logs. `WS_FUZZ_CASES` cases (1,000).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
import websockets
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from websockets.exceptions import (
    ConcurrencyError,
    ConnectionClosed,
    InvalidHandshake,
    InvalidStatus,
)
from websockets.protocol import State

from tests.fuzz.conftest import FuzzServer, login

pytestmark = pytest.mark.slow
CASES = int(os.environ.get("WS_FUZZ_CASES", "1000"))
#: close codes a client of this API may see: normal, going away, protocol and data
#: errors (the server's WebSocket library), policy (too many messages), too big,
#: restart, try again, and the API's own 4008/4401/4403/4404/4422
EXPECTED_CLOSES = {1000, 1001, 1002, 1005, 1006, 1007, 1008, 1009, 1012, 1013}
EXPECTED_CLOSES |= {4008, 4401, 4403, 4404, 4422}
LIMIT = 16 * 1024  # WS_MAX_MESSAGE_BYTES's default
ANSWER_WITHIN = 30.0  # a server that has not answered by then is stuck, not slow
#: how long a read, or the wait for the answer to our close, lasts before the client moves
#: on (a server still reading a frame whose declared length never arrives cannot answer)
GLANCE = 0.05
CLOSE_INTERNAL_ERROR = 1011


@dataclass
class World:
    """What a case may refer to: the fuzz user's token and job, someone else's job."""

    url: str
    token: str
    own_job: str
    other_job: str


@dataclass
class Session:
    target: str
    query: list[tuple[str, str]]
    origin: str | None
    actions: list[tuple[str, Any]]
    ending: tuple[str, int]
    seen: list[int] = field(default_factory=list)


ints = st.one_of(st.integers(-5, 50), st.sampled_from([2**31 - 1, 2**31, 2**63, -(2**63), 10**20]))
texts = st.text(max_size=40)
tokens = st.sampled_from(["VALID", "", "forged", "cvm_forged", "eyJ.x.y", "VALID "])


@st.composite
def messages(draw: st.DrawFn) -> str:
    """A text frame: a message the API knows (with odd values), another JSON, or text."""
    kind = draw(st.sampled_from(["auth", "subscribe", "unsubscribe", "ping", "json", "text"]))
    if kind == "text":
        return draw(st.text(max_size=200))
    if kind == "json":
        value = draw(st.recursive(st.none() | st.booleans() | ints | texts, _nest, max_leaves=8))
        return json.dumps(value)
    body: dict[str, Any] = {"type": kind}
    if kind == "auth":
        body["token"] = draw(tokens | ints)
    if kind in {"subscribe", "unsubscribe"}:
        body["job_id"] = draw(st.sampled_from(["OWN", "OTHER", "00000000-0000"]) | texts | ints)
        if draw(st.booleans()):
            body["after_seq"] = draw(ints | texts | st.none() | st.booleans())
    return json.dumps(body)


def _nest(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4)


actions = st.one_of(
    st.tuples(st.just("text"), messages()),
    st.tuples(st.just("bytes"), st.binary(max_size=300)),
    st.tuples(st.just("sized"), st.sampled_from([LIMIT - 1, LIMIT, LIMIT + 1, 4 * LIMIT])),
    st.tuples(st.just("flood"), st.integers(20, 60)),
    st.tuples(st.just("ping"), st.binary(max_size=125)),
    st.tuples(st.just("raw"), st.tuples(st.sampled_from([0, 1, 2, 3, 7, 8, 9, 11, 15]),
                                        st.binary(max_size=40), st.booleans(), st.booleans())),
    st.tuples(st.just("lying_length"), st.sampled_from([2**16, 2**24, 2**40])),
    st.tuples(st.just("read"), st.none()),
)  # fmt: skip


@st.composite
def sessions(draw: st.DrawFn) -> Session:
    target = draw(st.sampled_from(["/ws", "/ws/jobs/OWN", "/ws/jobs/OTHER", "/ws/jobs/x"]))
    query: list[tuple[str, str]] = []
    if draw(st.booleans()):
        query.append((draw(st.sampled_from(["token", "%74oken", "TOKEN"])), draw(tokens)))
    if draw(st.booleans()):
        query.append(("after_seq", str(draw(ints | texts))))
    origin = draw(st.sampled_from([None, None, "http://localhost:4200", "https://evil.example"]))
    ending = draw(
        st.tuples(st.sampled_from(["close", "abort", "leave", "half_upgrade"]),
                  st.sampled_from([1000, 1001, 3000, 4000, 4999])),
    )  # fmt: skip
    return Session(target, query, origin, draw(st.lists(actions, max_size=12)), ending)


def _frame(opcode: int, payload: bytes, *, fin: bool, masked: bool) -> bytes:
    """A client frame written by hand (the library refuses to send broken ones)."""
    head = bytes([(0x80 if fin else 0) | opcode])
    size = len(payload)
    mask_bit = 0x80 if masked else 0
    if size < 126:
        head += bytes([mask_bit | size])
    else:
        head += bytes([mask_bit | 126]) + size.to_bytes(2, "big")
    if not masked:
        return head + payload
    key = b"\x01\x02\x03\x04"
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def _url(world: World, session: Session) -> str:
    target = session.target.replace("OWN", world.own_job).replace("OTHER", world.other_job)
    pairs = [
        f"{name}={quote(value.replace('VALID', world.token), safe='')}"
        for name, value in session.query  # names as drawn: `%74oken` stays encoded
    ]
    query = "&".join(pairs)
    return f"{world.url}{target}" + (f"?{query}" if query else "")


def _text(world: World, text: str) -> str:
    return text.replace("VALID", world.token).replace("OWN", world.own_job)


async def _act(ws: Any, world: World, action: tuple[str, Any]) -> None:
    kind, value = action
    if kind == "text":
        await ws.send(_text(world, value))
    elif kind == "bytes":
        await ws.send(value)
    elif kind == "sized":
        await ws.send("x" * value)
    elif kind == "flood":
        for _ in range(value):
            await ws.send('{"type": "ping"}')
    elif kind == "ping":
        with contextlib.suppress(ConcurrencyError):  # the same payload twice: the client's rule
            await ws.ping(value)
    elif kind == "raw":
        opcode, payload, fin, masked = value
        _write_raw(ws, _frame(opcode, payload, fin=fin, masked=masked))
    elif kind == "lying_length":
        _write_raw(ws, bytes([0x81, 0x80 | 127]) + value.to_bytes(8, "big") + b"\0" * 8)
    elif kind == "read":
        try:
            await asyncio.wait_for(ws.recv(), GLANCE)
        except TimeoutError:
            pass


def _write_raw(ws: Any, data: bytes) -> None:
    """Bytes straight onto the connection, while it is still open for writing."""
    if ws.state is State.OPEN and not ws.transport.is_closing():
        ws.transport.write(data)


async def _half_upgrade(world: World, session: Session) -> None:
    """Hang up in the middle of the HTTP upgrade."""
    host, port = world.url.removeprefix("ws://").split("/")[0].split(":")
    _reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        f"GET /api/v1{session.target} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n".encode()
    )
    await writer.drain()
    writer.transport.abort()


async def run_session(world: World, session: Session) -> int | None:
    """Play one client; the close code the server sent, if any."""
    mode, code = session.ending
    if mode == "half_upgrade":
        await _half_upgrade(world, session)
        return None
    origin = {"origin": session.origin} if session.origin else {}
    async with websockets.connect(
        _url(world, session), open_timeout=ANSWER_WITHIN, close_timeout=4 * GLANCE, max_size=None,
        compression=None, ping_interval=None, proxy=None, **origin,
    ) as ws:  # fmt: skip
        try:
            for action in session.actions:
                await _act(ws, world, action)
            if mode == "close":
                await ws.close(code)
            elif mode == "abort":
                ws.transport.abort()
            else:  # leave: stop talking and see how the server ends it, if it does
                await asyncio.wait_for(ws.recv(), GLANCE)
        except (ConnectionClosed, TimeoutError):
            pass
    return _server_close_code(ws)


def _server_close_code(ws: Any) -> int | None:
    """The code of a close the server started (an answer to ours only echoes ours)."""
    closed = ws.close_exc if isinstance(ws.close_exc, ConnectionClosed) else None
    if closed is None or closed.rcvd is None:
        return None
    if closed.rcvd.code == CLOSE_INTERNAL_ERROR or closed.rcvd_then_sent is not False:
        return closed.rcvd.code
    return None


@pytest.fixture(scope="module")
def world(fuzz_server: FuzzServer, fuzz_token: str) -> World:
    def job(token: str) -> str:
        body = json.dumps({"pipeline": "sleep", "params": {"seconds": 1, "steps": 2}})
        request = urllib.request.Request(
            f"{fuzz_server.url}/api/v1/jobs", data=body.encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=30) as answer:
            return str(json.loads(answer.read())["id"])

    other = login(fuzz_server, "ws-other@example.com")
    return World(fuzz_server.ws, fuzz_token, job(fuzz_token), job(other))


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    running = asyncio.new_event_loop()
    yield running
    running.close()


def test_random_clients_never_break_the_server(
    fuzz_server: FuzzServer, world: World, loop: asyncio.AbstractEventLoop
) -> None:
    played: list[Session] = []

    @given(session=sessions())
    @settings(
        max_examples=CASES, deadline=None, derandomize=True, database=None,
        phases=[Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    def fuzz(session: Session) -> None:
        played.append(session)
        errors_before = len(fuzz_server.error_lines())
        try:
            code = loop.run_until_complete(
                asyncio.wait_for(run_session(world, session), ANSWER_WITHIN)
            )
        except InvalidStatus as exc:  # the upgrade was refused with an HTTP status
            assert exc.response.status_code < 500, exc
            code = None
        except (InvalidHandshake, ConnectionClosed, OSError):
            code = None  # the server (or our broken frames) ended it during the handshake
        assert code is None or code in EXPECTED_CLOSES, f"closed with {code}"
        new_errors = fuzz_server.error_lines()[errors_before:]
        assert not new_errors, "\n".join(new_errors[:20])

    fuzz()
    kinds = {kind for session in played for kind, _ in session.actions}
    endings = {session.ending[0] for session in played}
    print(f"{len(played)} WebSocket sessions; actions {sorted(kinds)}; endings {sorted(endings)}")
    assert len(played) >= CASES
    with urllib.request.urlopen(f"{fuzz_server.url}/health", timeout=30) as answer:
        assert answer.status == 200  # and it still serves
