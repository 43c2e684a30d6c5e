"""The audit trail and the blob registry.

`audit_events` is append-only and holds identifiers, never CV content: no foreign keys,
so an entry outlives the candidate, file or account it names. `blobs` has one row per
stored blob (content-addressed by sha256): uploads and deletions lock it, so a blob's
bytes are never removed while a file row is about to refer to them again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from api.entity.base import Base, BigId, JsonDoc, Timestamp, created_at_column, utcnow


class AuditEvent(Base):
    """Who did what to which candidate, file, posting, job or account, when and how."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_subject", "subject_id", "id"),
        Index("ix_audit_events_actor", "actor_id", "id"),
        Index("ix_audit_events_owner", "owner_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = created_at_column()
    #: view | download | export | rescore | reveal | delete | purge
    action: Mapped[str] = mapped_column(String(16), index=True)
    #: candidate | file | posting | job | account
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str] = mapped_column(String(36))
    #: the account whose data it is
    owner_id: Mapped[str | None] = mapped_column(String(36))
    posting_id: Mapped[str | None] = mapped_column(String(36))
    #: the user who acted (None: a signed link, or the service itself)
    actor_id: Mapped[str | None] = mapped_column(String(36))
    #: session | api_key | signed_link | system
    via: Mapped[str] = mapped_column(String(16))
    #: the API key's id, or a digest of the session's token
    credential: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(128))
    #: counts and formats only (`{"format": "csv", "candidates": 12}`)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)


class Blob(Base):
    """A stored blob; `doomed_at` is set when its last file row went (bytes to remove)."""

    __tablename__ = "blobs"

    storage_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    doomed_at: Mapped[datetime | None] = mapped_column(Timestamp, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
