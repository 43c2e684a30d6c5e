"""`GET /metrics` for Prometheus: admins, or a scraper holding `METRICS_TOKEN`."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, Security
from prometheus_client.metrics_core import Metric

from api import jobs
from api.config.settings import Settings
from api.controller.deps import (
    SessionDep,
    SettingsDep,
    api_key_scheme,
    get_current_user,
    oauth2_scheme,
)
from api.core import prometheus
from api.core.errors import ForbiddenError
from api.schema.common import error_responses

router = APIRouter(tags=["service"])


async def require_scraper(
    session: SessionDep,
    settings: SettingsDep,
    bearer: Annotated[str | None, Security(oauth2_scheme)],
    api_key: Annotated[str | None, Security(api_key_scheme)],
) -> None:
    """The metrics token as a bearer token, or an admin's credentials."""
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    if token and bearer and hmac.compare_digest(bearer.encode(), token.encode()):
        return
    user = await get_current_user(session, settings, bearer, api_key)
    if not user.is_admin:
        raise ForbiddenError("Administrator rights or the metrics token required")


def _scrape_time(figures: jobs.QueueFigures) -> list[Metric]:
    return [
        prometheus.gauge_family("cvmatch_jobs", "Jobs by status", figures.jobs, "status"),
        prometheus.gauge_family(
            "cvmatch_job_units", "Job units by status", figures.units, "status"
        ),
        prometheus.gauge_family(
            "cvmatch_queue_depth",
            "Units queued and available to claim now",
            {"": figures.queue_depth},
        ),
        prometheus.gauge_family(
            "cvmatch_metrics_database_up",
            "1 when the scrape-time queries answered",
            {"": 1.0 if figures.database_up else 0.0},
        ),
    ]


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {}}, "description": "Prometheus text format"},
        **error_responses(401, 403),
    },
    summary="Prometheus metrics (admin, or `Authorization: Bearer <METRICS_TOKEN>`)",
    dependencies=[Depends(require_scraper)],
)
async def scrape(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    figures = await jobs.queue_figures(
        sessions=request.app.state.sessionmaker,
        within_seconds=settings.metrics_db_timeout_seconds,
    )
    body = prometheus.exposition(_scrape_time(figures))
    return Response(body, media_type=prometheus.CONTENT_TYPE)
