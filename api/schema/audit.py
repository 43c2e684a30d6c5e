"""The audit trail as admins read it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schema.common import UtcDateTime

AuditAction = Literal["view", "download", "export", "rescore", "reveal", "delete", "purge"]
AuditSubject = Literal["candidate", "file", "posting", "job", "account"]


class AuditEventRead(BaseModel):
    """One entry: identifiers, counts and formats, never CV content."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: UtcDateTime
    action: AuditAction
    subject_type: AuditSubject
    subject_id: str
    owner_id: str | None = Field(description="The account whose data it is.")
    posting_id: str | None
    actor_id: str | None = Field(description="The user who acted; null for a signed link "
                                 "or the service itself.")  # fmt: skip
    via: Literal["session", "api_key", "signed_link", "system"]
    credential: str | None = Field(
        description="The API key's id, or `session:` and a digest of the session's token."
    )
    request_id: str | None
    detail: dict[str, Any] | None
