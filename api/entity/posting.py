"""Job postings: what a recruiter screens CVs against."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.entity.base import Base, JsonDoc, created_at_column, utcnow, uuid_pk


class Posting(Base):
    __tablename__ = "postings"
    __table_args__ = (Index("ix_postings_owner_created", "owner_id", "created_at", "id"),)

    id: Mapped[str] = uuid_pk()
    owner_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    required_skills: Mapped[list[str]] = mapped_column(JsonDoc, default=list)
    preferred_skills: Mapped[list[str]] = mapped_column(JsonDoc, default=list)
    min_years_experience: Mapped[float | None] = mapped_column(Float)
    education_level: Mapped[str | None] = mapped_column(String(32))
    location: Mapped[str | None] = mapped_column(String(200))
    weights: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    #: the resolved posting the scorer reads (canonical skills, effective weights)
    spec: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    #: hide who the candidates are (name, contact, photo, address...) until revealed
    blind_review: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    #: days candidates of this posting are kept once it is closed (RETENTION_DAYS if None)
    retention_days: Mapped[int | None] = mapped_column(Integer)
    #: when the posting was closed (its candidates become subject to retention)
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
