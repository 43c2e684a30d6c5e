"""Uploaded files."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from api.schema.common import DisplayName, UtcDateTime


class FileRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    filename: DisplayName = Field(description="The sanitised client filename (metadata only).")
    size: int
    sha256: str
    content_type: str = Field(description="From the content, not from the client.")
    created_at: UtcDateTime


class FileError(BaseModel):
    filename: DisplayName
    error_code: str = Field(examples=["FILE_TOO_LARGE", "UNSUPPORTED_TYPE", "EMPTY_FILE"])
    detail: str


class FileUploadRead(BaseModel):
    items: list[FileRead]
    errors: list[FileError]
