"""File type detection by content, and filename hygiene."""

from __future__ import annotations

import re
import unicodedata
import zipfile
from pathlib import Path
from typing import Literal

from charset_normalizer import from_bytes

FileKind = Literal["pdf", "docx", "txt"]

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
# Control bytes that never appear in text files (tab, LF, CR, FF are allowed).
_BINARY_BYTES = frozenset(range(0, 9)) | {11} | frozenset(range(14, 27)) | frozenset(range(28, 32))
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f<>:\"|?*]")


def detect_type(head: bytes) -> FileKind | None:
    """Guess the kind of a file from its first bytes.

    A zip head is reported as "docx" provisionally; confirm it with :func:`is_docx`.
    """
    stripped = head.lstrip(b"\x00\t\r\n ")[:1024]
    if stripped.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "docx"
    if head and looks_like_text(head):
        return "txt"
    return None


def is_docx(path: Path) -> bool:
    """True when `path` is a zip holding `word/document.xml`."""
    try:
        with zipfile.ZipFile(path) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def looks_like_text(sample: bytes) -> bool:
    """True when `sample` reads as text in some encoding, with no binary control bytes."""
    if not sample:
        return False
    if sample.startswith(_BOMS):
        return True
    if any(byte in _BINARY_BYTES for byte in sample[:8192]):
        return False
    try:
        sample.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        # A multi-byte character cut off at the end of the sample is still text.
        if exc.start >= len(sample) - 3:
            return True
    best = from_bytes(sample[:8192]).best()
    return best is not None and best.chaos < 0.3


def sanitize_filename(name: str) -> str:
    """A display-safe base name: no directories, `..`, NUL or control characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = _UNSAFE_NAME.sub("", name)
    name = name.replace("..", "").strip(" .")
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 16:
            name = stem[: 255 - len(ext) - 1] + "." + ext
        else:
            name = name[:255]
    return name or "file"
