"""Uploaded CV files. Bytes live in the FileStore; rows hold metadata only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from api.entity.base import Base, created_at_column, uuid_pk


class StoredFile(Base):
    __tablename__ = "files"
    __table_args__ = (
        Index("ix_files_owner_created", "owner_id", "created_at", "id"),
        Index("ix_files_owner_sha256", "owner_id", "sha256"),
    )

    id: Mapped[str] = uuid_pk()
    owner_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"))
    #: sanitised client filename, metadata only: never a path
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(8))
    storage_key: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = created_at_column()
