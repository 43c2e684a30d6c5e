"""`GET /metrics`: who may read it, and what a scrape shows."""

from __future__ import annotations

import asyncio
import re

import httpx
from pydantic import SecretStr

from api.recruiting import user as user_service
from tests.conftest import UserFactory, auth
from tests.security.conftest import ClientFactory, client_with, register  # noqa: F401
from tests.support.envelope import assert_envelope


def _sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in the text exposition, or None."""
    for line in text.splitlines():
        if not line.startswith(name):
            continue
        match = re.match(r"^([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)$", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(3) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match.group(4))
    return None


async def test_metrics_need_an_admin_or_the_token(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    assert_envelope(await client.get("/metrics"), 401, "UNAUTHENTICATED")
    user = await make_user()
    assert_envelope(await client.get("/metrics", headers=auth(user)), 403, "FORBIDDEN")
    wrong = {"Authorization": "Bearer not-the-metrics-token"}
    assert_envelope(await client.get("/metrics", headers=wrong), 401, "UNAUTHENTICATED")


async def test_admin_scrape_shows_requests_jobs_and_queue(client_with: ClientFactory) -> None:  # noqa: F811
    async with client_with() as client:
        headers = await register(client, "admin@example.com")
        app = client.app  # type: ignore[attr-defined]
        async with app.state.sessionmaker() as session:
            await user_service.set_admin(session=session, email="admin@example.com")
        job = await client.post(
            "/api/v1/jobs",
            json={"pipeline": "sleep", "params": {"seconds": 30, "steps": 300}, "priority": 0},
            headers=headers,
        )
        assert job.status_code == 202, job.text
        await client.get(f"/api/v1/jobs/{job.json()['id']}", headers=headers)
        noop = await client.post(
            "/api/v1/jobs", json={"pipeline": "noop", "params": {}}, headers=headers
        )
        for _ in range(300):
            state = await client.get(f"/api/v1/jobs/{noop.json()['id']}", headers=headers)
            if state.json()["status"] == "succeeded":
                break
            await asyncio.sleep(0.1)
        await client.get("/api/v1/jobs/does-not-exist", headers=headers)
        await client.get("/wp-admin/secret-probe-path")

        scrape = await client.get("/metrics", headers=headers)
        assert scrape.status_code == 200
        assert scrape.headers["content-type"].startswith("text/plain")
        text = scrape.text
        # latency by route template, never the raw path
        route = "/api/v1/jobs/{job_id}"
        count = _sample(
            text, "cvmatch_http_request_duration_seconds_count", route=route, status="404"
        )
        assert count is not None and count >= 1
        assert "does-not-exist" not in text and "secret-probe-path" not in text
        assert _sample(
            text, "cvmatch_http_request_duration_seconds_count", route="<unmatched>", status="404"
        )
        assert _sample(text, "cvmatch_jobs", status="queued") or _sample(
            text, "cvmatch_jobs", status="running"
        )
        assert _sample(text, "cvmatch_metrics_database_up") == 1.0
        assert _sample(text, "cvmatch_queue_depth") is not None
        assert "cvmatch_websocket_connections" in text
        finished = _sample(text, "cvmatch_jobs_finished_total", pipeline="noop", status="succeeded")
        assert finished is not None and finished >= 1
        assert (_sample(text, "cvmatch_events_published_total", type="job.status") or 0) >= 1
        assert _sample(text, "cvmatch_pipeline_step_duration_seconds_count", pipeline="noop")
        for family in (
            "cvmatch_pipeline_step_duration_seconds",
            "cvmatch_files_processed",
            "cvmatch_events_published",
            "cvmatch_events_dropped",
            "cvmatch_jobs_finished",
        ):
            assert f"# TYPE {family}" in text, family


async def test_scraper_token(client_with: ClientFactory) -> None:  # noqa: F811
    async with client_with(metrics_token=SecretStr("scrape-secret-0123456789")) as client:
        ok = await client.get(
            "/metrics", headers={"Authorization": "Bearer scrape-secret-0123456789"}
        )
        assert ok.status_code == 200
        assert "cvmatch_http_request_duration_seconds" in ok.text
        refused = await client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
        assert refused.status_code == 401


async def test_metrics_can_be_switched_off(client_with: ClientFactory) -> None:  # noqa: F811
    async with client_with(metrics_enabled=False) as client:
        assert (await client.get("/metrics")).status_code == 404


async def test_tracing_switch_is_safe_without_opentelemetry(client_with: ClientFactory) -> None:  # noqa: F811
    """OTEL_ENABLED with or without the optional packages: the service still serves."""
    async with client_with(otel_enabled=True) as client:
        headers = await register(client, "traced@example.com")
        assert (await client.get("/health")).status_code == 200
        made = await client.post(
            "/api/v1/jobs", json={"pipeline": "noop", "params": {}}, headers=headers
        )
        assert made.status_code == 202
