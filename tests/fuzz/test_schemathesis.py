"""Property-based fuzzing of the whole HTTP API from its own OpenAPI schema.

A real server (subprocess) on a fresh database; an authenticated user; every
operation gets `FUZZ_EXAMPLES` generated cases (default 50: over 1,000 in total).
A case fails on any 5xx, or on a status, content type or body the schema does not
declare; the run fails on any error or traceback in the server's logs.
`FUZZ_EXAMPLES=200 pytest tests/fuzz` digs deeper.
"""

from __future__ import annotations

import json
import os
import urllib.request
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

from tests.fuzz.conftest import FuzzServer

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


def test_datetimes_carry_an_offset(fuzz_server: FuzzServer, fuzz_token: str) -> None:
    request = urllib.request.Request(
        f"{fuzz_server.url}/api/v1/auth/me", headers={"Authorization": f"Bearer {fuzz_token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        created = json.loads(answer.read())["created_at"]
    assert created.endswith("Z") or created[-6] in "+-", created


@pytest.mark.slow
def test_api_conforms_to_its_schema(fuzz_server: FuzzServer, fuzz_token: str) -> None:
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
    assert not fuzz_server.error_lines(), "\n".join(fuzz_server.error_lines()[:40])
    if EXAMPLES >= 40:
        assert len(cases) >= 1000, f"only {len(cases)} cases"
