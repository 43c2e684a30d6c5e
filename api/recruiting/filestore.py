"""Where uploaded bytes live: a small FileStore interface and the local implementation.

Blobs are content-addressed by sha256 (of the plain content), so the same content is
stored once however many rows (owners, postings) refer to it. Rows in `files` hold
metadata only; the client's filename never becomes part of a path. With
`FILE_ENCRYPTION_KEY` set, blobs are sealed on their way in (`blobcrypt`) and read back
plain through `chunks` and `plain_copy`.
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, Protocol

from api.config.settings import Settings
from api.recruiting import blobcrypt

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
#: temporary plain copies for the parser, in memory where the system has /dev/shm
PLAIN_PREFIX = "cvmatch-plain-"


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

    def chunks(self, storage_key: str) -> Iterator[bytes]:
        """The plain content, decrypted when the blob is sealed."""

    def plain_copy(self, storage_key: str, folder: Path) -> Path:
        """A path to the plain content: the blob itself, or a decrypted copy in `folder`."""

    def keys(self) -> Iterator[tuple[str, float]]:
        """Every stored blob's key and modification time."""


class LocalFileStore:
    """Blobs under `root/ab/cd/<sha256>`; uploads in progress under `root/tmp/`."""

    def __init__(self, root: Path, keyring: blobcrypt.Keyring | None = None) -> None:
        self.root = root.resolve()
        self.tmp_dir = self.root / "tmp"
        self.keyring = keyring or blobcrypt.Keyring(None, ())

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
        if self.keyring.current is not None:
            tmp_path = self._sealed(tmp_path, self.keyring.current)
        os.chmod(tmp_path, 0o640)
        os.replace(tmp_path, target)  # atomic on one volume
        return sha256

    def _sealed(self, plain: Path, key: bytes) -> Path:
        """A sealed temporary copy of `plain` (which is removed)."""
        sealed = self.temp_path()
        try:
            with plain.open("rb") as source, sealed.open("wb") as target:
                blobcrypt.seal(source, target, key)
        except BaseException:
            sealed.unlink(missing_ok=True)
            raise
        finally:
            plain.unlink(missing_ok=True)
        return sealed

    def chunks(self, storage_key: str) -> Iterator[bytes]:
        return blobcrypt.open_chunks(self._blob(storage_key), self.keyring)

    def sealed(self, storage_key: str) -> bool:
        """The blob is sealed (and its key is set: else BlobCryptError)."""
        blob = self._blob(storage_key)
        if not blob.is_file() or not blobcrypt.is_sealed(blob):
            return False
        blobcrypt.check_readable(blob, self.keyring)
        return True

    def plain_copy(self, storage_key: str, folder: Path) -> Path:
        blob = self._blob(storage_key)
        if not self.keyring.enabled or not blob.is_file() or not blobcrypt.is_sealed(blob):
            return blob
        copy = folder / storage_key
        with copy.open("wb") as target:
            os.chmod(copy, 0o600)
            blobcrypt.write_plain(blob, target, self.keyring)
        return copy

    def reseal(self, storage_key: str) -> bool:
        """Rewrite the blob under the current key (plain when there is none); True if
        it changed."""
        blob = self._blob(storage_key)
        sealed = blobcrypt.is_sealed(blob)
        current = self.keyring.current
        if current is None and not sealed:
            return False
        if current is not None and sealed:
            with blob.open("rb") as handle:
                if handle.read(blobcrypt.HEADER_BYTES)[8:16] == blobcrypt.key_id(current):
                    return False
        rewritten = self.temp_path()
        try:
            with rewritten.open("wb") as target:
                if current is None:
                    blobcrypt.write_plain(blob, target, self.keyring)
                else:  # from the old seal straight to the new: no plain copy on disk
                    source = blobcrypt.ChunkReader(blobcrypt.open_chunks(blob, self.keyring))
                    blobcrypt.seal(source, target, current)
            os.chmod(rewritten, 0o640)
            os.replace(rewritten, blob)
        finally:
            rewritten.unlink(missing_ok=True)
        return True

    def keys(self) -> Iterator[tuple[str, float]]:
        for first in _dirs(self.root):
            for second in _dirs(first):
                for entry in os.scandir(second):
                    if entry.is_file() and _SHA256.match(entry.name):
                        yield entry.name, entry.stat().st_mtime

    def stale_temporaries(self, older_than: float) -> list[Path]:
        """Uploads in progress and plain copies left behind (by a crash) before
        `older_than` (a time.time())."""
        found: list[Path] = []
        for folder in (self.tmp_dir, plain_root(self)):
            if folder.is_dir():
                found += [
                    Path(entry.path)
                    for entry in os.scandir(folder)
                    if (entry.name.endswith(".part") or entry.name.startswith(PLAIN_PREFIX))
                    and entry.stat().st_mtime < older_than
                ]
        return found

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


def _dirs(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return [Path(e.path) for e in os.scandir(folder) if e.is_dir() and len(e.name) == 2]


def plain_root(store: LocalFileStore) -> Path:
    """Where plain copies for the parser go: /dev/shm (memory) when writable."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        return shm
    return store.tmp_dir


@lru_cache(maxsize=16)
def _local(root: str, keyring: blobcrypt.Keyring) -> LocalFileStore:
    return LocalFileStore(Path(root), keyring)


def store_for(upload_dir: Path, keyring: blobcrypt.Keyring | None = None) -> LocalFileStore:
    """The process's store for `UPLOAD_DIR` (sealing blobs with `keyring`'s key)."""
    return _local(str(upload_dir), keyring or blobcrypt.Keyring(None, ()))


def store_of(settings: Settings) -> LocalFileStore:
    """The store `UPLOAD_DIR` and `FILE_ENCRYPTION_KEY` describe."""
    return store_for(settings.upload_dir, blobcrypt.keyring_of(settings))
