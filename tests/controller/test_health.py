"""Liveness, readiness (including a database that goes away), the index and offline docs."""

from __future__ import annotations

import secrets
from pathlib import Path

import httpx
import pytest

from api.config.settings import Settings
from api.main import create_app
from tests.support import database as db
from tests.support.private_services import PrivateMariaDB


async def test_health_and_ready(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health")).json() == {"status": "ok"}
    ready = await client.get("/ready")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ok"
    assert body["components"]["database"]["status"] == "up"
    assert body["components"]["database"]["latency_ms"] >= 0


async def test_api_index_links_to_docs(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v1")).json()
    assert body["name"] == "cvmatch" and body["version"]
    assert body["links"]["docs"] == "/docs"


async def test_docs_load_without_a_cdn(client: httpx.AsyncClient) -> None:
    for page in ("/docs", "/redoc"):
        html = (await client.get(page)).text
        assert "cdn." not in html and "unpkg" not in html and "googleapis" not in html
    assert (await client.get("/static/docs/swagger-ui-bundle.js")).status_code == 200
    assert (await client.get("/static/docs/redoc.standalone.js")).status_code == 200
    schema = (await client.get("/openapi.json")).json()
    flows = schema["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]
    assert flows["password"]["tokenUrl"] == "/api/v1/auth/token"


async def test_schema_documents_the_limit_answers(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path, method in [("/api/v1/files", "post"), ("/api/v1/postings", "post")]:
        assert paths[path][method]["responses"]["413"]["content"]  # the error envelope
    for path in ("/api/v1/auth/token", "/api/v1/jobs", "/api/v1/postings/{posting_id}/screenings"):
        limited = paths[path]["post"]["responses"]["429"]
        assert "Retry-After" in limited["headers"]
    assert "429" not in paths["/api/v1/postings"]["post"]["responses"]  # not rate limited
    assert "413" not in paths["/api/v1/jobs"]["get"]["responses"]  # no body


@pytest.mark.slow
@pytest.mark.mysql_only
async def test_ready_follows_a_private_mariadb_down_and_up(tmp_path: Path) -> None:
    server = PrivateMariaDB(tmp_path / "mariadb").install().start()
    try:
        db.migrate(server.url)
        settings = Settings(
            database_url=server.url,
            environment="test",
            secret_key=secrets.token_urlsafe(48),
            upload_dir=tmp_path / "uploads",
            log_dir=tmp_path / "logs",
            enable_dispatcher=False,
            _env_file=None,  # type: ignore[call-arg]
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                assert (await client.get("/ready")).status_code == 200
                server.stop()
                down = await client.get("/ready")
                assert down.status_code == 503
                assert down.json()["components"]["database"]["status"] == "down"
                login = await client.post(
                    "/api/v1/auth/token", data={"username": "a@example.com", "password": "x"}
                )
                assert login.status_code == 503
                assert login.json()["error_code"] == "SERVICE_UNAVAILABLE"
                server.start()
                again = await client.get("/ready")
                assert again.status_code == 200, again.text
    finally:
        server.stop()
