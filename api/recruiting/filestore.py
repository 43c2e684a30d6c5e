"""Where uploaded bytes live: a small FileStore interface and the local implementation.

Blobs are content-addressed by sha256, so the same content is stored once however
many rows (owners, postings) refer to it. Rows in `files` hold metadata only; the
client's filename never becomes part of a path.
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, Protocol

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class FileStore(Protocol):
    """Blob storage by sha256. Implementations must be safe to call from threads."""

    def put(self, tmp_path: Path, sha256: str) -> str:
        """Move the finished temporary file into the store; return its storage key."""

    def open(self, storage_key: str) -> BinaryIO:
        """A binary file object for reading the blob."""

    def path(self, storage_key: str) -> Path:
        """A local path to the blob (shared storage for several hosts)."""

    def exists(self, storage_key: str) -> bool: ...

    def delete(self, storage_key: str) -> None:
        """Remove the blob; missing blobs are not an error."""

    def temp_path(self) -> Path:
        """A fresh path for an upload in progress, on the same volume as the store."""


class LocalFileStore:
    """Blobs under `root/ab/cd/<sha256>`; uploads in progress under `root/tmp/`."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.tmp_dir = self.root / "tmp"

    def _blob(self, storage_key: str) -> Path:
        if not _SHA256.match(storage_key):
            raise ValueError("invalid storage key")
        return self.root / storage_key[:2] / storage_key[2:4] / storage_key

    def temp_path(self) -> Path:
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        return self.tmp_dir / f"{uuid.uuid4().hex}.part"

    def put(self, tmp_path: Path, sha256: str) -> str:
        target = self._blob(sha256)
        if target.exists():
            tmp_path.unlink(missing_ok=True)
            return sha256
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(tmp_path, 0o640)
        os.replace(tmp_path, target)  # atomic on one volume
        return sha256

    def open(self, storage_key: str) -> BinaryIO:
        return self._blob(storage_key).open("rb")

    def path(self, storage_key: str) -> Path:
        return self._blob(storage_key)

    def exists(self, storage_key: str) -> bool:
        return self._blob(storage_key).is_file()

    def delete(self, storage_key: str) -> None:
        blob = self._blob(storage_key)
        blob.unlink(missing_ok=True)
        for parent in (blob.parent, blob.parent.parent):
            with contextlib.suppress(OSError):  # not empty: another blob lives there
                parent.rmdir()


@lru_cache(maxsize=16)
def _local(root: str) -> LocalFileStore:
    return LocalFileStore(Path(root))


def store_for(upload_dir: Path) -> FileStore:
    """The process's store for `UPLOAD_DIR`."""
    return _local(str(upload_dir))
