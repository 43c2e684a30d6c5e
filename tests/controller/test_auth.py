"""Accounts: register, token, me, API keys, and every failure answer."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from api.config.settings import Settings
from tests.conftest import PASSWORD, UserFactory, auth
from tests.support.envelope import assert_envelope


async def test_register_token_me(client: httpx.AsyncClient) -> None:
    reg = await client.post(
        "/api/v1/auth/register",
        json={"email": "Ada@Example.com", "password": PASSWORD, "full_name": " Ada Lovelace "},
    )
    assert reg.status_code == 201
    user = reg.json()
    assert user["email"] == "ada@example.com" and user["full_name"] == "Ada Lovelace"
    assert "password" not in str(user) and user["is_admin"] is False

    tok = await client.post(
        "/api/v1/auth/token", data={"username": "ada@example.com", "password": PASSWORD}
    )
    assert tok.status_code == 200
    body = tok.json()
    assert body["token_type"] == "bearer" and body["expires_in"] > 0
    me = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200 and me.json()["id"] == user["id"]


async def test_duplicate_email_is_409(client: httpx.AsyncClient, make_user: UserFactory) -> None:
    await make_user("dup@example.com")
    again = await client.post(
        "/api/v1/auth/register",
        json={"email": "DUP@example.com", "password": PASSWORD, "full_name": "X"},
    )
    assert_envelope(again, 409, "EMAIL_TAKEN")


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("not-an-email", PASSWORD),
        ("ok@example.com", "short1A!"),
        ("ok@example.com", "alllowercaseletters"),
        ("ok@example.com", "a" * 200),
    ],
)
async def test_weak_password_or_bad_email_is_422(
    client: httpx.AsyncClient, email: str, password: str
) -> None:
    response = await client.post(
        "/api/v1/auth/register", json={"email": email, "password": password, "full_name": "X"}
    )
    body = assert_envelope(response, 422, "VALIDATION_ERROR")
    errors = body["errors"]
    assert isinstance(errors, list) and errors
    assert errors[0]["loc"][0] == "body"


async def test_bad_credentials_are_401(client: httpx.AsyncClient, make_user: UserFactory) -> None:
    user = await make_user()
    wrong = await client.post(
        "/api/v1/auth/token", data={"username": user["email"], "password": "Wrong-pass-99"}
    )
    assert_envelope(wrong, 401, "INVALID_CREDENTIALS")
    unknown = await client.post(
        "/api/v1/auth/token", data={"username": "nobody@example.com", "password": PASSWORD}
    )
    assert_envelope(unknown, 401, "INVALID_CREDENTIALS")


async def test_me_requires_credentials(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/auth/me")
    assert_envelope(response, 401, "UNAUTHENTICATED")
    assert response.headers["www-authenticate"] == "Bearer"


async def test_rejects_expired_tampered_and_unsigned_tokens(
    client: httpx.AsyncClient, make_user: UserFactory, settings: Settings
) -> None:
    user = await make_user()
    secret = settings.secret_key.get_secret_value()
    now = int(time.time())
    expired = jwt.encode(
        {"sub": user["id"], "iat": now - 100, "exp": now - 10, "type": "access"}, secret, "HS256"
    )
    unsigned = jwt.encode(
        {"sub": user["id"], "iat": now, "exp": now + 60, "type": "access"}, None, "none"
    )
    good = user["Authorization"].split()[1]
    head, payload, sig = good.split(".")
    tampered = f"{head}.{payload}.{sig[:-2]}{'AA' if sig[-2:] != 'AA' else 'BB'}"
    wrong_type = jwt.encode(
        {"sub": user["id"], "iat": now, "exp": now + 60, "type": "refresh"}, secret, "HS256"
    )
    codes = {}
    for name, token in [
        ("expired", expired),
        ("none", unsigned),
        ("tampered", tampered),
        ("type", wrong_type),
    ]:
        r = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, name
        codes[name] = r.json()["error_code"]
    assert codes["expired"] == "TOKEN_EXPIRED"


async def test_api_key_lifecycle(client: httpx.AsyncClient, make_user: UserFactory) -> None:
    user = await make_user()
    created = await client.post("/api/v1/auth/api-keys", json={"name": "ci"}, headers=auth(user))
    assert created.status_code == 201
    key = created.json()
    assert key["key"].startswith("cvm_") and len(key["key"]) > 40
    me = await client.get("/api/v1/auth/me", headers={"X-API-Key": key["key"]})
    assert me.status_code == 200 and me.json()["id"] == user["id"]

    listed = await client.get("/api/v1/auth/api-keys", headers=auth(user))
    assert [k["id"] for k in listed.json()["items"]] == [key["id"]]
    assert "key" not in listed.json()["items"][0]

    other = await make_user()
    foreign = await client.delete(f"/api/v1/auth/api-keys/{key['id']}", headers=auth(other))
    assert_envelope(foreign, 404, "NOT_FOUND")

    gone = await client.delete(f"/api/v1/auth/api-keys/{key['id']}", headers=auth(user))
    assert gone.status_code == 204
    revoked = await client.get("/api/v1/auth/me", headers={"X-API-Key": key["key"]})
    assert_envelope(revoked, 401, "UNAUTHENTICATED")


async def test_api_keys_paginate(client: httpx.AsyncClient, make_user: UserFactory) -> None:
    user = await make_user()
    for i in range(5):
        await client.post("/api/v1/auth/api-keys", json={"name": f"k{i}"}, headers=auth(user))
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/api/v1/auth/api-keys", params=params, headers=auth(user))).json()
        seen += [k["name"] for k in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == [f"k{i}" for i in range(5)]
    bad = await client.get("/api/v1/auth/api-keys", params={"cursor": "!!"}, headers=auth(user))
    assert_envelope(bad, 422, "INVALID_CURSOR")


async def test_swagger_says_the_username_is_the_email(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    schemes = schema["components"]["securitySchemes"]
    password = next(s for s in schemes.values() if s.get("type") == "oauth2")
    assert "email address" in password["description"]
    assert "username" in password["description"]
