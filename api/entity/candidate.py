"""Screened candidates and the parse cache."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.entity.base import Base, JsonDoc, created_at_column, utcnow, uuid_pk


class Candidate(Base):
    """One CV ranked for one posting: exactly one row per (posting, file)."""

    __tablename__ = "candidates"
    __table_args__ = (
        UniqueConstraint("posting_id", "file_id"),
        Index("ix_candidates_posting_score", "posting_id", "score", "id"),
    )

    id: Mapped[str] = uuid_pk()
    posting_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("postings.id", ondelete="CASCADE")
    )
    owner_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    file_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("files.id", ondelete="CASCADE"), index=True
    )
    job_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("jobs.id", ondelete="SET NULL"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    rank: Mapped[int | None] = mapped_column(Integer)
    profile: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    breakdown: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    matched_skills: Mapped[list[dict[str, Any]]] = mapped_column(JsonDoc, default=list)
    missing_skills: Mapped[list[str]] = mapped_column(JsonDoc, default=list)
    #: when a reviewer revealed the candidate of a blind-review posting
    revealed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ProfileCache(Base):
    """A parsed profile (or extraction error) by file content and parser version."""

    __tablename__ = "profile_cache"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    parser_version: Mapped[str] = mapped_column(String(32), primary_key=True)
    profile: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    created_at: Mapped[datetime] = created_at_column()
