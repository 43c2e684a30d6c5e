"""Liveness, readiness and the API index."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api import __version__
from api.recruiting import health as health_service

router = APIRouter(tags=["service"])


@router.get("/health", summary="Liveness: the process is up")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/ready",
    summary="Readiness: component map; 503 when the database does not answer within 2 s",
    responses={503: {"description": "The database is down"}},
)
async def ready(request: Request) -> JSONResponse:
    extra = {}
    bus = getattr(request.app.state, "bus", None)
    if bus is not None and getattr(bus, "ping", None) is not None:
        extra["redis"] = bus.ping
    report = await health_service.readiness(engine=request.app.state.engine, extra=extra)
    return JSONResponse(report, status_code=503 if report["status"] == "down" else 200)


@router.get("/api/v1", summary="API index: name, version and links")
async def index(request: Request) -> dict[str, Any]:
    return {
        "name": request.app.state.settings.app_name,
        "version": __version__,
        "links": {
            "docs": "/docs",
            "redoc": "/redoc",
            "openapi": "/openapi.json",
            "health": "/health",
            "ready": "/ready",
        },
    }
