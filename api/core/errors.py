"""Domain errors and the one place that maps every error to the envelope.

Services raise :class:`DomainError` subclasses; they never know about HTTP.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.config.logging_config import request_id_var

logger = logging.getLogger(__name__)


class DomainError(Exception):
    status_code = 400
    error_code = "BAD_REQUEST"

    def __init__(
        self,
        detail: str,
        *,
        error_code: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if error_code:
            self.error_code = error_code
        self.headers = headers
        self.extra = extra or {}


class NotFoundError(DomainError):
    status_code = 404
    error_code = "NOT_FOUND"


class ConflictError(DomainError):
    status_code = 409
    error_code = "CONFLICT"


class InvalidStateError(DomainError):
    status_code = 409
    error_code = "INVALID_STATE"


class UnauthenticatedError(DomainError):
    status_code = 401
    error_code = "UNAUTHENTICATED"

    def __init__(self, detail: str = "Not authenticated", **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kwargs)


class ForbiddenError(DomainError):
    status_code = 403
    error_code = "FORBIDDEN"


class ValidationFailedError(DomainError):
    status_code = 422
    error_code = "VALIDATION_ERROR"


class PayloadTooLargeError(DomainError):
    status_code = 413
    error_code = "REQUEST_TOO_LARGE"


class RateLimitedError(DomainError):
    status_code = 429
    error_code = "RATE_LIMITED"


class ServiceUnavailableError(DomainError):
    status_code = 503
    error_code = "SERVICE_UNAVAILABLE"


_HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    409: "CONFLICT",
    413: "REQUEST_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_ERROR",
    429: "RATE_LIMITED",
    503: "SERVICE_UNAVAILABLE",
}


def error_body(
    status_code: int,
    detail: str,
    error_code: str,
    errors: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "detail": detail,
        "error_code": error_code,
        "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "request_id": request_id_var.get(),
    }
    if extra:
        body.update(extra)
    if errors is not None:
        body["errors"] = errors
    return body


def error_response(
    status_code: int,
    detail: str,
    error_code: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    return JSONResponse(
        error_body(status_code, detail, error_code, errors, extra),
        status_code=status_code,
        headers=headers,
    )


def _clean_validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    cleaned = []
    for err in exc.errors():
        cleaned.append(
            {"loc": list(err.get("loc", ())), "msg": str(err.get("msg")), "type": err.get("type")}
        )
    return cleaned


async def _domain_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return error_response(
        exc.status_code, exc.detail, exc.error_code, headers=exc.headers, extra=exc.extra
    )


async def _http_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, f"HTTP_{exc.status_code}")
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    headers = dict(exc.headers) if exc.headers else None
    return error_response(exc.status_code, detail, code, headers=headers)


async def _validation_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _clean_validation_errors(exc)
    first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    where = ".".join(str(part) for part in first["loc"])
    return error_response(
        422, f"Invalid request: {where}: {first['msg']}", "VALIDATION_ERROR", errors=errors
    )


async def _db_unavailable_handler(_request: Request, exc: Exception) -> JSONResponse:
    logger.warning("database unavailable: %s", type(exc).__name__)
    return error_response(
        503,
        "The database is unavailable; try again shortly",
        "SERVICE_UNAVAILABLE",
        headers={"Retry-After": "5"},
    )


async def _unhandled_handler(_request: Request, exc: Exception) -> JSONResponse:
    logger.error("unhandled error", exc_info=exc)
    return error_response(500, "Internal server error", "INTERNAL_ERROR")


def is_connection_error(exc: BaseException) -> bool:
    """True for errors that mean the database cannot be reached right now."""
    if isinstance(exc, PoolTimeoutError | ConnectionError | OSError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, OperationalError):
        code = exc.orig.args[0] if exc.orig is not None and exc.orig.args else None
        # 2002/2003/2006/2013: cannot connect, server gone, lost connection
        return code in {2002, 2003, 2006, 2013, 2055} or "unable to open" in str(exc)
    return False


async def _operational_handler(request: Request, exc: Exception) -> JSONResponse:
    if is_connection_error(exc):
        return await _db_unavailable_handler(request, exc)
    return await _unhandled_handler(request, exc)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(PoolTimeoutError, _db_unavailable_handler)
    app.add_exception_handler(DBAPIError, _operational_handler)
    app.add_exception_handler(OSError, _operational_handler)
    app.add_exception_handler(Exception, _unhandled_handler)
