"""Swagger UI and ReDoc served from the service itself: no CDN, works offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api.core import ratelimit

ASSETS = Path(fastapi_offline.__file__).parent / "static"


def install_docs(app: FastAPI) -> None:
    """Mount `/docs`, `/redoc` and their assets under `/static/docs`."""
    app.mount("/static/docs", StaticFiles(directory=ASSETS), name="docs-static")
    title = app.title

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{title} - Swagger UI",
            oauth2_redirect_url="/docs/oauth2-redirect",
            swagger_js_url="/static/docs/swagger-ui-bundle.js",
            swagger_css_url="/static/docs/swagger-ui.css",
            swagger_favicon_url="/static/docs/favicon.png",
            swagger_ui_parameters={"persistAuthorization": True},
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    async def swagger_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url="/openapi.json",
            title=f"{title} - ReDoc",
            redoc_js_url="/static/docs/redoc.standalone.js",
            redoc_favicon_url="/static/docs/favicon.png",
            with_google_fonts=False,
        )


def document_limits(app: FastAPI, *, rate_limited: bool) -> None:
    """Add to the OpenAPI schema what the limit middlewares answer, which no route
    declares: 400 (a body that is not text in its declared encoding) and 413 on every
    operation with a request body, and 429 with `Retry-After` on
    login, registration and submissions (when rate limits are on). FastAPI's default 422
    (`HTTPValidationError`) describes a body this API never sends: every 422 is the
    error envelope."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        envelope = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
        retry_after = {"description": "Seconds to wait", "schema": {"type": "integer"}}
        for path, item in schema.get("paths", {}).items():
            for method, operation in item.items():
                responses = operation.setdefault("responses", {})
                if "422" in responses:
                    responses["422"] = {"description": "Validation error", "content": envelope}
                if "requestBody" in operation:
                    responses.setdefault(
                        "400", {"description": "The body cannot be read", "content": envelope}
                    )
                    responses.setdefault(
                        "413", {"description": "Request body too large", "content": envelope}
                    )
                if rate_limited and method == "post" and ratelimit.is_limited_path(path):
                    responses.setdefault(
                        "429",
                        {
                            "description": "Rate limited",
                            "headers": {"Retry-After": retry_after},
                            "content": envelope,
                        },
                    )
        for unused in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
