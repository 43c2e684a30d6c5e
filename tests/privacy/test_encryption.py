"""Encryption at rest (FILE_ENCRYPTION_KEY): stored CVs are sealed with AES-256-GCM,
screened and downloaded as they were uploaded, rotated to a new key, and refused
(FILE_UNREADABLE) when altered or when their key is gone."""

from __future__ import annotations

import base64
import io
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from api.config.settings import Settings
from api.recruiting import blobcrypt
from api.recruiting.filestore import PLAIN_PREFIX, LocalFileStore, plain_root
from api.recruiting.screening_jobs import _plain
from tests.conftest import UserFactory, auth
from tests.controller.screening_support import files_under
from tests.privacy.flows import API, screen
from tests.privacy.markers import Person, scan_files
from tests.support.envelope import assert_envelope


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


KEY = new_key()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"file_encryption_key": SecretStr(KEY)})


def _keyring(current: str | None, *old: str) -> blobcrypt.Keyring:
    keys = [base64.urlsafe_b64decode(k) for k in (current, *old) if k]
    return blobcrypt.Keyring(keys[0] if current else None, tuple(keys))


async def test_stored_cvs_are_sealed_screened_and_downloaded_whole(
    app: Any, client: httpx.AsyncClient, make_user: UserFactory, tmp_path: Path
) -> None:
    person = Person.new()
    headers = auth(await make_user())
    upload = person.upload(tmp_path, "pdf")
    screened = await screen(client, headers, [upload])
    candidate = screened.candidates[upload[0]]
    assert candidate["name"] == person.name  # parsed from a plain copy
    [blob] = files_under(app.state.settings.upload_dir)
    assert blob.read_bytes().startswith(blobcrypt.MAGIC)
    assert scan_files([app.state.settings.upload_dir], [person]) == []
    store = LocalFileStore(app.state.settings.upload_dir)
    assert not list(plain_root(store).glob(f"{PLAIN_PREFIX}*"))  # plain copies are gone
    download = await client.get(f"{API}/candidates/{candidate['id']}/file", headers=headers)
    assert download.status_code == 200 and download.content == upload[1]
    assert upload[0] in download.headers["content-disposition"]
    bundle = await client.get(f"{API}/candidates/{candidate['id']}/export",
                              params={"format": "zip"}, headers=headers)  # fmt: skip
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as archive:
        assert archive.read(f"original/{upload[0]}") == upload[1]


async def test_an_altered_file_or_a_missing_key_is_unreadable(
    app: Any, client: httpx.AsyncClient, make_user: UserFactory, tmp_path: Path
) -> None:
    headers = auth(await make_user())
    screened = await screen(client, headers, [Person.new().upload(tmp_path, "txt")])
    path = f"{API}/candidates/{screened.ranking[0]['id']}/file"
    [blob] = files_under(app.state.settings.upload_dir)
    sealed = bytearray(blob.read_bytes())
    sealed[-1] ^= 0x01
    blob.write_bytes(bytes(sealed))
    assert_envelope(await client.get(path, headers=headers), 500, "FILE_UNREADABLE")
    sealed[-1] ^= 0x01
    blob.write_bytes(bytes(sealed))
    assert (await client.get(path, headers=headers)).status_code == 200
    other = SecretStr(new_key())
    app.state.settings = app.state.settings.model_copy(update={"file_encryption_key": other})
    assert_envelope(await client.get(path, headers=headers), 500, "FILE_UNREADABLE")


def test_a_file_the_parser_cannot_decrypt_is_an_error_of_its_own(tmp_path: Path) -> None:
    sealed = LocalFileStore(tmp_path, _keyring(KEY))
    source = sealed.temp_path()
    source.write_bytes(b"Ada Lovelace, Python developer\n" * 3)
    key = sealed.put(source, "d" * 64)
    stranger = LocalFileStore(tmp_path, _keyring(new_key()))
    item = {"file_id": "f", "path": str(stranger.path(key)), "sha256": key}
    out = _plain(stranger, item, tmp_path)
    assert out["intake_error"]["error_code"] == "FILE_UNREADABLE"
    assert _plain(sealed, item, tmp_path)["path"] != item["path"]  # a plain copy


def test_key_rotation_rewrites_blobs_under_the_new_key(tmp_path: Path) -> None:
    old, new = KEY, new_key()
    content = os.urandom(3 * blobcrypt.CHUNK + 17)
    first = LocalFileStore(tmp_path, _keyring(old))
    source = first.temp_path()
    source.write_bytes(content)
    key = first.put(source, "e" * 64)
    rotated = LocalFileStore(tmp_path, _keyring(new, old))
    assert b"".join(rotated.chunks(key)) == content  # the old key still reads
    assert rotated.reseal(key) and not rotated.reseal(key)  # once is enough
    only_new = LocalFileStore(tmp_path, _keyring(new))
    assert b"".join(only_new.chunks(key)) == content
    with pytest.raises(blobcrypt.BlobCryptError):
        b"".join(first.chunks(key))
    plain = LocalFileStore(tmp_path, _keyring(None, new))
    assert plain.reseal(key) and first.path(key).read_bytes() == content  # decrypted
    assert b"".join(LocalFileStore(tmp_path).chunks(key)) == content


@pytest.mark.parametrize("size", [0, 1, blobcrypt.CHUNK, blobcrypt.CHUNK + 1])
def test_sealing_round_trips_and_detects_a_dropped_last_chunk(size: int) -> None:
    key = base64.urlsafe_b64decode(KEY)
    keyring = blobcrypt.Keyring(key, (key,))
    content = os.urandom(size)
    out = io.BytesIO()
    blobcrypt.seal(io.BytesIO(content), out, key)
    sealed = out.getvalue()
    assert _open(sealed, keyring) == content
    last = (size - 1) % blobcrypt.CHUNK + 1 if size else 0
    cut = sealed[: -(last + blobcrypt.TAG)]  # the file without its last sealed chunk
    with pytest.raises(blobcrypt.BlobCryptError):
        _open(cut, keyring)


def _open(sealed: bytes, keyring: blobcrypt.Keyring) -> bytes:
    with tempfile.NamedTemporaryFile() as handle:
        handle.write(sealed)
        handle.flush()
        return b"".join(blobcrypt.open_chunks(Path(handle.name), keyring))


def test_keys_must_be_32_bytes_of_base64() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        Settings(file_encryption_key="c2hvcnQ=", _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="32 bytes"):
        Settings(file_encryption_old_keys=f"{KEY},abc", _env_file=None)  # type: ignore[call-arg]
