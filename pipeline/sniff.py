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
_UNSAFE_NAME = re.compile(r"[<>:\"|?*]")
#: characters a name never shows as they are: controls (Cc), format characters (Cf: the
#: bidi overrides and isolates such as U+202E, zero-width spaces and joiners, the BOM),
#: surrogates (Cs) and line or paragraph separators (Zl, Zp)
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
MAX_NAME_BYTES = 255
MAX_EXTENSION_BYTES = 16


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
    """A display-safe base name: NFC, no directories or `..`, no control, bidi or other
    invisible characters, at most 255 bytes of UTF-8 with the extension kept."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in _HIDDEN_CATEGORIES)
    name = _UNSAFE_NAME.sub("", name)
    name = name.replace("..", "").strip(" .")
    return _fit(name, MAX_NAME_BYTES) or "file"


def _fit(name: str, limit: int) -> str:
    """`name` cut to `limit` bytes of UTF-8 between characters, its extension kept."""
    if len(name.encode()) <= limit:
        return name
    stem, dot, ext = name.rpartition(".")
    if not (dot and stem and 0 < len(ext.encode()) <= MAX_EXTENSION_BYTES):
        stem, ext = name, ""
    budget = limit - (len(ext.encode()) + 1 if ext else 0)
    stem = stem.encode()[:budget].decode("utf-8", "ignore").rstrip(" .")
    return f"{stem}.{ext}" if ext else stem
