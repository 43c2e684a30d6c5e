"""Stateful fuzzing: sequences of calls that feed what one operation creates to the
operations that read, change or delete it (POST /postings -> GET, PATCH, DELETE
/postings/{id}, screenings -> /jobs/{id}/events...).

Schemathesis derives the links between operations from the schema (ids in responses
matched to path parameters) and runs them as a Hypothesis state machine against a real
server. A call fails on any 5xx or on an answer the schema does not declare; the run
fails on any error or traceback in the server's logs. Suites of `FUZZ_SCENARIOS`
scenarios of up to `FUZZ_STEPS` calls run until `FUZZ_CALLS` calls (1,000) were made.
"""

from __future__ import annotations

import json
import os
import urllib.request
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import Flaky, FlakyStrategyDefinition
from schemathesis.checks import not_a_server_error
from schemathesis.generation.stateful.state_machine import normalize_name
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz.conftest import FuzzServer

pytestmark = pytest.mark.slow
MIN_CALLS = int(os.environ.get("FUZZ_CALLS", "1000"))
MAX_SUITES = 20
SETTINGS = settings(
    max_examples=int(os.environ.get("FUZZ_SCENARIOS", "100")),
    stateful_step_count=int(os.environ.get("FUZZ_STEPS", "12")),
    deadline=None,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
#: long-lived streams (SSE) never end by themselves: they are not fuzzed
SKIP_PATHS = ("/api/v1/jobs/{job_id}/stream",)
#: links the run must have: from what creates a resource to what reads it
EXPECTED_LINKS = (
    ("POST /api/v1/postings", "GET /api/v1/postings/{posting_id}"),
    ("POST /api/v1/postings", "PATCH /api/v1/postings/{posting_id}"),
    ("POST /api/v1/postings", "DELETE /api/v1/postings/{posting_id}"),
    ("POST /api/v1/jobs", "GET /api/v1/jobs/{job_id}"),
    ("POST /api/v1/jobs", "GET /api/v1/jobs/{job_id}/events"),
    ("POST /api/v1/postings/{posting_id}/screenings", "GET /api/v1/jobs/{job_id}/results"),
    ("POST /api/v1/files", "DELETE /api/v1/files/{file_id}"),
    ("POST /api/v1/auth/api-keys", "DELETE /api/v1/auth/api-keys/{key_id}"),
)


def _has_link(rules: list[str], source: str, target: str) -> bool:
    """Whether the machine has a rule from `source` to `target` (`SRC___<status>_<link>__DST`)."""
    src, dst = normalize_name(source), normalize_name(target)
    return any(rule.startswith(src + "___") and rule.endswith("__" + dst) for rule in rules)


def test_create_then_read_sequences_never_fail(fuzz_server: FuzzServer, fuzz_token: str) -> None:
    with urllib.request.urlopen(f"{fuzz_server.url}/openapi.json", timeout=30) as answer:
        raw = json.loads(answer.read())
    raw["paths"] = {p: item for p, item in raw["paths"].items() if p not in SKIP_PATHS}
    schema = schemathesis.openapi.from_dict(raw)
    headers = {"Authorization": f"Bearer {fuzz_token}"}
    calls: list[str] = []
    failures: dict[str, str] = {}
    base = schema.as_state_machine()
    rules = [name for name in dir(base) if not name.startswith("_")]
    missing = [f"{s} -> {t}" for s, t in EXPECTED_LINKS if not _has_link(rules, s, t)]
    assert not missing, missing

    class Workflow(base):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"base_url": fuzz_server.url, "headers": headers, "timeout": 30}

        def after_call(self, response: Any, case: Any) -> None:
            calls.append(f"{case.method} {case.path}")

        def validate_response(
            self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            # collected, not raised: a replay could not reproduce the server's state, so
            # Hypothesis could not shrink it anyway; the report lists each distinct failure
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except BaseException as exc:  # FailureGroup
                if isinstance(exc, KeyboardInterrupt):
                    raise
                failures.setdefault(f"{case.method} {case.path}", str(exc)[:1500])

    suites = flaky = 0
    while len(calls) < MIN_CALLS and suites < MAX_SUITES:
        # the server's state grows with every call, so a scenario Hypothesis replays may
        # draw differently (Flaky): that suite ends, and the next starts with a new seed
        try:
            hypothesis.seed(suites)(Workflow).run(settings=SETTINGS)
        except (Flaky, FlakyStrategyDefinition):
            flaky += 1
        suites += 1
    operations = len(set(calls))
    print(f"{len(calls)} calls over {operations} operations in {suites} suites ({flaky} cut short)")
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
    assert not fuzz_server.error_lines(), "\n".join(fuzz_server.error_lines()[:40])
    assert len(calls) >= MIN_CALLS, f"only {len(calls)} calls in {suites} suites"
