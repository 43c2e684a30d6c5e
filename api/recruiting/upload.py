"""Streaming multipart intake: each uploaded file goes to a temporary file in chunks.

Starlette's `request.form()` spools every file and caps the count at 1,000; this
parser instead feeds the request stream through python-multipart's push parser and
writes each part to `UPLOAD_DIR/tmp` while hashing it, checking the limits on the fly:

- a file over `max_upload_mb` is rejected alone (`FILE_TOO_LARGE`), the rest are kept;
- a request over `max_request_mb` or `max_files_per_request` answers 413;
- the type comes from the content (magic bytes), never from the name or Content-Type.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from api.config.settings import Settings
from api.core.errors import DomainError, PayloadTooLargeError, ValidationFailedError
from api.recruiting.filestore import FileStore
from pipeline.sniff import FileKind, detect_type, is_docx, sanitize_filename

logger = logging.getLogger(__name__)

HEAD_BYTES = 8192
MAX_FIELD_BYTES = 64 * 1024
#: one header line of a part; python-multipart's own default (4 KB) refused a whole
#: request over one long filename, which is cut to 255 bytes per file instead
MAX_PART_HEADER_BYTES = 64 * 1024
CONTENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "txt": "text/plain",
}


class UnsupportedMediaTypeError(DomainError):
    status_code = 415
    error_code = "UNSUPPORTED_MEDIA_TYPE"


@dataclass
class IntakeFile:
    """One file part: accepted (`tmp_path`, `sha256`, `kind`) or rejected (`error_code`)."""

    filename: str
    size: int = 0
    sha256: str | None = None
    kind: FileKind | None = None
    tmp_path: Path | None = None
    error_code: str | None = None
    detail: str | None = None

    @property
    def accepted(self) -> bool:
        return self.error_code is None

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES.get(self.kind or "", "application/octet-stream")


@dataclass
class Intake:
    files: list[IntakeFile] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)

    def discard(self) -> None:
        """Remove every temporary file still on disk."""
        for item in self.files:
            if item.tmp_path is not None:
                item.tmp_path.unlink(missing_ok=True)
                item.tmp_path = None


def too_large(limit: str, value: int, unit: str = "") -> PayloadTooLargeError:
    return PayloadTooLargeError(
        f"The request exceeds the limit {limit.upper()} = {value}{unit}",
        extra={"limit": limit, "value": value},
    )


class _Receiver:
    """python-multipart callbacks. Runs in a worker thread, one chunk at a time."""

    def __init__(self, store: FileStore, settings: Settings, intake: Intake) -> None:
        self.store = store
        self.settings = settings
        self.intake = intake
        self._headers: dict[bytes, bytes] = {}
        self._name = bytearray()
        self._value = bytearray()
        self._file: IntakeFile | None = None
        self._out: IO[bytes] | None = None
        self._hash: Any = None
        self._head = bytearray()
        self._field: tuple[str, bytearray] | None = None

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self.on_part_begin,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
        }

    def on_part_begin(self) -> None:
        self._headers = {}
        self._file = None
        self._field = None

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._name.extend(data[start:end])

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value.extend(data[start:end])

    def on_header_end(self) -> None:
        self._headers[bytes(self._name).strip().lower()] = bytes(self._value).strip()
        self._name, self._value = bytearray(), bytearray()

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = _decode(options.get(b"name", b""))
        if b"filename" not in options:
            self._field = (name, bytearray())
            return
        if len(self.intake.files) >= self.settings.max_files_per_request:
            raise too_large("max_files_per_request", self.settings.max_files_per_request)
        item = IntakeFile(filename=sanitize_filename(_decode(options[b"filename"])))
        self.intake.files.append(item)
        item.tmp_path = self.store.temp_path()
        self._file, self._out = item, item.tmp_path.open("wb")
        self._hash, self._head = hashlib.sha256(), bytearray()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._field is not None:
            if len(self._field[1]) + end - start > MAX_FIELD_BYTES:
                raise ValidationFailedError(f"Form field {self._field[0]!r} is too long")
            self._field[1].extend(data[start:end])
            return
        item = self._file
        if item is None or self._out is None:
            return  # a rejected part: skip its bytes
        chunk = data[start:end]
        item.size += len(chunk)
        if item.size > self.settings.max_upload_bytes:
            self._reject(
                item, "FILE_TOO_LARGE", f"the file is larger than {self.settings.max_upload_mb} MB"
            )
            return
        if len(self._head) < HEAD_BYTES:
            self._head.extend(chunk[: HEAD_BYTES - len(self._head)])
        self._out.write(chunk)
        self._hash.update(chunk)

    def on_part_end(self) -> None:
        if self._field is not None:
            self.intake.fields[self._field[0]] = _decode(bytes(self._field[1]))
            self._field = None
            return
        item, self._file = self._file, None
        if item is None or not item.accepted:
            return
        self._close()
        if item.size == 0:
            self._reject(item, "EMPTY_FILE", "the file is empty")
            return
        assert item.tmp_path is not None
        kind = detect_type(bytes(self._head))
        if kind == "docx" and not is_docx(item.tmp_path):
            kind = None
        if kind is None:
            self._reject(item, "UNSUPPORTED_TYPE", "not a PDF, DOCX or text file")
            return
        item.kind, item.sha256 = kind, self._hash.hexdigest()

    def _reject(self, item: IntakeFile, code: str, detail: str) -> None:
        self._close()
        if item.tmp_path is not None:
            item.tmp_path.unlink(missing_ok=True)
        item.tmp_path, item.error_code, item.detail = None, code, detail
        self._file = None

    def _close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    @property
    def in_part(self) -> bool:
        return self._out is not None or self._field is not None

    def close(self) -> None:
        self._close()


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def boundary_of(content_type: str | None) -> bytes:
    """The multipart boundary, or raise 415 when the body is not multipart/form-data."""
    kind, params = parse_options_header(content_type or "")
    if kind != b"multipart/form-data" or not params.get(b"boundary"):
        raise UnsupportedMediaTypeError("Send the files as multipart/form-data")
    return params[b"boundary"]


def check_content_length(value: str | None, settings: Settings) -> None:
    """Refuse at once a request whose declared size is over the limit."""
    if value and value.isdigit() and int(value) > settings.max_request_bytes:
        raise too_large("max_request_mb", settings.max_request_mb, " MB")


async def receive_files(
    *,
    stream: AsyncIterator[bytes],
    content_type: str | None,
    content_length: str | None,
    settings: Settings,
    store: FileStore,
) -> Intake:
    """Read a multipart body; every file part ends on disk or as a per-file reject.

    The caller owns the result and must `discard()` it after storing the files.
    """
    boundary = boundary_of(content_type)
    check_content_length(content_length, settings)
    intake = Intake()
    receiver = _Receiver(store, settings, intake)
    parser = MultipartParser(
        boundary,
        receiver.callbacks(),  # type: ignore[arg-type]
        max_header_size=MAX_PART_HEADER_BYTES,
    )
    received = 0
    try:
        async for chunk in stream:
            received += len(chunk)
            if received > settings.max_request_bytes:
                raise too_large("max_request_mb", settings.max_request_mb, " MB")
            if chunk:
                await asyncio.to_thread(parser.write, chunk)
        await asyncio.to_thread(parser.finalize)
        if receiver.in_part:
            raise FormParserError("the body ended inside a part")
    except FormParserError as exc:
        receiver.close()
        intake.discard()
        raise DomainError(
            f"The multipart body is malformed: {exc}", error_code="BAD_REQUEST"
        ) from exc
    except BaseException:
        receiver.close()
        intake.discard()
        raise
    if not intake.files:
        raise ValidationFailedError("The request holds no files (send them as `files` fields)")
    return intake
