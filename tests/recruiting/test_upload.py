"""The streaming intake on its own: byte-sized chunks, limits mid-stream, cleanup."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from api.config.settings import Settings
from api.core.errors import DomainError, PayloadTooLargeError
from api.recruiting.filestore import LocalFileStore
from api.recruiting.upload import receive_files
from tests.controller.screening_support import cv_text, files_under, multipart


def _settings(tmp_path: Path, **limits: int) -> Settings:
    return Settings(upload_dir=tmp_path / "up", _env_file=None, **limits)  # type: ignore[call-arg]


async def _chunks(body: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def _receive(body: bytes, ctype: str, settings: Settings, size: int = 7) -> object:
    store = LocalFileStore(settings.upload_dir)
    return await receive_files(
        stream=_chunks(body, size),
        content_type=ctype,
        content_length=None,
        settings=settings,
        store=store,
    )


@pytest.mark.parametrize("chunk", [1, 7, 4096])
async def test_parts_split_anywhere_are_written_and_hashed(tmp_path: Path, chunk: int) -> None:
    settings = _settings(tmp_path)
    texts = [cv_text(i).encode() for i in range(3)]
    body, headers = multipart([(f"cv{i}.txt", text) for i, text in enumerate(texts)])
    intake = await _receive(body, headers["Content-Type"], settings, chunk)
    files = intake.files  # type: ignore[attr-defined]
    assert [f.sha256 for f in files] == [hashlib.sha256(t).hexdigest() for t in texts]
    assert [f.tmp_path.read_bytes() for f in files] == texts
    assert all(f.tmp_path.parent == settings.upload_dir.resolve() / "tmp" for f in files)
    intake.discard()  # type: ignore[attr-defined]
    assert files_under(settings.upload_dir) == set()


async def test_limits_stop_the_stream_and_leave_nothing(tmp_path: Path) -> None:
    settings = _settings(tmp_path, max_request_mb=1)
    body, headers = multipart([("a.txt", b"a" * 700_000), ("b.txt", b"b" * 700_000)])
    with pytest.raises(PayloadTooLargeError) as raised:
        await _receive(body, headers["Content-Type"], settings, 65536)
    assert raised.value.extra == {"limit": "max_request_mb", "value": 1}
    assert files_under(settings.upload_dir) == set()
    store = LocalFileStore(settings.upload_dir)
    with pytest.raises(PayloadTooLargeError):
        await receive_files(
            stream=_chunks(b"", 1),
            content_type=headers["Content-Type"],
            content_length=str(len(body)),
            settings=settings,
            store=store,
        )


async def test_a_truncated_body_is_rejected_and_cleaned(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    body, headers = multipart([("a.txt", cv_text(0).encode() * 50)])
    with pytest.raises(DomainError) as raised:
        await _receive(body[: len(body) // 2], headers["Content-Type"], settings, 1000)
    assert raised.value.error_code == "BAD_REQUEST"
    assert files_under(settings.upload_dir) == set()


def test_local_store_is_content_addressed(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    first, second = store.temp_path(), store.temp_path()
    first.write_bytes(b"same")
    second.write_bytes(b"same")
    digest = hashlib.sha256(b"same").hexdigest()
    assert store.put(first, digest) == store.put(second, digest) == digest
    assert store.path(digest) == tmp_path.resolve() / digest[:2] / digest[2:4] / digest
    assert files_under(tmp_path) == {store.path(digest)}
    with store.open(digest) as handle:
        assert handle.read() == b"same"
    with pytest.raises(ValueError):
        store.path("../../etc/passwd")
    store.delete(digest)
    assert not store.exists(digest) and files_under(tmp_path) == set()
