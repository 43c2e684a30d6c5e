"""Errors raised by pipeline steps."""

from __future__ import annotations

EXTRACTION_CODES = frozenset(
    {
        "PDF_ENCRYPTED",
        "PDF_CORRUPT",
        "NO_TEXT_LAYER",
        "DOCX_CORRUPT",
        "FILE_TOO_LARGE",
        "EMPTY_FILE",
        "UNSUPPORTED_TYPE",
    }
)


class ExtractionError(Exception):
    """A file whose text cannot be read; `code` is one of :data:`EXTRACTION_CODES`."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
