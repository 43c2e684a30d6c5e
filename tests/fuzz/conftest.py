"""The fuzzers' server: a real uvicorn process on the test database, with the limits
raised so cases are not turned into 429s (the limits are tested elsewhere), and the
pass condition they share: no 5xx, and no error or traceback in the server's logs."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.faults.server import GRACEFUL, base_env
from tests.support import processes

#: a line of an error (or worse), a traceback, or uvicorn's own report of one
ERROR_LINE = re.compile(
    r"\b(ERROR|CRITICAL)\b|Traceback \(most recent call last\)|Exception in ASGI"
)


class FuzzServer(processes.Server):
    """The API under uvicorn, its output in `folder/server.log`, its logs in `folder/logs`."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        super().__init__(env, folder / "server.log", options=GRACEFUL)
        self.folder = folder

    def error_lines(self) -> list[str]:
        """Errors and tracebacks in the server's output and in its `logs/app.log`."""
        texts = [self.output()]
        texts += [p.read_text(errors="replace") for p in (self.folder / "logs").glob("app.log*")]
        return [line for text in texts for line in text.splitlines() if ERROR_LINE.search(line)]


def _post(url: str, data: bytes, content_type: str) -> bytes:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return bytes(answer.read())


@pytest.fixture(scope="module")
def fuzz_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FuzzServer]:
    tmp = tmp_path_factory.mktemp("fuzz")
    env = base_env(
        tmp,
        database_url,
        LOGIN_FAILURES_BEFORE_DELAY="100000",
        LOGIN_FAILURES_PER_IP="1000000",
        LOGIN_FAILURES_GLOBAL="100000000",
        REGISTRATIONS_PER_IP="1000000",
        SUBMISSIONS_PER_USER="1000000",
        ENABLE_DISPATCHER="false",
        LOG_LEVEL="WARNING",
    )
    server = FuzzServer(tmp, env)
    try:
        server.wait_healthy()
        yield server
    finally:
        server.stop()


def login(server: processes.Server, email: str) -> str:
    """Register `email` (if new) and return an access token."""
    body = json.dumps({"email": email, "password": PASSWORD, "full_name": "Fuzz"}).encode()
    try:
        _post(f"{server.url}/api/v1/auth/register", body, "application/json")
    except urllib.error.HTTPError as exc:
        assert exc.code == 409
    form = urllib.parse.urlencode({"username": email, "password": PASSWORD}).encode()
    answer = _post(f"{server.url}/api/v1/auth/token", form, "application/x-www-form-urlencoded")
    return str(json.loads(answer)["access_token"])


@pytest.fixture(scope="module")
def fuzz_token(fuzz_server: FuzzServer) -> str:
    return login(fuzz_server, "fuzz@example.com")
