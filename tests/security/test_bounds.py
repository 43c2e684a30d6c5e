"""Every number the API accepts, found in its own OpenAPI schema: each integer has a
range that fits an INTEGER column, each float refuses NaN and infinities, all with 422
(never a 500, never a 201 that stores nonsense); and the places numbers arrive outside
the schema: event seqs over WebSocket and SSE, cursors."""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from api.config.settings import Settings
from api.main import create_app
from api.recruiting import user as user_service
from tests.conftest import PASSWORD, UserFactory, auth
from tests.jobs.helpers import wait_job
from tests.support.envelope import assert_envelope

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
FAKE_ID = "00000000-0000-0000-0000-000000000000"
HUGE = 99999999999999999999
NON_FINITE = {"query": ["nan", "inf", "-inf"], "body": [float("nan"), float("inf"), -float("inf")]}
Leaf = tuple[tuple[str, ...], dict[str, Any]]


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = root["components"]["schemas"][name]
    return schema


def numbers_in(
    schema: dict[str, Any], root: dict[str, Any], at: tuple[str, ...] = ()
) -> Iterator[Leaf]:
    """Every integer and number leaf of a schema, with its location in the instance."""
    schema = _resolve(schema, root)
    for key in ("anyOf", "oneOf", "allOf"):
        for variant in schema.get(key, []):
            yield from numbers_in(variant, root, at)
    kind = schema.get("type")
    if kind in {"integer", "number"}:
        yield at, schema
    for name, sub in schema.get("properties", {}).items():
        yield from numbers_in(sub, root, (*at, name))
    if isinstance(schema.get("items"), dict):
        yield from numbers_in(schema["items"], root, (*at, "0"))
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        names = schema.get("propertyNames", {}).get("enum") or ["x"]
        yield from numbers_in(extra, root, (*at, names[0]))


def _nest(at: tuple[str, ...], value: Any) -> Any:
    for part in reversed(at):
        value = [value] if part == "0" else {part: value}
    return value


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", FAKE_ID, path)


async def _send(
    client: httpx.AsyncClient, method: str, path: str, where: str, name: str, value: Any,
    headers: dict[str, str],
) -> httpx.Response:  # fmt: skip
    if where == "query":
        return await client.request(method, _concrete(path), params={name: value}, headers=headers)
    body = json.dumps(value, allow_nan=True)  # NaN and Infinity, as a careless client sends
    return await client.request(
        method, _concrete(path), content=body,
        headers={**headers, "content-type": "application/json"},
    )  # fmt: skip


def _refused_at(answer: httpx.Response, loc: list[str], kind: str | None = None) -> bool:
    if answer.status_code != 422:
        return False
    for error in answer.json().get("errors") or []:
        if [str(part) for part in error["loc"]] == loc and kind in {None, error["type"]}:
            return True
    return False


def _inputs(schema: dict[str, Any]) -> Iterator[tuple[str, str, str, str, Leaf]]:
    """(method, path, where, name, (loc, leaf)) of every number an operation takes."""
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for param in operation.get("parameters", []):
                if param["in"] in {"query", "path", "header"}:
                    for leaf in numbers_in(param["schema"], schema):
                        yield method, path, param["in"], param["name"], leaf
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                for leaf in numbers_in(content["application/json"]["schema"], schema):
                    yield method, path, "body", "", leaf


async def test_every_number_the_api_accepts_is_bounded_and_finite(
    app: Any, client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    made = await make_user()
    async with app.state.sessionmaker() as session:  # admin, so the admin routes answer too
        await user_service.set_admin(session=session, email=made["email"])
    user = auth(made)
    schema = (await client.get("/openapi.json")).json()
    problems: list[str] = []
    checked: set[str] = set()
    for method, path, where, name, (at, leaf) in _inputs(schema):
        label = f"{method.upper()} {path} {where}:{name or '.'.join(at)}"
        checked.add(label)
        loc = [where, name] if where != "body" else ["body", *at]
        if where not in {"query", "body"}:
            problems.append(f"{label}: a number in the {where}")
            continue
        if leaf["type"] == "integer":
            low, high = leaf.get("minimum"), leaf.get("maximum")
            if low is None or high is None or low < INT32_MIN or high > INT32_MAX:
                problems.append(f"{label}: range {low}..{high} is not within an INTEGER column")
                continue
            for value in (high + 1, HUGE):
                sent = value if where == "body" else str(value)
                answer = await _send(client, method, path, where, name, _nest(at, sent), user)
                if not _refused_at(answer, loc):
                    problems.append(f"{label}={value}: {answer.status_code} {answer.text[:200]}")
        else:
            for value in NON_FINITE[where]:
                answer = await _send(client, method, path, where, name, _nest(at, value), user)
                if not _refused_at(answer, loc, "finite_number"):
                    problems.append(f"{label}={value}: {answer.status_code} {answer.text[:200]}")
    assert not problems, "\n".join(problems)
    # the walk reached the numbers this API is known to take (a guard on the walk itself)
    for known in (
        "GET /api/v1/jobs/{job_id}/events query:after_seq",
        "GET /api/v1/jobs/{job_id}/stream query:after_seq",
        "GET /api/v1/postings/{posting_id}/candidates query:min_score",
        "POST /api/v1/postings body:weights.required_skills",
        "PATCH /api/v1/postings/{posting_id} body:min_years_experience",
        "POST /api/v1/jobs body:priority",
        "GET /api/v1/admin/audit query:limit",
    ):
        assert known in checked, known
    assert len(checked) >= 15, sorted(checked)


async def _job(client: httpx.AsyncClient, user: dict[str, str]) -> dict[str, Any]:
    made = await client.post("/api/v1/jobs", json={"pipeline": "noop", "params": {}}, headers=user)
    assert made.status_code == 202, made.text
    return await wait_job(client, user, made.json()["id"])


async def test_an_event_seq_past_the_column_is_422_not_500(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    user = auth(await make_user())
    job = await _job(client, user)
    events = await client.get(f"/api/v1/jobs/{job['id']}/events?after_seq={HUGE}", headers=user)
    assert_envelope(events, 422, "VALIDATION_ERROR")
    stream = await client.get(f"/api/v1/jobs/{job['id']}/stream?after_seq={HUGE}", headers=user)
    assert_envelope(stream, 422, "VALIDATION_ERROR")
    resumed = await client.get(
        f"/api/v1/jobs/{job['id']}/stream", headers={**user, "Last-Event-ID": str(HUGE)}
    )
    assert_envelope(resumed, 422, "INVALID_SEQ")


@pytest.mark.parametrize("after_seq", [str(HUGE), "-1", "1e3", "²"])
def test_a_websocket_after_seq_out_of_range_closes_4422(
    own_database_settings: Settings, after_seq: str
) -> None:
    with TestClient(create_app(own_database_settings)) as test_client:
        email = f"seq-{secrets.token_hex(4)}@example.com"  # the database outlives the app
        body = {"email": email, "password": PASSWORD, "full_name": "S"}
        assert test_client.post("/api/v1/auth/register", json=body).status_code == 201
        form = {"username": email, "password": PASSWORD}
        token = test_client.post("/api/v1/auth/token", data=form).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        job = test_client.post("/api/v1/jobs", json={"pipeline": "noop"}, headers=headers).json()
        url = f"/api/v1/ws/jobs/{job['id']}?token={token}&after_seq={after_seq}"
        with test_client.websocket_connect(url) as socket:
            with pytest.raises(WebSocketDisconnect) as closed:
                socket.receive_text()
        assert closed.value.code == 4422
        assert "after_seq must be an event seq" in closed.value.reason
        # the feed answers a bad subscription with an error message and stays open
        with test_client.websocket_connect(f"/api/v1/ws?token={token}") as socket:
            assert _next_control(socket)["type"] == "ready"
            socket.send_json({"type": "subscribe", "job_id": job["id"], "after_seq": HUGE})
            error = _next_control(socket)
            assert (error["type"], error["error_code"]) == ("error", "INVALID_SEQ")
            socket.send_json({"type": "ping"})
            assert _next_control(socket)["type"] == "pong"


def _next_control(socket: Any) -> dict[str, Any]:
    """The feed's next own message, past the job's status events it also carries."""
    for _ in range(50):
        message: dict[str, Any] = socket.receive_json()
        if not message["type"].startswith("job."):
            return message
    raise AssertionError("no control message among 50")


async def test_weights_must_be_finite_and_bounded(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    user = auth(await make_user())
    base = '{"title": "Data Engineer", "description": "Python and SQL", "weights": '
    for weights in ('{"required_skills": NaN}', '{"required_skills": Infinity}',
                    '{"required_skills": 1e999}'):  # fmt: skip
        answer = await client.post(
            "/api/v1/postings", content=base + weights + "}",
            headers={**user, "content-type": "application/json"},
        )  # fmt: skip
        assert _refused_at(answer, ["body", "weights", "required_skills"], "finite_number"), (
            answer.text
        )
    # finite but so large that their sum overflows to infinity: every score would be 0
    huge = {"required_skills": 1e308, "text_relevance": 1e308}
    answer = await client.post(
        "/api/v1/postings",
        json={"title": "T", "description": "Python", "weights": huge},
        headers=user,
    )
    assert _refused_at(answer, ["body", "weights", "required_skills"]), answer.text
    fine = await client.post(
        "/api/v1/postings",
        json={"title": "T", "description": "Python", "weights": {"required_skills": 3}},
        headers=user,
    )
    assert fine.status_code == 201, fine.text


def _cursor(*values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


async def test_a_forged_cursor_with_an_out_of_range_number_is_422(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    user = auth(await make_user())
    made = await client.post(
        "/api/v1/postings", json={"title": "T", "description": "Python"}, headers=user
    )
    url = f"/api/v1/postings/{made.json()['id']}/candidates"
    for cursor in (_cursor(HUGE, "x"), _cursor(float("nan"), "x"), _cursor(True, "x")):
        answer = await client.get(url, params={"cursor": cursor}, headers=user)
        assert_envelope(answer, 422, "INVALID_CURSOR")
    ok = await client.get(url, params={"cursor": _cursor(3, "x")}, headers=user)
    assert ok.status_code == 200, ok.text
