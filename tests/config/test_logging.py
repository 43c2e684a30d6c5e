"""Secrets never reach the log; every request gets one access line."""

from __future__ import annotations

import logging
import secrets

import httpx
import pytest
from starlette.testclient import TestClient

from api.config.logging_config import configure_logging, redact, redact_headers, redact_query
from api.config.settings import Settings
from api.main import create_app
from tests.conftest import PASSWORD, UserFactory


def test_redact_scrubs_query_tokens_and_bearer_headers() -> None:
    text = redact("GET /ws?token=abc.def.ghi&after_seq=3 Authorization: Bearer eyJ.x.y sig=99")
    assert "abc.def" not in text and "eyJ" not in text and "99" not in text
    assert "after_seq=3" in text


async def test_tokens_and_passwords_stay_out_of_app_log(
    client: httpx.AsyncClient, make_user: UserFactory, settings: Settings
) -> None:
    user = await make_user()
    token = user["Authorization"].split()[1]
    await client.get(f"/api/v1/auth/me?token={token}", headers={"Authorization": f"Bearer {token}"})
    await client.post("/api/v1/auth/token", data={"username": user["email"], "password": PASSWORD})
    logging.getLogger("test").info("client sent token=%s", token)
    for handler in logging.getLogger().handlers:
        handler.flush()
    log = (settings.log_dir / "app.log").read_text()
    assert "/api/v1/auth/me?token=***" in log
    assert token not in log and PASSWORD not in log
    assert "api.access" in log and "ms" in log


@pytest.mark.parametrize(
    ("query", "logged"),
    [
        ("%74oken=SECRET&after_seq=3", "token=***&after_seq=3"),
        ("TOKEN=SECRET", "TOKEN=***"),
        ("%2574oken=SECRET", "%2574oken=***"),
        ("api%5Fkey=SECRET&sig=SECRET&x=a%20b", "api_key=***&sig=***&x=a%20b"),
        ("access_token=SECRET&metrics-token=SECRET", "access_token=***&metrics-token=***"),
        ("password&after_seq=7", "password=***&after_seq=7"),
    ],
)
def test_query_strings_are_redacted_as_the_app_parses_them(query: str, logged: str) -> None:
    assert redact_query(query) == logged


def test_headers_with_secrets_are_masked() -> None:
    headers = [("Authorization", "Bearer x"), ("X-API-Key", "cvm_x"), ("Accept", "text/csv")]
    assert redact_headers(headers) == [
        ("Authorization", "***"),
        ("X-API-Key", "***"),
        ("Accept", "text/csv"),
    ]


def test_free_text_loses_secrets_by_name_and_by_shape() -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
    key = "cvm_" + "k" * 43
    text = redact(
        f"got %74oken={jwt} and X-API-Key: {key}\n"
        f'body {{"password": "hunter2", "email": "a@b.c"}} cookie: s=1; then {jwt} {key}'
    )
    for secret in (jwt, key, "hunter2", "s=1"):
        assert secret not in text
    assert '"email": "a@b.c"' in text


def test_a_token_under_an_encoded_name_authenticates_but_never_reaches_the_log(
    settings: Settings,
) -> None:
    """Starlette decodes `%74oken` to `token` before the WebSocket reads it."""
    with TestClient(create_app(settings)) as test_client:
        email = f"enc-{secrets.token_hex(4)}@example.com"  # the database outlives the app
        body = {"email": email, "password": PASSWORD, "full_name": "E"}
        assert test_client.post("/api/v1/auth/register", json=body).status_code == 201
        form = {"username": email, "password": PASSWORD}
        token = test_client.post("/api/v1/auth/token", data=form).json()["access_token"]
        with test_client.websocket_connect(f"/api/v1/ws?%74oken={token}") as socket:
            assert socket.receive_json()["type"] == "ready"  # it did authenticate
    for handler in logging.getLogger().handlers:
        handler.flush()
    log = (settings.log_dir / "app.log").read_text()
    assert "/api/v1/ws?token=***" in log
    assert token not in log and token.split(".")[2] not in log


def test_tracebacks_are_scrubbed_too(settings: Settings) -> None:
    configure_logging(settings)
    secret = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIyIn0.dHJhY2ViYWNr"
    try:
        raise ValueError(f"could not use token={secret}")
    except ValueError:
        logging.getLogger("test").exception("failed")
    for handler in logging.getLogger().handlers:
        handler.flush()
    log = (settings.log_dir / "app.log").read_text()
    assert "ValueError: could not use token=***" in log
    assert secret not in log


def test_a_clients_protocol_fault_is_a_warning_without_a_traceback(settings: Settings) -> None:
    """uvicorn logs a text frame that is not UTF-8 as an error with a traceback."""
    configure_logging(settings)
    try:
        b"\xff".decode()
    except UnicodeDecodeError:
        logging.getLogger("uvicorn.error").exception("Invalid UTF-8 sequence received from client.")
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application\n")
    for handler in logging.getLogger().handlers:
        handler.flush()
    log = (settings.log_dir / "app.log").read_text()
    assert "WARNING [-] uvicorn.error: Invalid UTF-8 sequence received from client." in log
    assert log.count("Traceback") == 1  # the application's own error keeps its traceback
    assert "ERROR [-] uvicorn.error: Exception in ASGI application" in log
