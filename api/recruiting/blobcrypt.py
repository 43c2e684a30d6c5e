"""Encryption at rest of stored CV files: AES-256-GCM in sealed chunks, with key rotation.

A blob written under `FILE_ENCRYPTION_KEY` is a header, then the file in 1 MiB chunks,
each sealed with AES-GCM (the `cryptography` package):

    MAGIC (8) | key id (8) | nonce prefix (8) | chunk 0 | chunk 1 | ... | last chunk

Chunk `i` is sealed with the nonce `prefix || i` (4 bytes, big-endian) and the header
plus a final-chunk flag as associated data, so chunks cannot be reordered, dropped,
appended or moved to another blob without the tag failing. The key id (a digest of the
key) says which key sealed a blob, so blobs written under an earlier key stay readable
while `FILE_ENCRYPTION_OLD_KEYS` lists it; `python -m api.cli reencrypt-files` rewrites
them under the current key. Blobs without the header are plain (written before
encryption was switched on) and are read as they are.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from api.config.settings import Settings, decode_file_key, split_keys

MAGIC = b"CVMENC1\x00"
HEADER_BYTES = len(MAGIC) + 16
CHUNK = 1024 * 1024
TAG = 16


class BlobCryptError(Exception):
    """A blob that cannot be read: its key is not configured, or it was altered."""


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"cvmatch-file-key:" + key).digest()[:8]


@dataclass(frozen=True)
class Keyring:
    """The key new blobs are sealed with (None: written plain) and every readable key."""

    current: bytes | None
    keys: tuple[bytes, ...]

    @property
    def enabled(self) -> bool:
        return bool(self.keys)

    def find(self, ident: bytes) -> bytes:
        for key in self.keys:
            if key_id(key) == ident:
                return key
        raise BlobCryptError("the file was sealed with a key that is not configured")


def keyring_of(settings: Settings) -> Keyring:
    current = [decode_file_key(k) for k in split_keys(settings.file_encryption_key)][:1]
    old = [decode_file_key(k) for k in split_keys(settings.file_encryption_old_keys)]
    return Keyring(current[0] if current else None, tuple(current + old))


def _aad(header: bytes, final: bool) -> bytes:
    return header + (b"\x01" if final else b"\x00")


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + index.to_bytes(4, "big")


def seal(source: BinaryIO | ChunkReader, target: BinaryIO, key: bytes) -> None:
    """Write `source` to `target` sealed under `key`."""
    prefix = os.urandom(8)
    header = MAGIC + key_id(key) + prefix
    target.write(header)
    cipher = AESGCM(key)
    chunk = source.read(CHUNK)
    index = 0
    while True:
        following = source.read(CHUNK)
        final = not following
        target.write(cipher.encrypt(_nonce(prefix, index), chunk, _aad(header, final)))
        if final:
            return
        chunk, index = following, index + 1


def check_readable(path: Path, keyring: Keyring) -> None:
    """Raise BlobCryptError now when the blob is sealed under a key that is not set."""
    with path.open("rb") as handle:
        head = handle.read(HEADER_BYTES)
    if head.startswith(MAGIC):
        if len(head) < HEADER_BYTES:
            raise BlobCryptError("the file's header is cut short")
        keyring.find(head[len(MAGIC) : len(MAGIC) + 8])


def is_sealed(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def open_chunks(path: Path, keyring: Keyring) -> Iterator[bytes]:
    """The plain bytes of the blob at `path`, in chunks (plain blobs as they are)."""
    with path.open("rb") as handle:
        head = handle.read(HEADER_BYTES)
        if not head.startswith(MAGIC):
            yield head
            while block := handle.read(CHUNK):
                yield block
            return
        if len(head) < HEADER_BYTES:
            raise BlobCryptError("the file's header is cut short")
        cipher = AESGCM(keyring.find(head[len(MAGIC) : len(MAGIC) + 8]))
        prefix = head[len(MAGIC) + 8 :]
        block = handle.read(CHUNK + TAG)
        index = 0
        while True:
            following = handle.read(CHUNK + TAG)
            final = not following
            try:
                yield cipher.decrypt(_nonce(prefix, index), block, _aad(head, final))
            except InvalidTag as exc:
                raise BlobCryptError("the file was altered or its key is wrong") from exc
            if final:
                return
            block, index = following, index + 1


class ChunkReader:
    """`read(n)` over an iterator of byte chunks (to seal a stream that is decrypted
    as it is read)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""

    def read(self, size: int) -> bytes:
        while len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out


def write_plain(path: Path, target: BinaryIO, keyring: Keyring) -> None:
    for chunk in open_chunks(path, keyring):
        target.write(chunk)
