"""Who gets in: every route from the OpenAPI schema without credentials, WebSockets,
other users' resources, forged tokens, tokens in logs, traversal filenames."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
from pathlib import Path

import httpx
import jwt
import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from api.config.settings import Settings
from api.main import create_app
from tests.conftest import UserFactory, auth
from tests.support.envelope import assert_envelope

#: routes anyone may call; everything else in the schema must answer 401
PUBLIC = {
    ("GET", "/health"),
    ("GET", "/ready"),
    ("GET", "/api/v1"),
    ("POST", "/api/v1/auth/register"),
    ("POST", "/api/v1/auth/token"),
}
#: public with a signature instead of credentials: 401 without either
SIGNED = {("GET", "/api/v1/candidates/{candidate_id}/file")}
WEBSOCKETS = ["/api/v1/ws", "/api/v1/ws/jobs/00000000-0000-0000-0000-000000000000"]
FAKE_ID = "00000000-0000-0000-0000-000000000000"


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", FAKE_ID, path)


async def test_every_private_route_needs_credentials(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    checked = 0
    for path, operations in schema["paths"].items():
        for method in operations:
            if method.upper() not in {"GET", "POST", "PUT", "PATCH", "DELETE"}:
                continue
            if (method.upper(), path) in PUBLIC:
                continue
            response = await client.request(method.upper(), _concrete(path))
            where = f"{method.upper()} {path}"
            assert response.status_code == 401, f"{where} answered {response.status_code}"
            assert response.json()["error_code"] in {"UNAUTHENTICATED"}, where
            checked += 1
    assert checked >= 20, "the schema lists the API's routes"
    # a bad key or token is no better than none
    for headers in ({"X-API-Key": "cvm_forged"}, {"Authorization": "Bearer nonsense"}):
        answer = await client.get("/api/v1/postings", headers=headers)
        assert answer.status_code == 401


def test_every_websocket_closes_4401_without_a_token(settings: Settings) -> None:
    app = create_app(settings)
    with TestClient(app) as test_client:
        for path in WEBSOCKETS:
            for query in ("", "?token=forged", "?token=cvm_forged"):
                with test_client.websocket_connect(path + query) as socket:
                    if not query:  # no token: the first message must authenticate
                        socket.send_text(json.dumps({"type": "auth", "token": "nope"}))
                    with pytest.raises(WebSocketDisconnect) as closed:
                        socket.receive_text()
                    assert closed.value.code == 4401, f"{path}{query}"
    ws_routes = {r.path for r in app.routes if type(r).__name__ == "APIWebSocketRoute"}
    assert ws_routes <= {"/api/v1/ws", "/api/v1/ws/jobs/{job_id}"}, ws_routes


async def _posting(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    made = await client.post(
        "/api/v1/postings",
        json={"title": "Data Engineer", "description": "Python, SQL and Airflow pipelines."},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


async def test_other_users_resources_are_404(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    owner, other = auth(await make_user()), auth(await make_user())
    posting_id = await _posting(client, owner)
    upload = await client.post(
        "/api/v1/files",
        files=[
            ("files", ("cv.txt", b"Jane Doe\njane@example.com\nSkills: Python, SQL", "text/plain"))
        ],
        headers=owner,
    )
    assert upload.status_code == 201, upload.text
    file_id = upload.json()["items"][0]["id"]
    job = await client.post(
        f"/api/v1/postings/{posting_id}/screenings", json={"file_ids": [file_id]}, headers=owner
    )
    assert job.status_code == 202, job.text
    job_id = job.json()["id"]
    candidate_id = None
    for _ in range(300):
        page = await client.get(f"/api/v1/postings/{posting_id}/candidates", headers=owner)
        if page.status_code == 200 and page.json()["items"]:
            candidate_id = page.json()["items"][0]["id"]
            break
        await asyncio.sleep(0.1)
    assert candidate_id, "the screening produced a candidate"

    for method, path in [
        ("GET", f"/api/v1/postings/{posting_id}"),
        ("PATCH", f"/api/v1/postings/{posting_id}"),
        ("DELETE", f"/api/v1/postings/{posting_id}"),
        ("GET", f"/api/v1/postings/{posting_id}/candidates"),
        ("GET", f"/api/v1/jobs/{job_id}"),
        ("GET", f"/api/v1/jobs/{job_id}/events"),
        ("POST", f"/api/v1/jobs/{job_id}/cancel"),
        ("DELETE", f"/api/v1/jobs/{job_id}"),
        ("GET", f"/api/v1/candidates/{candidate_id}"),
        ("GET", f"/api/v1/candidates/{candidate_id}/file"),
        ("DELETE", f"/api/v1/files/{file_id}"),
    ]:
        kwargs = {"json": {"title": "Stolen"}} if method == "PATCH" else {}
        response = await client.request(method, path, headers=other, **kwargs)  # type: ignore[arg-type]
        assert_envelope(response, 404, "NOT_FOUND")
    # and the owner still has everything
    assert (await client.get(f"/api/v1/postings/{posting_id}", headers=owner)).status_code == 200
    assert (
        await client.get(f"/api/v1/candidates/{candidate_id}/file", headers=owner)
    ).status_code == 200
    # a forged signature, far from expired, opens nothing
    bad_sig = await client.get(f"/api/v1/candidates/{candidate_id}/file?sig=9999999999.abc")
    assert_envelope(bad_sig, 401, "INVALID_SIGNATURE")


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_forged_tokens_are_rejected(
    client: httpx.AsyncClient, make_user: UserFactory, settings: Settings
) -> None:
    user = await make_user()
    secret = settings.secret_key.get_secret_value()
    now = int(time.time())
    claims = {"sub": user["id"], "iat": now - 7200, "exp": now - 3600, "type": "access"}
    expired = jwt.encode(claims, secret, algorithm="HS256")
    valid = user["Authorization"].split()[1]
    head, body, signature = valid.split(".")
    tampered_sig = f"{head}.{body}.{signature[:-4]}AAAA"
    alg_none = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64({**claims, 'exp': now + 3600})}."
    wrong_key = jwt.encode({**claims, "exp": now + 3600}, "another-secret-" * 4, algorithm="HS256")
    other_claims = {**claims, "sub": "someone-else", "exp": now + 3600}
    swapped_body = f"{head}.{_b64(other_claims)}.{signature}"

    for token, code in [
        (expired, "TOKEN_EXPIRED"),
        (tampered_sig, "UNAUTHENTICATED"),
        (alg_none, "UNAUTHENTICATED"),
        (wrong_key, "UNAUTHENTICATED"),
        (swapped_body, "UNAUTHENTICATED"),
    ]:
        response = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert_envelope(response, 401, code)
    ok = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {valid}"})
    assert ok.status_code == 200


async def test_query_string_tokens_never_reach_the_log(
    client: httpx.AsyncClient, make_user: UserFactory, settings: Settings
) -> None:
    user = await make_user()
    token = user["Authorization"].split()[1]
    # no job runs here: a background unit would hold SQLite's lock at teardown
    await client.get(f"/api/v1/jobs/{FAKE_ID}/events?token={token}&after_seq=0")
    await client.get(f"/api/v1/candidates/{FAKE_ID}/file?sig=123.deadbeefsignature")
    await client.get(f"/api/v1/jobs?token={token}")
    log = (Path(settings.log_dir) / "app.log").read_text()
    assert "/api/v1/jobs" in log, "the access lines were written"
    assert token not in log
    assert token.split(".")[2] not in log  # not even the signature part
    assert "deadbeefsignature" not in log


def _escapes(upload_dir: Path, around: Path) -> list[str]:
    """Files outside UPLOAD_DIR that an upload wrote, or stored paths leaving it."""
    root = upload_dir.resolve()
    found = [str(p) for p in root.rglob("*") if not p.resolve().is_relative_to(root)]
    for n in range(1, 6):
        found += [str(p) for p in around.rglob(f"escape{n}.txt")]
        found += [f"/tmp/escape{n}.txt"] if Path(f"/tmp/escape{n}.txt").exists() else []
    return found


async def test_traversal_filenames_stay_inside_upload_dir(
    client: httpx.AsyncClient, make_user: UserFactory, settings: Settings, tmp_path: Path
) -> None:
    headers = auth(await make_user())
    names = [
        "../../../../escape1.txt",
        "..\\..\\escape2.txt",
        "/tmp/escape3.txt",
        "%2e%2e%2fescape4.txt",
        "sub/../../escape5.txt",
        "nul\x00byte.txt",
    ]
    files = [
        ("files", (name, f"Jane Doe {n}\nSkills: Python".encode(), "text/plain"))
        for n, name in enumerate(names)
    ]
    response = await client.post("/api/v1/files", files=files, headers=headers)
    assert response.status_code == 201, response.text
    assert _escapes(Path(settings.upload_dir), tmp_path.parent) == []
    # the names are kept as labels only, never as paths
    listed = (await client.get("/api/v1/files", headers=headers)).json()["items"]
    assert len(listed) == len(names)
    assert all("/" not in f["filename"] and "\\" not in f["filename"] for f in listed)
