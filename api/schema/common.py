"""Shapes shared by every feature: pages and the error envelope."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from api.core import limits
from pipeline import sniff

T = TypeVar("T")

INT32_MAX = limits.INT32_MAX


class RequestModel(BaseModel):
    """The base of every request body: a float must be finite (`NaN`, `Infinity` and
    `1e999`, which JSON parsers turn into infinity, are refused with 422)."""

    model_config = ConfigDict(allow_inf_nan=False)


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: the database stores naive UTC; responses say so (RFC 3339, `Z`)
UtcDateTime = Annotated[datetime, AfterValidator(_as_utc)]
#: a client's filename as shown: cleaned again on the way out, for rows stored before
#: names lost their bidi and invisible characters at intake
DisplayName = Annotated[str, AfterValidator(sniff.sanitize_filename)]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        default=None, description="Pass as `?cursor=` for the next page; null on the last."
    )


class ErrorItem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str | None = None


class ErrorResponse(BaseModel):
    """The body of every error response."""

    model_config = ConfigDict(extra="allow")

    detail: str
    error_code: str = Field(examples=["NOT_FOUND"])
    timestamp: str
    request_id: str
    errors: list[ErrorItem] | None = Field(default=None, description="Only on 422.")


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries documenting the error envelope for these codes."""
    return {code: {"model": ErrorResponse} for code in codes}
