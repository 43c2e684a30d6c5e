"""Secrets never reach the log; every request gets one access line."""

from __future__ import annotations

import logging

import httpx

from api.config.logging_config import redact
from api.config.settings import Settings
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
