"""Property-based fuzzing of the whole HTTP API from its own OpenAPI schema.

A real server (subprocess) on a fresh database; an authenticated user; every
operation gets `FUZZ_EXAMPLES` generated cases (default 50: over 1,000 in total).
A case fails on any 5xx, or on a status, content type or body the schema does not
declare. `FUZZ_EXAMPLES=200 pytest tests/fuzz` digs deeper.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import PASSWORD
from tests.faults.server import api_server, base_env
from tests.support import processes

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
#: long-lived streams (SSE) never end by themselves: they are not fuzzed
SKIP_PATHS = {"/api/v1/jobs/{job_id}/stream"}
#: erasing the fuzzing account would leave every later case unauthenticated
SKIP_OPERATIONS = {("DELETE", "/api/v1/auth/me")}


def _post(url: str, data: bytes, content_type: str) -> bytes:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return bytes(answer.read())


@pytest.fixture(scope="module")
def fuzz_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    tmp = tmp_path_factory.mktemp("fuzz")
    env = base_env(
        tmp,
        database_url,
        # the limits are tested elsewhere: here they must not turn cases into 429s
        LOGIN_FAILURES_PER_USER="100000",
        LOGIN_FAILURES_PER_IP="1000000",
        SUBMISSIONS_PER_USER="1000000",
        ENABLE_DISPATCHER="false",
        LOG_LEVEL="WARNING",
    )
    server = api_server(env, tmp / "server.log")
    try:
        server.wait_healthy()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def fuzz_token(fuzz_server: processes.Server) -> str:
    email = "fuzz@example.com"
    body = json.dumps({"email": email, "password": PASSWORD, "full_name": "Fuzz"}).encode()
    try:
        _post(f"{fuzz_server.url}/api/v1/auth/register", body, "application/json")
    except urllib.error.HTTPError as exc:
        assert exc.code == 409
    form = urllib.parse.urlencode({"username": email, "password": PASSWORD}).encode()
    answer = _post(
        f"{fuzz_server.url}/api/v1/auth/token", form, "application/x-www-form-urlencoded"
    )
    return str(json.loads(answer)["access_token"])


def test_datetimes_carry_an_offset(fuzz_server: processes.Server, fuzz_token: str) -> None:
    request = urllib.request.Request(
        f"{fuzz_server.url}/api/v1/auth/me", headers={"Authorization": f"Bearer {fuzz_token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        created = json.loads(answer.read())["created_at"]
    assert created.endswith("Z") or created[-6] in "+-", created


@pytest.mark.slow
def test_api_conforms_to_its_schema(fuzz_server: processes.Server, fuzz_token: str) -> None:
    with urllib.request.urlopen(f"{fuzz_server.url}/openapi.json", timeout=30) as answer:
        raw = json.loads(answer.read())
    schema = schemathesis.openapi.from_dict(raw)
    headers = {"Authorization": f"Bearer {fuzz_token}"}
    cases: list[str] = []
    failures: dict[str, str] = {}

    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in SKIP_PATHS or (operation.method.upper(), operation.path) in (
            SKIP_OPERATIONS
        ):
            continue

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def fuzz(case: Any) -> None:
            cases.append(case.operation.label)
            case.call_and_validate(
                base_url=fuzz_server.url, headers=headers, checks=CHECKS, timeout=30
            )

        try:
            fuzz()
        except BaseException as exc:  # FailureGroup: collect every operation's failures
            if isinstance(exc, KeyboardInterrupt):
                raise
            failures[operation.label] = str(exc)[:1500]

    print(f"{len(cases)} generated cases over {len(set(cases))} operations")
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
    if EXAMPLES >= 40:
        assert len(cases) >= 1000, f"only {len(cases)} cases"
